"""bol.com Retailer API v10: a marketplace that confirms later and is polled.

* Stock: ``PUT /retailer/offers/{offer-id}/stock`` ``{"amount", "managedByRetailer":
  true}``, one request per offer (bol asks for changes only, not batches), within the
  endpoint's limit. ``managedByRetailer`` is true: the amount Odoo sends already leaves
  out the orders Odoo knows (reserved), bol subtracts only the orders placed after it.
  bol takes 0-999: the connector declares 999 as its ``max_quantity``, the publishable
  quantity is capped there (core.allocation), and a larger one is never sent.
* Every write answers 202 with a process status (``processStatusId``): PENDING, then
  SUCCESS, FAILURE (``errorMessage``) or TIMEOUT, read in bulk by
  ``POST /shared/process-status`` (kept 2 days by bol).
* Orders are polled (``GET /retailer/orders``, changes of the last minutes, pages of 50,
  then each order's detail); shipments (``POST /retailer/shipments``) and cancellations
  (``PUT /retailer/orders/cancellation``, one item a call) go back.
* Read-back: ``GET /retailer/offers/{offer-id}`` (the offers export is not current);
  the mapping reads the offers export (CSV).
* Auth and HTTP: core.connectors.bol_api.
"""

import csv
import io
import json
import math
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from ..customer_service import refusal
from ..errors import PermanentError, RetryableError
from ..idempotency import idempotency_key, utc_now
from ..inbound import KIND_VERDICT
from ..ratelimit import per_window
from ..status import CANCELLED
from . import bol_events as events
from . import bol_orders as orders
from . import bol_service as service
from . import check, settings
from .base import (
    BOL,
    FAILURE,
    PENDING,
    SUCCESS,
    TIMEOUT,
    CatalogEntry,
    Connector,
    Delivery,
    PolledMessage,
    PushResult,
    Verdict,
    register,
)
from .bol_api import DEFAULT_TOKEN_URL, BolApi

CSV_MEDIA = "application/vnd.retailer.v10+csv"
MAX_AMOUNT = 999
PAGE_SIZE = 50  # orders per page
STATUS_QUERY_MAX = 1000  # process statuses per bulk read
MAX_CHANGE_INTERVAL = 60  # minutes bol's change-interval-minute takes at most
EXPORT_WAIT_SECONDS = 60  # how long Import mapping waits for the offers export
EXPORT_POLL_SECONDS = 1.0
# answers about one offer (a bad amount, an unknown offer), not about the account
ITEM_STATUSES = frozenset({400, 404})
MISSING_OFFER = "no bol.com offer id: import the mapping, or set it on the binding"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
VERDICTS = {"PENDING": PENDING, "SUCCESS": SUCCESS, "FAILURE": FAILURE, "TIMEOUT": TIMEOUT}


CONFIRM_TIMEOUT_MINUTES = 180
TOKEN_REFUSED = frozenset({400, 401, 403})  # the login's answers to wrong credentials
SETTINGS = (
    settings.token_url(DEFAULT_TOKEN_URL),
    settings.Setting(
        settings.WEBHOOK_SECRET,
        "Push Notification Keys",
        help="bol's public keys of its push notifications (JSON), read by Import mapping.",
        secret=True,
    ),
    settings.confirm_timeout(CONFIRM_TIMEOUT_MINUTES),
)


