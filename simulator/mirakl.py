"""A Mirakl marketplace's seller (shop) API (``/mirakl/<account>/api/...``) behind the
shop's API key (``Authorization: <key>``, optional ``shop_id`` query parameter), as
Mirakl's MMP seller OpenAPI documents it:

* STO01 ``POST /api/offers/stock/imports``: a multipart ``file`` part (CSV,
  ``offer-sku;quantity;warehouse-code;update-delete``, quoted or not), 201
  ``{"import_id"}``; once per ``import_window_seconds`` per shop, else 429 +
  Retry-After. Processed later: STO02 ``.../{id}/status`` (WAITING, RUNNING, then
  COMPLETE or FAILED; once per ``status_window_seconds``) and STO03
  ``.../{id}/error_report`` (the lines in error, CSV; once per
  ``report_window_seconds``); the quantities change when the import completes;
* OF21 ``GET /api/offers`` (offset pages) and OF22 ``GET /api/offers/{offer_id}``;
* A01 ``GET /api/account``: the shop's information (id, name, state, currency);
* orders (OR11, OR21, OR23, OR24, OR29): see ``mirakl_orders``; lines cancelled (OR30)
  or refunded (OR28): see ``mirakl_service``.
"""

import copy
import csv
import io
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from urllib.parse import unquote

from .common import (
    FAILURE,
    HEADER_RETRY_AFTER,
    NOT_FOUND,
    PENDING,
    SUCCESS,
    TIMEOUT,
    Job,
    Marketplace,
    RateLimits,
    Reply,
    Window,
    error,
    now_iso,
)
from .mirakl_orders import MiraklOrders, mirakl_error, page_params
from .mirakl_service import MiraklService

STOCK_COLUMNS = ("offer-sku", "quantity", "warehouse-code", "update-delete")
REPORT_COLUMNS = ("line", "error-message", *STOCK_COLUMNS)
UPDATE, DELETE = "update", "delete"
FIRST_LINE = 2  # the header is line 1
# what STO01/02/03 are limited under, per shop
STO01, STO02, STO03 = "STO01", "STO02", "STO03"
UNKNOWN_OFFER = "The offer does not exist"
BAD_QUANTITY = "The quantity must be a whole number >= 0"
BAD_UPDATE_DELETE = "The update-delete value must be update, delete or empty"
SIMULATED = "Simulated failure of this offer (fail_skus)"


@dataclass
class MiraklSettings:
    """One shop: its API key and id (requests may name it in ``shop_id``), how long an
    import takes and how it ends, the documented call frequencies (0: unlimited), and
    the orders' behaviour."""

    api_key: str = "mirakl-key"
    shop_id: str = ""
    processing_delay: float = 0.0
    import_window_seconds: float = 60.0
    status_window_seconds: float = 15.0
    report_window_seconds: float = 60.0
    # the lines of these offer SKUs end in the error report (the others are applied)
    fail_skus: list = field(default_factory=list)
    # imports that never finish (stay WAITING), or end FAILED (nothing applied)
    timeout_imports: bool = False
    fail_imports: bool = False
    # orders: addresses hidden while the order waits for acceptance; seconds an accepted
    # order waits for the customer's debit (0: SHIPPING at once); partial acceptance
    hide_address_until_accepted: bool = True
    debit_delay: float = 0.0
    partial_acceptance: bool = True
    max_page_size: int = 100


def form_parts(headers, body):
    """{name: bytes} of a multipart/form-data body, parsed by the ``email`` package;
    None when the body is not multipart."""
    content_type = headers.get("Content-Type") or ""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + (body or b""))
    if not message.is_multipart():
        return None
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[name] = part.get_payload(decode=True) or b""
    return parts


def _stock_lines(data):
    """(header, [(line number, {column: value})]) of a stock file (``;``-separated)."""
    text = data.decode("utf-8-sig", "replace")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    if not rows:
        return [], []
    header = [name.strip().lower() for name in rows[0]]
    lines = []
    for number, row in enumerate(rows[1:], start=FIRST_LINE):
        if any(cell.strip() for cell in row):
            cells = row + [""] * (len(header) - len(row))
            lines.append((number, dict(zip(header, cells, strict=False))))
    return header, lines


