"""Mirakl seller (shop) API, on any Mirakl marketplace (``endpoint_url`` is the
operator's ``https://<instance>.mirakl.net``; ``api_key`` the shop's key, sent as is in
``Authorization``; the settings (SETTINGS): ``seller_id`` the ``shop_id`` when the key
reaches several shops, ``location_id`` the warehouse of the stock):

* stock by STO01 stock file imports (one per push, at most one a minute per shop), whose
  outcome is read later by STO02 (at most every 15 s) and STO03's error report;
* orders by polling OR11 (``start_update_date``, every page), accepted or refused line
  by line (OR21), tracking (OR23), shipped (OR24) or cancelled (OR29) back;
* read-back and the catalogue from the shop's offers (OF21, OF22).

Never OF24 for stock: it resets every offer field it is not given."""

import json
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from ..backoff import parse_retry_after
from ..customer_service import refusal
from ..errors import PermanentError, RetryableError
from ..idempotency import idempotency_key, iso_utc, order_status_key, parse_iso_utc, utc_now
from ..ratelimit import Limit
from ..status import CANCELLED
from . import mirakl_orders as orders
from . import mirakl_service as service
from . import mirakl_stock as stock
from . import settings
from .base import (
    HEADER_CONTENT_TYPE,
    HEADER_RETRY_AFTER,
    JSON_CONTENT_TYPE,
    MIRAKL,
    TIMEOUT,
    TOO_MANY_REQUESTS,
    CatalogEntry,
    Connector,
    PolledMessage,
    PushResult,
    Verdict,
    register,
)

STOCK_IMPORTS = "/api/offers/stock/imports"
IMPORT_STATUS = STOCK_IMPORTS + "/{}/status"
ERROR_REPORT = STOCK_IMPORTS + "/{}/error_report"
ORDERS = "/api/orders"
ORDER_ACTION = ORDERS + "/{}/{}"
CANCEL_LINES = ORDERS + "/cancel"  # OR30
REFUND_LINES = ORDERS + "/refund"  # OR28
OFFERS = "/api/offers"
ACCOUNT = "/api/account"  # A01: the shop's information (Test connection)
# the limiter's names of the limited endpoints
STOCK_IMPORT = "stock_import"
STOCK_STATUS = "stock_status"
STOCK_REPORT = "stock_error_report"
ORDERS_LIST = "orders"  # OR11: the polls, the reconciliation's, and every status push
PAGE_SIZE = 100  # OR11 and OF21 answer at most 100 per page
OFFER_READS = 20  # read back up to this many offers one by one (OF22), else every page
FIRST_POLL_DAYS = 1
# an order accepted but not debited yet: its shipment is sent again after this long
DEBIT_WAIT_SECONDS = 300
NOT_FOUND = 404
UNKNOWN_IMPORT = "Mirakl does not know this stock import (404)"
LINES_CANCELLED = (
    "lines {} are not shipped in Odoo but Mirakl is shipping them, and OR24 ships the "
    "whole order: cancel them on Mirakl (OR30) first"
)


CONFIRM_TIMEOUT_MINUTES = 30
SETTINGS = (
    settings.Setting(
        "seller_id", "Shop Id", help="The shop id, when the API key reaches several shops."
    ),
    settings.Setting(
        "location_id",
        "Warehouse Code",
        help="The Mirakl warehouse the stock is set at (empty: the offer's global quantity).",
        republish=True,
    ),
    settings.confirm_timeout(CONFIRM_TIMEOUT_MINUTES),
    settings.Setting(
        "refund_reason_code",
        "Refund Reason Code",
        help="The operator's reason code (RE02) of customer-service refunds and line "
        "cancellations (OR28, OR30); empty: refunds are not sent to Mirakl.",
    ),
)