@register(BOL, "bol.com")
class BolConnector(BolApi):
    """``endpoint_url``: https://api.bol.com; the settings ``token_url`` (login.bol.com's
    by default), ``webhook_secret`` (the keys of its push notifications) (the HTTP side:
    core.connectors.bol_api)."""

    order_format = orders
    settings = SETTINGS

    confirms_async = True
    max_batch_size = 50
    max_quantity = MAX_AMOUNT
    # bol's per-endpoint limits are a capacity per time to live (N requests within any
    # window): spaced evenly, N per window, never a burst that would run over a window;
    # the process status read has no published number: a modest one. The offers export
    # (9 an hour) keeps a burst of 4 within them: Import mapping right after a
    # reconciliation's export goes at once, the next ones every 15 minutes
    limits = {
        "offer_stock": per_window(50, 1),
        "offer": per_window(25, 1),
        "process_status": per_window(10, 1),
        "orders": per_window(25, 60),
        "order": per_window(25, 1),
        "shipment": per_window(25, 1),
        "cancellation": per_window(25, 60),
        "export": per_window(9, 3600, burst=4),
    }
    check_interval = 10.0
    # bol retries its own processing up to 5 times in 5 minutes, and may take hours:
    # its TIMEOUT says when it gave up; without a verdict after this, Odoo sends again
    confirm_timeout_minutes = CONFIRM_TIMEOUT_MINUTES
    # a customer's cancellation request is honoured by cancelling the items on bol
    acknowledges_cancellations = True
    # customer service: a refund of a line's open units is its cancellation (bol.com pays
    # the customer back); bol.com's delivery address is not the seller's to change
    supports_refund = True
    # push notifications (a process status is ready): retried 10 times in 10 minutes,
    # then the subscription is disabled: a genuine one is always answered 2xx
    kept_headers = (*Connector.kept_headers, events.HEADER_SIGNATURE)
    webhook_always_ok = True
    polls_orders = True
    poll_interval_minutes = 5
    poll_overlap_minutes = 10
    refused_hint = (
        "the client id and secret are refused: create API credentials in the seller account "
        "(Settings > API settings) and paste the client id as the API Key and the secret as "
        "the API Secret."
    )
    scope_hint = "the credentials must be the Retailer API's (not the Advertising API's)."
    endpoint_hint = "https://api.bol.com"
    webhook_route = "events"

    # -- stock ------------------------------------------------------------------

    @classmethod
    def addresses(cls, sku, external_id):
        """bol.com sets the stock of an offer, by its offer id."""
        return bool(sku) and bool(str(external_id or "").strip())

    def push(self, items):
        """One stock update per offer; each accepted one is tracked by its process
        status. Nothing accepted and a failure of the whole channel (down, throttled):
        that error, for the whole push."""
        items = self._check_batch(items)
        result = PushResult(
            status=202,
            body="",
            request_body="",
            idempotency_key=idempotency_key(self.config.code, items),
            accepted_at=None,
        )
        answers, sent = [], []
        for index, item in enumerate(items):
            try:
                answer = self._push_one(item, result)
            except (PermanentError, RetryableError) as error:
                if not result.tracking and (error.retryable is False or not result.item_errors):
                    raise  # the account (down, credentials, throttled): the whole push
                self._leave_the_rest(result, items[index:], error)
                break
            if answer:
                answers.append(answer)
                sent.append({"offer": item.external_id, **answer.pop("_sent")})
        if not result.tracking and not result.retry_errors:
            raise PermanentError(
                f"{self.code}: nothing could be sent", item_errors=result.item_errors
            )
        result.body = json.dumps(answers)
        result.request_body = json.dumps(sent)
        result.accepted_at = utc_now()
        return result

    def _push_one(self, item, result):
        """Send one offer's amount: its process status (with ``_sent``: the body), or
        None when the offer itself is refused (in ``result.item_errors``); raises when
        the failure is not the offer's."""
        if not item.external_id:
            result.item_errors[item.sku] = MISSING_OFFER
            return None
        payload = {"amount": min(max(int(item.quantity), 0), MAX_AMOUNT), "managedByRetailer": True}
        path = f"/retailer/offers/{quote(item.external_id)}/stock"
        try:
            response = self._call("PUT", path, "offer_stock", payload)
        except PermanentError as error:
            if error.status not in ITEM_STATUSES:
                raise
            result.item_errors[item.sku] = str(error)  # this offer: refused for good
            return None
        status = self._json(response)
        result.tracking[item.sku] = str(status.get("processStatusId") or "")
        return {**status, "_sent": payload}

    @staticmethod
    def _leave_the_rest(result, rest, error):
        for item in rest:
            result.retry_errors[item.sku] = str(error)
            if getattr(error, "throttled", False):
                result.throttled[item.sku] = error.seconds or 1.0

    def check_pushes(self, tracking):
        """The process statuses, a thousand a request; an id bol no longer knows is left
        out (the deadline sends it again)."""
        ids = [remote_id for remote_id in tracking if remote_id]
        verdicts = {}
        for start in range(0, len(ids), STATUS_QUERY_MAX):
            chunk = ids[start : start + STATUS_QUERY_MAX]
            payload = {"processStatusQueries": [{"processStatusId": rid} for rid in chunk]}
            response = self._call("POST", "/shared/process-status", "process_status", payload)
            for status in self._json(response).get("processStatuses") or []:
                remote_id = str(status.get("processStatusId") or "")
                state = VERDICTS.get(status.get("status"))
                if remote_id in tracking and state:
                    reason = status.get("errorMessage") or status.get("description") or ""
                    verdicts[remote_id] = Verdict(
                        state, reason=reason if state == FAILURE else "", body=json.dumps(status)
                    )
        return verdicts

    def read_quantities(self, skus, refs=None):
        """The amount each offer holds (``GET /retailer/offers/{offer-id}``)."""
        refs = refs or {}
        quantities = {}
        for sku in dict.fromkeys(skus):
            offer_id = (refs.get(sku) or ("", ""))[0]
            if not offer_id:
                continue
            offer = self._json(self._call("GET", f"/retailer/offers/{quote(offer_id)}", "offer"))
            amount = (offer.get("stock") or {}).get("amount")
            if isinstance(amount, int):
                quantities[sku] = amount
        return quantities

    def list_catalog(self):
        """The offers export (CSV), asked for and waited for: every offer, its SKU the
        reference, else the EAN; those fulfilled by bol (FBB) are marked so: their stock
        is bol's, never pushed."""
        status = self._json(
            self._call("POST", "/retailer/offers/export", "export", {"format": "CSV"})
        )
        report_id = self._wait_for(str(status.get("processStatusId") or ""))
        response = self._call(
            "GET", f"/retailer/offers/export/{quote(report_id)}", "offer", accept=CSV_MEDIA
        )
        for row in csv.DictReader(io.StringIO(response.text)):
            ean = (row.get("ean") or "").strip()
            yield CatalogEntry(
                sku=(row.get("referenceCode") or "").strip() or ean,
                external_id=(row.get("offerId") or "").strip(),
                barcode=ean,
                fulfilled_by_channel=(row.get("fulfilmentType") or "").upper() == "FBB",
                quantity=int(row["stockAmount"])
                if (row.get("stockAmount") or "").isdigit()
                else None,
            )

    def _wait_for(self, process_status_id):
        """The entity id of a process once it succeeded (the export's report id)."""
        deadline = time.monotonic() + EXPORT_WAIT_SECONDS
        while time.monotonic() < deadline:
            response = self._call(
                "GET", f"/shared/process-status/{quote(process_status_id)}", "process_status"
            )
            status = self._json(response)
            if status.get("status") == "SUCCESS":
                return str(status.get("entityId") or "")
            if status.get("status") in ("FAILURE", "TIMEOUT"):
                why = status.get("errorMessage") or status.get("status")
                raise PermanentError(f"{self.code}: the offers export failed: {why}")
            time.sleep(EXPORT_POLL_SECONDS)
        raise RetryableError(
            f"{self.code}: the offers export is not ready yet: try again in a minute"
        )

    # -- orders -----------------------------------------------------------------

    def poll_orders(self, cursor):
        """The orders bol changed since the cursor less the overlap, every page, each
        read in detail: (messages, this poll's time). bol filters on the last minutes
        (60 at most); a longer gap reads the days since."""
        started = datetime.now(UTC)
        params = {"status": "ALL", "fulfilment-method": "FBR"}
        since = (
            datetime.strptime(cursor[:19], TIME_FORMAT[:-1]).replace(tzinfo=UTC)
            if cursor
            else started - timedelta(days=1)
        ) - timedelta(minutes=self.poll_overlap_minutes)
        minutes = math.ceil((started - since).total_seconds() / 60)
        if minutes <= MAX_CHANGE_INTERVAL:
            params["change-interval-minute"] = max(minutes, 1)
        else:
            params["latest-change-date"] = since.strftime("%Y-%m-%d")
        messages = []
        for order_id in self._changed_order_ids(params):
            order = self._json(self._call("GET", f"/retailer/orders/{quote(order_id)}", "order"))
            kind = orders.order_kind(order)
            messages.append(
                PolledMessage(
                    kind=kind,
                    body=json.dumps(order).encode(),
                    delivery_id=orders.delivery_id(order, kind),
                    external_id=order_id,
                )
            )
        return messages, started.strftime(TIME_FORMAT)

    def probe(self):
        """A token, then the first page of the orders (``GET /retailer/orders``)."""
        try:
            self._fetch_token()
        except PermanentError as error:
            if error.status in TOKEN_REFUSED:
                raise check.CredentialsRefused(self.refused_hint) from None
            raise
        rows = self._json(self._call("GET", "/retailer/orders", "orders", params={"page": 1}))
        return f"{len(rows.get('orders') or [])} order(s) on the first page"

    def _changed_order_ids(self, params):
        page, seen = 1, []
        while True:
            response = self._call(
                "GET", "/retailer/orders", "orders", params={**params, "page": page}
            )
            rows = self._json(response).get("orders") or []
            for row in rows:
                order_id = str(row.get("orderId") or "")
                if order_id and order_id not in seen:
                    seen.append(order_id)
            if len(rows) < PAGE_SIZE:
                return seen
            page += 1

    # -- push notifications -----------------------------------------------------

    @classmethod
    def verify_webhook(cls, secret, headers, raw_body, now=None):
        """``secret``: bol's signature keys, as ``signature_keys`` read them."""
        return events.verify(secret, headers, raw_body)

    @classmethod
    def webhook_kind(cls, route_kind, headers, body=b""):
        kind, topic, delivery_id = events.event_kind(body)
        reason = f"notification {topic!r} is not handled" if kind != KIND_VERDICT else ""
        return Delivery(kind=kind, topic=topic, delivery_id=delivery_id, ignored_reason=reason)

    @classmethod
    def parse_verdict(cls, raw):
        return events.parse_verdict(raw)

    def signature_keys(self):
        """bol's public keys of its push notifications, as JSON {key id: base64 DER}."""
        response = self._call("GET", "/retailer/subscriptions/signature-keys", "offer")
        keys = self._json(response).get("signatureKeys") or []
        return json.dumps(
            {str(key.get("id")): key.get("publicKey") for key in keys if isinstance(key, dict)},
            sort_keys=True,
        )

    def push_order_status(self, external_order_id, body, sequence=None):
        """Shipments of what left (with the transporter code and track and trace), or
        the cancellation of what is still open, from the order as bol holds it: nothing
        bol already has is sent again. bol answers each with a process status. A
        customer-service refund of a line's open units cancels them
        (core.connectors.bol_service)."""
        order_id = str(external_order_id)
        order = self._json(self._call("GET", f"/retailer/orders/{quote(order_id)}", "order"))
        shipments, cancels = orders.plan(order, body)
        refused = {}  # refunds bol.com cannot take: raised once the rest is sent
        if body.get("status") != CANCELLED:  # an order cancelled whole covers its refunds
            cancels = service.refund_cancels(order, body, refused)
        sent = []
        for shipment in shipments:
            self._call("POST", "/retailer/shipments", "shipment", shipment)
            sent.append(shipment)
        for item_id, reason in cancels:
            payload = {"orderItems": [{"orderItemId": item_id, "reasonCode": reason}]}
            self._call("PUT", "/retailer/orders/cancellation", "cancellation", payload)
            sent.append(payload)
        if refused:
            raise refusal(refused)
        return PushResult(
            status=202 if sent else 200,
            body=json.dumps(sent),
            request_body=json.dumps(sent),
            idempotency_key=f"{self.config.code}:{order_id}:{sequence}",
            accepted_at=utc_now(),
        )