class Mirakl(MiraklService, MiraklOrders, Marketplace):
    name = "mirakl"
    prefix = "/mirakl/"
    config_key = "mirakl"
    settings_class = MiraklSettings

    def _reset(self):
        self.offers = {}  # account -> {offer id: offer}
        self.imports = {}  # account -> {import id: Job}
        self.limits = RateLimits()
        self._offer_ids = 2000
        self._reset_orders()

    def stock(self):
        with self.lock:
            self._settle_imports()
            return {
                "mirakl": {
                    account: {offer["shop_sku"]: offer["quantity"] for offer in offers.values()}
                    for account, offers in self.offers.items()
                }
            }

    # -- offers (for tests and demos) ----------------------------------------------

    def add_offer(self, account, sku, quantity=0, price=10.0, warehouses=None):
        """An offer of the shop (``warehouses`` {code: quantity}); returns its id."""
        with self.lock:
            self._offer_ids += 1
            offer_id = self._offer_ids
            self.offers.setdefault(account, {})[offer_id] = {
                "offer_id": offer_id,
                "shop_sku": sku,
                "product_sku": f"MKP{offer_id:012d}",
                "product_title": sku,
                "quantity": quantity,
                "price": price,
                "total_price": price,
                "currency_iso_code": "EUR",
                "state_code": "11",
                "active": True,
                "warehouses": dict(warehouses or {}),
            }
            if warehouses:
                self._total(self.offers[account][offer_id])
            return offer_id

    def offer(self, account, sku):
        """The offer of ``sku`` as OF21 shows it (None when the shop has none)."""
        with self.lock:
            self._settle_imports()
            found = self._offer_by_sku(account, sku)
            return _public_offer(found) if found else None

    def _offer_by_sku(self, account, sku):
        for offer in self.offers.get(account, {}).values():
            if offer["shop_sku"] == sku:
                return offer
        return None

    def _settle_imports(self):
        """Imports done by now change the offers (once), read or not."""
        now = time.monotonic()
        for jobs in self.imports.values():
            for job in jobs.values():
                job.settle(now)

    @staticmethod
    def _total(offer):
        offer["quantity"] = sum(offer["warehouses"].values())

    # -- HTTP ---------------------------------------------------------------------------

    def route(self, method, parts, query, headers, body):
        parts = [unquote(part) for part in parts]
        if len(parts) < 3 or not parts[0] or parts[1] != "api":
            return error(404, NOT_FOUND)
        account, rest, params = parts[0], parts[2:], query.params
        settings = self.account(account)
        if (headers.get("Authorization") or "").strip() != settings.api_key:
            return mirakl_error(401, "Unauthorized")
        shop_id = (params.get("shop_id") or [""])[0]
        if shop_id and settings.shop_id and shop_id != settings.shop_id:
            return mirakl_error(403, f"The API key has no access to shop {shop_id}")
        if rest == ["account"] and method == "GET":
            return self._account_info(account, settings)
        with self.lock:
            if rest[:3] == ["offers", "stock", "imports"]:
                return self._stock_imports(account, settings, method, rest[3:], headers, body)
            if rest[:1] == ["offers"] and method == "GET":
                return self._offers(account, settings, rest[1:], params)
            if rest[:1] == ["orders"]:
                return self._orders_route(account, settings, method, rest[1:], params, body)
        return mirakl_error(404, "Not found")

    @staticmethod
    def _account_info(account, settings):
        """A01 ``GET /api/account``: the shop's information."""
        return Reply(
            200,
            {
                "shop_id": int(settings.shop_id) if settings.shop_id.isdigit() else 2001,
                "shop_name": account,
                "shop_state": "OPEN",
                "currency_iso_code": "EUR",
                "is_professional": True,
            },
        )

    def _limited(self, account, endpoint, seconds):
        """The 429 Reply when ``endpoint`` was called within its window, else None."""
        if seconds <= 0:
            return None
        retry_after, _headers = self.limits.take((account, endpoint), Window(1, seconds))
        if retry_after is None:
            return None
        reply = mirakl_error(429, "Too Many Requests")
        reply.headers[HEADER_RETRY_AFTER] = str(retry_after)
        return reply

    # -- STO01, STO02, STO03 ---------------------------------------------------------

    def _stock_imports(self, account, settings, method, rest, headers, body):
        if not rest:
            if method != "POST":
                return mirakl_error(405, "Method not allowed")
            return self._import(account, settings, headers, body)
        job = self.imports.get(account, {}).get(rest[0])
        if method != "GET" or len(rest) != 2 or job is None:
            return mirakl_error(404, "Import not found")
        if rest[1] == "status":
            return self._limited(account, STO02, settings.status_window_seconds) or Reply(
                200, self._import_status(job)
            )
        if rest[1] == "error_report":
            return self._limited(account, STO03, settings.report_window_seconds) or (
                self._error_report(job)
            )
        return mirakl_error(404, "Not found")

    def _import(self, account, settings, headers, body):
        parts = form_parts(headers, body)
        if not parts or "file" not in parts:
            return mirakl_error(400, "The multipart part 'file' is required")
        limited = self._limited(account, STO01, settings.import_window_seconds)
        if limited:
            return limited
        header, lines = _stock_lines(parts["file"])
        errors = {}
        for number, line in lines:
            problem = self._line_problem(account, settings, line)
            if problem:
                errors[number] = problem
        outcome = SUCCESS
        if settings.timeout_imports:
            outcome = TIMEOUT
        elif settings.fail_imports or not {"offer-sku", "quantity"} <= set(header):
            outcome = FAILURE
        job = Job(
            id=uuid.uuid4().hex,
            created=time.monotonic(),
            delay=settings.processing_delay,
            outcome=outcome,
            errors={line.get("offer-sku", ""): errors[n] for n, line in lines if n in errors},
            apply=lambda done: self._apply(account, done),
            detail={
                "lines": lines,
                "line_errors": errors,
                "date_created": now_iso(),
                "shop_id": int(settings.shop_id) if settings.shop_id.isdigit() else 2000,
            },
        )
        self.imports.setdefault(account, {})[job.id] = job
        location = f"/mirakl/{account}/api/offers/stock/imports/{job.id}/status"
        return Reply(201, {"import_id": job.id}, {"Location": location})

    def _line_problem(self, account, settings, line):
        sku = (line.get("offer-sku") or "").strip()
        if self._offer_by_sku(account, sku) is None:
            return UNKNOWN_OFFER
        action = (line.get("update-delete") or "").strip().lower()
        if action not in ("", UPDATE, DELETE):
            return BAD_UPDATE_DELETE
        if action != DELETE and not (line.get("quantity") or "").strip().isdigit():
            return BAD_QUANTITY
        if sku in settings.fail_skus:
            return SIMULATED
        return None

    def _apply(self, account, job):
        """The import completed: its lines not in error change the offers."""
        with self.lock:
            for number, line in job.detail["lines"]:
                if number in job.detail["line_errors"]:
                    continue
                offer = self._offer_by_sku(account, line["offer-sku"].strip())
                warehouse = (line.get("warehouse-code") or "").strip()
                delete = (line.get("update-delete") or "").strip().lower() == DELETE
                if not warehouse:
                    offer["warehouses"] = {}
                    offer["quantity"] = 0 if delete else int(line["quantity"])
                    continue
                if delete:
                    offer["warehouses"].pop(warehouse, None)
                else:
                    offer["warehouses"][warehouse] = int(line["quantity"])
                self._total(offer)

    @staticmethod
    def _import_status(job):
        now = time.monotonic()
        state = job.state(now)
        job.settle(now)
        status = {
            "import_id": job.id,
            "shop_id": job.detail["shop_id"],
            "date_created": job.detail["date_created"],
            "has_error_report": False,
            "lines_in_error": 0,
            "lines_in_success": 0,
        }
        if state in (PENDING, TIMEOUT):
            halfway = now >= job.created + job.delay / 2 and state == PENDING
            return {**status, "status": "RUNNING" if halfway else "WAITING"}
        if state == FAILURE:
            return {**status, "status": "FAILED"}
        in_error = len(job.detail["line_errors"])
        return {
            **status,
            "status": "COMPLETE",
            "has_error_report": in_error > 0,
            "lines_in_error": in_error,
            "lines_in_success": len(job.detail["lines"]) - in_error,
        }

    @staticmethod
    def _error_report(job):
        """The lines in error, as CSV."""
        if job.state(time.monotonic()) != SUCCESS or not job.detail["line_errors"]:
            return mirakl_error(404, "No error report for this import")
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(REPORT_COLUMNS)
        for number, line in job.detail["lines"]:
            why = job.detail["line_errors"].get(number)
            if why:
                writer.writerow([number, why, *(line.get(name, "") for name in STOCK_COLUMNS)])
        return Reply(200, out.getvalue().encode("utf-8"), {"Content-Type": "text/csv"})

    # -- OF21, OF22 --------------------------------------------------------------------

    def _offers(self, account, settings, rest, params):
        self._settle_imports()
        offers = self.offers.get(account, {})
        if rest:
            offer = offers.get(int(rest[0])) if rest[0].isdigit() else None
            if offer is None:
                return mirakl_error(404, "Offer not found")
            return Reply(200, _public_offer(offer))
        rows = sorted(offers.values(), key=lambda offer: offer["offer_id"])
        sku = (params.get("sku") or [""])[0]
        if sku:
            rows = [offer for offer in rows if offer["shop_sku"] == sku]
        page, problem = page_params(params, settings.max_page_size)
        if problem:
            return mirakl_error(400, problem)
        chunk = rows[page] if page else rows
        return Reply(200, {"offers": [_public_offer(o) for o in chunk], "total_count": len(rows)})


def _public_offer(offer):
    shown = copy.deepcopy(offer)
    shown["warehouses"] = [
        {"code": code, "quantity": quantity} for code, quantity in offer["warehouses"].items()
    ]
    shown["inactivity_reasons"] = [] if offer["quantity"] > 0 else ["ZERO_QUANTITY"]
    return shown