@register(MIRAKL, "Mirakl")
class MiraklConnector(Connector):
    """One shop of one Mirakl marketplace; stock files are confirmed later."""

    order_format = orders
    settings = SETTINGS

    confirms_async = True
    accepts_orders = True  # OR21, from the central reservation's answer
    # customer service: refunds of order lines (OR30 before shipment, OR28 after it:
    # core.connectors.mirakl_service); the delivery address is the operator's
    supports_refund = True
    service_settings = {"refund": "refund_reason_code"}  # no reason code: refunds not sent
    max_batch_size = 10000  # one stock file per push: every SKU of the shop at once
    check_interval = 15.0  # STO02: at most once every 15 s
    confirm_timeout_minutes = CONFIRM_TIMEOUT_MINUTES
    polls_orders = True
    poll_interval_minutes = 5  # OR11: every 5 minutes recommended, once a minute at most
    poll_overlap_minutes = 10
    # the documented call frequencies, per shop (STO01 once a minute is the batching
    # window: a push waits for it, or comes back when it opens)
    reads_whole_listing = True  # above OFFER_READS SKUs, every OF21 page
    refused_hint = (
        "the API key is refused: generate one in the shop's back office (My account > API "
        "key) and paste it as the API Key."
    )
    scope_hint = "the key reaches other shops: set Shop Id to one the key may use."
    endpoint_hint = "the operator's https://<instance>.mirakl.net"
    limits = {
        STOCK_IMPORT: Limit(rate=1 / 60, burst=1),
        STOCK_STATUS: Limit(rate=1 / 15, burst=1),
        STOCK_REPORT: Limit(rate=1 / 60, burst=1),
        # OR11, polled once a minute at most: one budget for every caller; a poll (one
        # turn for its listing, its next pages follow it) leaves only when nothing else
        # used it within the minute (the reserved slots); the reads of a status push that
        # may accept an order (before Mirakl refuses it) may take 5 at once, a shipment's
        # or a cancellation's read waits as a poll does
        ORDERS_LIST: Limit(rate=1 / 60, burst=5, reserved=4),
    }

    def __init__(self, config, session=None, limiter=None, tokens=None):
        super().__init__(config, session, limiter, tokens)
        self.session.headers.update({"Authorization": config.api_key, "Accept": JSON_CONTENT_TYPE})

    # -- HTTP -----------------------------------------------------------------------

    def _url(self, path):
        return f"{self.config.endpoint_url.rstrip('/')}{path}"

    def _call(
        self,
        method,
        path,
        *,
        endpoint=None,
        payload=None,
        params=None,
        body=None,
        content_type=None,
        urgent=True,
        turn=True,
    ):
        """One request (within ``endpoint``'s limit: ``urgent`` callers first, ``turn``
        False for the next pages of a listing that took its turn); a 429 holds the
        endpoint. ``payload`` is sent as JSON, else ``body`` as ``content_type``."""
        if payload is not None:
            body, content_type = json.dumps(payload).encode(), JSON_CONTENT_TYPE
        params = dict(params or {})
        if self.setting("seller_id"):
            params["shop_id"] = self.setting("seller_id")
        if endpoint and turn:
            self.wait_turn(endpoint, urgent=urgent)
        response = self._request(
            method,
            self._url(path),
            body=body,
            headers={HEADER_CONTENT_TYPE: content_type} if content_type else None,
            params=params,
        )
        if response.status_code == TOO_MANY_REQUESTS and endpoint:
            seconds = parse_retry_after(response.headers.get(HEADER_RETRY_AFTER))
            self.hold_endpoint(endpoint, seconds)
        self.classify(response)
        return response

    def _json(self, response):
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise PermanentError(self._error_message(response, "not a JSON object"))
        return data

    def probe(self):
        """The shop's information (A01 ``GET /api/account``)."""
        shop = self._json(self._call("GET", ACCOUNT))
        return f"shop {shop.get('shop_name') or shop.get('shop_id') or '?'}"

    def _pages(self, path, key, params=None, endpoint=None):
        """Every object of an offset-paged list (``max``, ``offset``, ``total_count``);
        with ``endpoint``, the listing takes one turn of its limit (not urgent)."""
        offset = 0
        while True:
            page = {**(params or {}), "max": PAGE_SIZE, "offset": offset}
            response = self._call(
                "GET", path, params=page, endpoint=endpoint, urgent=False, turn=offset == 0
            )
            data = self._json(response)
            rows = data.get(key)
            if not isinstance(rows, list):
                raise PermanentError(self._error_message(response, f"no {key} list"))
            yield from (row for row in rows if isinstance(row, dict))
            offset += len(rows)
            total = data.get("total_count")
            more = offset < total if isinstance(total, int) else len(rows) >= PAGE_SIZE
            if not rows or not more:
                return

    # -- stock ------------------------------------------------------------------------

    def push(self, items):
        """One STO01 stock file of every item (``location_id``: the warehouse code, empty
        for the offer's global quantity). Mirakl takes one a minute per shop: a push that
        would wait longer than ``max_limit_wait`` raises RetryableError(throttled) and is
        sent when the minute is over. Every item is tracked by the import's id."""
        items = self._check_batch(items)
        text = stock.stock_csv(stock.stock_rows(items, self.setting("location_id")))
        body, content_type = stock.multipart(text)
        response = self._call(
            "POST", STOCK_IMPORTS, endpoint=STOCK_IMPORT, body=body, content_type=content_type
        )
        import_id = str(self._json(response).get("import_id") or "")
        if not import_id:
            raise RetryableError(
                self._error_message(response, "no import_id"), **self._error_fields(response)
            )
        return PushResult(
            status=response.status_code,
            body=self._redact(response.text),
            request_body=text,
            idempotency_key=idempotency_key(self.config.code, items),
            accepted_at=utc_now(),
            remote_id=import_id,
            tracking=dict.fromkeys((item.sku for item in items), import_id),
        )

    def check_pushes(self, tracking):
        """STO02 of each import (and STO03 when lines failed), within the shop's limits:
        the imports left out when the limit is reached are still pending (read in a
        random order, so that an import that stays waiting holds no other back). Raises
        only when nothing could be read."""
        verdicts = {}
        for import_id in random.sample(list(tracking), len(tracking)):
            try:
                verdicts[import_id] = self._verdict(import_id, tracking[import_id])
            except RetryableError:
                if not verdicts:
                    raise
                break
        return verdicts

    def _verdict(self, import_id, skus):
        try:
            response = self._call(
                "GET", IMPORT_STATUS.format(quote(str(import_id), safe="")), endpoint=STOCK_STATUS
            )
        except PermanentError as error:
            if error.status == NOT_FOUND:
                return Verdict(TIMEOUT, reason=UNKNOWN_IMPORT, body=error.body or "")
            raise
        status = self._json(response)
        errors = None
        if stock.needs_report(status):
            report = self._call(
                "GET", ERROR_REPORT.format(quote(str(import_id), safe="")), endpoint=STOCK_REPORT
            )
            errors = stock.report_errors(stock.report_text(report), skus)
        return stock.verdict(
            status, self._redact(response.text), self.confirm_timeout_minutes, errors
        )

    def read_quantities(self, skus, refs=None):
        """The offers' quantities (of the ``location_id`` warehouse when set): a few
        offers by id (OF22, ``refs`` {sku: (offer id, ...)}), else every OF21 page."""
        wanted = set(skus)
        refs = refs or {}
        ids = [str(refs[sku][0]) for sku in wanted if sku in refs and str(refs[sku][0]).isdigit()]
        if wanted and len(wanted) <= OFFER_READS and len(ids) == len(wanted):
            offers = (self._offer(offer_id) for offer_id in ids)
        else:
            offers = self._pages(OFFERS, "offers")
        quantities = {}
        for offer in offers:
            sku = (offer or {}).get("shop_sku")
            quantity = self._quantity(offer) if sku in wanted else None
            if quantity is not None:
                quantities[sku] = quantity
        return quantities

    def _offer(self, offer_id):
        try:
            return self._json(self._call("GET", f"{OFFERS}/{offer_id}"))
        except PermanentError as error:
            if error.status == NOT_FOUND:
                return None
            raise

    def _quantity(self, offer):
        """The offer's quantity, or its warehouse's when the channel has one."""
        warehouses = offer.get("warehouses")
        location = self.setting("location_id")
        if location and isinstance(warehouses, list) and warehouses:
            for warehouse in warehouses:
                if isinstance(warehouse, dict) and warehouse.get("code") == location:
                    return _int(warehouse.get("quantity"))
            return 0
        return _int(offer.get("quantity"))

    def list_catalog(self):
        for offer in self._pages(OFFERS, "offers"):
            yield CatalogEntry(
                sku=str(offer.get("shop_sku") or ""),
                external_id=str(offer.get("offer_id") or ""),
                quantity=self._quantity(offer),
            )

    # -- orders ---------------------------------------------------------------------

    def poll_orders(self, cursor):
        """Orders changed since ``cursor`` less the overlap (first poll: the last day),
        every page: (messages, the newest change seen, as ``...T..:..:..mmmZ``). OR11
        sorts by creation only (no sort by update): an order changed while the pages are
        read keeps its place, and one placed meanwhile comes last."""
        newest = orders.mirakl_time(cursor) if cursor else ""
        if newest:
            since = parse_iso_utc(newest)
        else:
            since = datetime.now(UTC) - timedelta(days=FIRST_POLL_DAYS)
        since -= timedelta(minutes=self.poll_overlap_minutes)
        messages, seen = [], set()
        listing = self._pages(
            ORDERS, "orders", {"start_update_date": iso_utc(since)}, endpoint=ORDERS_LIST
        )
        for order in listing:
            newest = max(newest, orders.mirakl_time(order.get("last_updated_date")))
            delivery = orders.delivery_id(order)
            if delivery in seen:
                continue
            seen.add(delivery)
            messages.append(
                PolledMessage(
                    kind=orders.order_kind(order),
                    body=json.dumps(order).encode(),
                    delivery_id=delivery,
                    external_id=str(order.get("order_id") or ""),
                )
            )
        return messages, newest or (cursor or "")

    def _order(self, order_id, urgent=True):
        response = self._call(
            "GET", ORDERS, params={"order_ids": order_id}, endpoint=ORDERS_LIST, urgent=urgent
        )
        for order in self._json(response).get("orders") or []:
            if isinstance(order, dict) and str(order.get("order_id")) == order_id:
                return order
        raise PermanentError(f"{self.code}: order {order_id} not found on Mirakl")

    def push_order_status(self, external_order_id, body, sequence=None):
        """What Odoo's status asks and Mirakl's order lacks, read first (nothing twice):
        the acceptance decisions while the order waits for them (OR21, every line), then,
        once Mirakl is SHIPPING, the latest parcel's tracking (OR23) and the shipment
        (OR24) when every line left, or the cancellation (OR29). OR24 has no lines: it
        ships the whole order, so it waits for the last line (partial shipments would
        need Mirakl's multi-shipment API). The order is read (OR11) within the shared
        limit, first of its callers; read again after an acceptance only when Odoo's
        status asks more of it (a shipment, a cancellation)."""
        order_id = str(external_order_id)
        status = body.get("status")
        # a shipment or a cancellation leaves the reserved turns to acceptances
        order = self._order(order_id, urgent=not (status == CANCELLED or _ships(body)))
        sent = []
        if order.get("order_state") == orders.WAITING_ACCEPTANCE:
            decisions = orders.acceptance(order, body)
            if decisions:
                self._send(order_id, "accept", {"order_lines": decisions}, sent)
                accepted = any(decision["accepted"] for decision in decisions)
                if accepted and (status == CANCELLED or _ships(body)):
                    order = self._order(order_id, urgent=False)
        state = order.get("order_state")
        if status == CANCELLED and (
            state == orders.SHIPPING_STATE
            or (state in orders.WAITING_DEBIT_STATES and order.get("can_cancel"))
        ):
            self._send(order_id, "cancel", None, sent)
        elif state in orders.WAITING_DEBIT_STATES and (status == CANCELLED or _ships(body)):
            raise RetryableError(
                f"{self.code}: order {order_id} is {state} (the customer is not debited yet): "
                "sent again once Mirakl is shipping it",
                seconds=DEBIT_WAIT_SECONDS,
            )
        elif state == orders.SHIPPING_STATE and _ships(body):
            self._ship(order_id, order, body, sent)
        if body.get("refunds") and status != CANCELLED:
            self._refund(order_id, order, body, sent)
        return PushResult(
            status=200,
            body=json.dumps(sent),
            request_body=json.dumps(sent),
            idempotency_key=order_status_key(self.config.code, order_id, body, sequence),
            accepted_at=utc_now(),
            remote_id=order_id,
        )

    def _ship(self, order_id, order, body, sent):
        tracking = orders.latest_tracking(body)
        if tracking and not orders.tracking_known(order, tracking):
            self._send(order_id, "tracking", tracking, sent)
        missing = orders.lines_not_left(order, body)
        if not missing:
            self._send(order_id, "ship", None, sent)
        elif body.get("status") in orders.SHIPPING_STATUSES:
            raise PermanentError(
                f"{self.code}: order {order_id}: {LINES_CANCELLED.format(missing)}"
            )

    def _refund(self, order_id, order, body, sent):
        """Customer-service refunds Mirakl does not have: lines not shipped cancelled
        (OR30), shipped ones refunded (OR28); once Mirakl is shipping the order."""
        if order.get("order_state") not in service.ORDER_STATES:
            raise RetryableError(
                f"{self.code}: order {order_id} is {order.get('order_state')}: its refunds "
                "are sent once Mirakl is shipping it",
                seconds=DEBIT_WAIT_SECONDS,
            )
        if any("ship" in done for done in sent):  # OR24 just now: its lines left
            service.mark_shipped(order)
        refused = {}  # each refund on its own: Mirakl's refusals raised once the rest is sent
        reason_code = self.setting("refund_reason_code")
        cancelations, refunds = service.plan(order, body, reason_code, refused)
        for path, key, rows in (
            (CANCEL_LINES, "cancelations", cancelations),
            (REFUND_LINES, "refunds", refunds),
        ):
            for refund_key, row in rows:
                try:
                    self._call("PUT", path, payload={key: [row]})
                except PermanentError as error:
                    refused[refund_key] = error.message
                    continue
                sent.append({key: [row]})
        if refused:
            raise refusal(refused)

    def _send(self, order_id, action, payload, sent):
        path = ORDER_ACTION.format(quote(order_id, safe=""), action)
        self._call("PUT", path, payload=payload)
        sent.append({action: payload if payload is not None else True})


def _ships(body):
    """Odoo's status reports a shipment (some parcels left, or the whole order)."""
    return bool(body.get("shipments")) or body.get("status") in orders.SHIPPING_STATUSES


def _int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
