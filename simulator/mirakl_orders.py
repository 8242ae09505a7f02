"""A Mirakl shop's orders, for the simulator: placed (``add_order``), changed on the
marketplace (``update_order``: a customer's cancellation...), listed by OR11
``GET /api/orders`` (``order_ids``, ``order_state_codes``, ``start_update_date`` /
``end_update_date``, ``start_date`` / ``end_date``, offset pages sorted by creation), and
changed by the shop: OR21 ``PUT /api/orders/{id}/accept`` (a decision for every line
waiting for one), OR23 ``.../tracking``, OR24 ``.../ship`` (the whole order), OR29
``.../cancel``; OR30 and OR28 (lines cancelled or refunded): simulator.mirakl_service.
What the shop sent is kept (``order``) for tests.

The customer's addresses are hidden while the order waits for acceptance
(``hide_address_until_accepted``); an accepted order waits ``debit_delay`` seconds in
WAITING_DEBIT_PAYMENT for the customer's debit (0: SHIPPING at once)."""

import copy
import json
import time
from datetime import UTC, datetime, timedelta

from .common import Reply

STAGING = "STAGING"
WAITING_ACCEPTANCE = "WAITING_ACCEPTANCE"
WAITING_DEBIT = "WAITING_DEBIT"
WAITING_DEBIT_PAYMENT = "WAITING_DEBIT_PAYMENT"
SHIPPING = "SHIPPING"
SHIPPED = "SHIPPED"
REFUSED = "REFUSED"
CANCELED = "CANCELED"
HIDDEN_ADDRESS_STATES = frozenset({STAGING, WAITING_ACCEPTANCE})
CANCELLABLE_STATES = frozenset({WAITING_DEBIT, WAITING_DEBIT_PAYMENT, SHIPPING})
FINAL_LINE_STATES = frozenset({REFUSED, CANCELED})
DEFAULT_PAGE_SIZE = 10
MAX_ORDER_IDS = 100
ACTIONS = ("accept", "tracking", "ship", "cancel")
# OR21's error codes (Mirakl's documented ones)
ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
ORDER_INVALID_STATE = "ORDER_INVALID_STATE"
LINE_NOT_FOUND = "ORDER_LINE_NOT_FOUND"
LINE_DUPLICATE_ID = "ORDER_LINE_DUPLICATE_ID"
LINE_NULL_ELEMENT = "ORDER_LINE_NULL_ELEMENT"
DECISION_MISSING = "ORDER_LINE_ACCEPTANCE_DECISION_MISSING"
PARTIAL_DISABLED = "ORDER_PARTIAL_ACCEPTANCE_DISABLED"
VALIDATION_ERROR = "VALIDATION_ERROR"


def mirakl_error(status, message, code=None):
    """An error answer (Mirakl documents no envelope: ``{"status", "message"}``)."""
    payload = {"status": status, "message": message}
    if code:
        payload["code"] = code
    return Reply(status, payload)


def no_content():
    """204. The simulator's server writes a JSON body anyway: the connection is closed
    after the answer, so that no client reads that body as its next answer."""
    return Reply(204, None)


MAX_PAGE_SIZE = 100  # OR11 and OF21 answer at most 100 a page


def page_params(params, max_size):
    """(the slice of the page asked (None: every row, ``paginate=false``), problem)."""
    if (params.get("paginate") or ["true"])[0].lower() == "false":
        return None, None
    try:
        size = int((params.get("max") or [DEFAULT_PAGE_SIZE])[0])
        offset = int((params.get("offset") or [0])[0])
    except ValueError:
        return None, "max and offset must be integers"
    if not 1 <= size <= MAX_PAGE_SIZE or offset < 0:
        return None, f"max must be between 1 and {MAX_PAGE_SIZE}, offset >= 0"
    # an operator may serve smaller pages than asked (``max_page_size``)
    return slice(offset, offset + min(size, max_size)), None


def mirakl_time(when):
    """Mirakl's time: ISO 8601 UTC with milliseconds and ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_time(text):
    """An aware datetime of an ISO 8601 text (no offset: UTC); None when unreadable."""
    try:
        when = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


ADDRESS = {
    "firstname": "Ann",
    "lastname": "Buyer",
    "company": None,
    "street_1": "1 rue de la Paix",
    "street_2": None,
    "zip_code": "75002",
    "city": "Paris",
    "state": None,
    "country": "France",
    "country_iso_code": "FRA",
    "phone": "+33 1 00 00 00 00",
}
# what a new order has unless its placer says otherwise (amounts come from its lines)
ORDER_DEFAULTS = {
    "currency_iso_code": "EUR",
    "total_commission": 0.0,
    "order_tax_mode": "TAX_INCLUDED",
    "payment_workflow": "PAY_ON_ACCEPTANCE",
    "acceptance_decision_date": None,
    "customer_debited_date": None,
    "leadtime_to_ship": 3,
    "shipping_type_code": "STD",
    "shipping_zone_code": "FR",
    "has_incident": False,
    "shipping_carrier_code": None,
    "shipping_company": None,
    "shipping_tracking": None,
    "shipping_tracking_url": None,
    "order_state_reason_code": None,
    "order_state_reason_label": None,
}


def default_customer():
    return {
        "customer_id": "C-1",
        "firstname": "Ann",
        "lastname": "Buyer",
        "civility": None,
        "locale": "fr_FR",
        "billing_address": dict(ADDRESS),
        "shipping_address": {**ADDRESS, "additional_info": ""},
    }


def _split(params, name):
    return [v for value in params.get(name, []) for v in value.split(",") if v]


class MiraklOrders:
    """The orders part of the Mirakl marketplace (mixed into ``Mirakl``)."""

    def _reset_orders(self):
        self.orders = {}  # account -> {order id: record}
        self._order_seq = 0
        self._last_time = None

    def _tick(self):
        """Now, as Mirakl writes it, after every time given before (changes are ordered)."""
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last_time and now <= self._last_time:
            now = self._last_time + timedelta(milliseconds=1)
        self._last_time = now
        return mirakl_time(now)

    # -- for tests and demos --------------------------------------------------------

    def add_order(self, account, order=None, **fields):
        """Place an order: a Mirakl order (OR11's shape; what it lacks is filled in)
        and/or its fields; ``lines`` [{"sku", "quantity", "price_unit",
        "shipping_price"}] stands for ``order_lines``. WAITING_ACCEPTANCE unless
        ``order_state`` says otherwise. Returns the order as kept (addresses shown)."""
        with self.lock:
            data = copy.deepcopy({**(order or {}), **fields})
            lines = data.pop("lines", None)
            self._order_seq += 1
            order_id = str(data.setdefault("order_id", f"ORDER-{self._order_seq:05d}-A"))
            state = data.setdefault("order_state", WAITING_ACCEPTANCE)
            now = self._tick()
            data.setdefault("created_date", now)
            data["last_updated_date"] = data.get("last_updated_date") or now
            data["order_lines"] = [
                self._new_line(account, data, index, line)
                for index, line in enumerate(lines or data.get("order_lines") or [], start=1)
            ]
            lines = data["order_lines"]
            computed = {
                "commercial_id": order_id.rsplit("-", 1)[0],
                "customer": default_customer(),
                "customer_notification_email": f"{order_id.lower()}@notification.mirakl.net",
                "price": round(sum(line["price"] for line in lines), 2),
                "shipping_price": round(sum(line["shipping_price"] for line in lines), 2),
                "total_price": round(sum(line["total_price"] for line in lines), 2),
                "can_cancel": state in CANCELLABLE_STATES,
                "can_shop_ship": state == SHIPPING,
            }
            for name, value in {**ORDER_DEFAULTS, **computed}.items():
                data.setdefault(name, copy.deepcopy(value))
            self.orders.setdefault(account, {})[order_id] = {
                "order": data,
                "calls": [],
                "acceptance": None,
                "tracking": [],
                "shipped": False,
                "cancelled": False,
                "debit_at": None,
            }
            return copy.deepcopy(data)

    def _new_line(self, account, order, index, line):
        line = dict(line)
        sku = line.pop("sku", None)
        if sku is not None:
            line.setdefault("offer_sku", sku)
        quantity = line.setdefault("quantity", 1)
        price_unit = line.setdefault("price_unit", 10.0)
        offer = self._offer_by_sku(account, line.get("offer_sku"))
        line.setdefault("order_line_id", f"{order['order_id']}-{index}")
        line.setdefault("order_line_index", index)
        line.setdefault("order_line_state", order["order_state"])
        line.setdefault("offer_id", offer["offer_id"] if offer else None)
        line.setdefault("product_sku", offer["product_sku"] if offer else None)
        line.setdefault("price", round(price_unit * quantity, 2))
        line.setdefault("shipping_price", 0.0)
        line.setdefault("total_price", round(line["price"] + line["shipping_price"], 2))
        for name in ("cancelations", "refunds", "taxes", "shipping_taxes"):
            line.setdefault(name, [])
        line.setdefault("shipped_date", None)
        line.setdefault("created_date", order["created_date"])
        line.setdefault("last_updated_date", order["last_updated_date"])
        return line

    def update_order(self, account, order_id, **values):
        """Change an order on the marketplace (its last update moves): ``order_state``
        CANCELED (a customer's cancellation) cancels its open lines too."""
        with self.lock:
            order = self.orders[account][order_id]["order"]
            state = values.pop("order_state", None)
            order.update(copy.deepcopy(values))
            if state == CANCELED:
                reason = values.get("order_state_reason_code") or "CUSTOMER"
                order["order_state_reason_code"] = reason
                order["order_state_reason_label"] = values.get("order_state_reason_label") or (
                    "Cancelled by the customer"
                )
                self._cancel(order, reason)
            elif state:
                self._set_state(order, state)
            order["last_updated_date"] = values.get("last_updated_date") or self._tick()
            return copy.deepcopy(order)

    def order(self, account, order_id):
        """What the shop did to an order: {"order" (as kept, addresses shown),
        "calls" (OR21/23/24/29 received, in order: accept, tracking, ship, cancel),
        "acceptance" ({line id: accepted}), "tracking" (OR23 bodies), "shipped",
        "cancelled"}; None when unknown."""
        with self.lock:
            self._settle_orders(account)
            record = self.orders.get(account, {}).get(order_id)
            return copy.deepcopy(record) if record else None

    # -- states ------------------------------------------------------------------------

    @staticmethod
    def _set_state(order, state, lines_from=None):
        order["order_state"] = state
        for line in order["order_lines"]:
            if line["order_line_state"] not in FINAL_LINE_STATES and (
                lines_from is None or line["order_line_state"] in lines_from
            ):
                line["order_line_state"] = state
        order["can_cancel"] = state in CANCELLABLE_STATES
        order["can_shop_ship"] = state == SHIPPING

    def _cancel(self, order, reason_code):
        now = self._tick()
        for line in order["order_lines"]:
            if line["order_line_state"] in FINAL_LINE_STATES:
                continue
            line["cancelations"].append(
                {
                    "id": f"{line['order_line_id']}-C",
                    "quantity": line["quantity"],
                    "amount": line["price"],
                    "shipping_amount": line["shipping_price"],
                    "reason_code": reason_code,
                    "created_date": now,
                }
            )
        self._set_state(order, CANCELED)

    def _settle_orders(self, account):
        """Accepted orders whose customer is debited by now go SHIPPING."""
        now = time.monotonic()
        for record in self.orders.get(account, {}).values():
            order = record["order"]
            if order["order_state"] == WAITING_DEBIT_PAYMENT and (record["debit_at"] or 0) <= now:
                self._set_state(order, SHIPPING, {WAITING_DEBIT_PAYMENT})
                order["customer_debited_date"] = order["last_updated_date"] = self._tick()

    # -- HTTP ----------------------------------------------------------------------------

    def _orders_route(self, account, settings, method, rest, params, body):
        self._settle_orders(account)
        if not rest:
            if method != "GET":
                return mirakl_error(405, "Method not allowed")
            return self._list_orders(account, settings, params)
        if len(rest) == 1 and rest[0] in ("cancel", "refund") and method == "PUT":
            try:  # OR30, OR28: simulator.mirakl_service
                return self._or_lines(account, rest[0], json.loads(body or b"null"))
            except ValueError:
                return mirakl_error(400, "Invalid JSON", VALIDATION_ERROR)
        if len(rest) != 2 or rest[1] not in ACTIONS or method != "PUT":
            return mirakl_error(404, "Not found")
        record = self.orders.get(account, {}).get(rest[0])
        if record is None:
            return mirakl_error(404, f"Order {rest[0]} not found", ORDER_NOT_FOUND)
        data = None
        if rest[1] in ("accept", "tracking"):
            try:
                data = json.loads(body or b"null")
            except ValueError:
                return mirakl_error(400, "Invalid JSON", VALIDATION_ERROR)
        record["calls"].append(rest[1])
        handler = getattr(self, f"_or_{rest[1]}")
        reply = handler(settings, record, data)
        if reply.status < 300:
            record["order"]["last_updated_date"] = self._tick()
        else:
            record["calls"].pop()
        return reply

    def _list_orders(self, account, settings, params):
        ids = _split(params, "order_ids")
        if len(ids) > MAX_ORDER_IDS:
            return mirakl_error(400, f"The limit of {MAX_ORDER_IDS} is exceeded for order_ids")
        bounds = {}
        for name in ("start_update_date", "end_update_date", "start_date", "end_date"):
            value = (params.get(name) or [""])[0]
            bounds[name] = parse_time(value) if value else None
            if value and bounds[name] is None:
                return mirakl_error(400, f"{name} must be an ISO 8601 date-time")
        page, problem = page_params(params, settings.max_page_size)
        if problem:
            return mirakl_error(400, problem)
        states = set(_split(params, "order_state_codes"))
        rows = [
            record["order"]
            for record in self.orders.get(account, {}).values()
            if (not ids or record["order"]["order_id"] in ids)
            and (not states or record["order"]["order_state"] in states)
            and _within(record["order"], bounds)
        ]
        rows.sort(
            key=lambda order: (parse_time(order["created_date"]), order["order_id"]),
            reverse=(params.get("order") or ["asc"])[0] == "desc",
        )
        chunk = rows[page] if page else rows
        shown = [self._public_order(order, settings) for order in chunk]
        return Reply(200, {"orders": shown, "total_count": len(rows)})

    @staticmethod
    def _public_order(order, settings):
        shown = copy.deepcopy(order)
        if settings.hide_address_until_accepted and order["order_state"] in HIDDEN_ADDRESS_STATES:
            customer = shown.get("customer") or {}
            customer["billing_address"] = customer["shipping_address"] = None
        return shown

    def _or_accept(self, settings, record, data):
        order = record["order"]
        if order["order_state"] != WAITING_ACCEPTANCE:
            return mirakl_error(400, f"The order is {order['order_state']}", ORDER_INVALID_STATE)
        decisions, problem = _decisions(order, data)
        if problem:
            return mirakl_error(400, problem[1], problem[0])
        if not settings.partial_acceptance and len(set(decisions.values())) > 1:
            return mirakl_error(400, "Partial acceptance is disabled", PARTIAL_DISABLED)
        record["acceptance"] = decisions
        accepted = WAITING_DEBIT_PAYMENT if settings.debit_delay > 0 else SHIPPING
        for line in order["order_lines"]:
            if line["order_line_id"] in decisions:
                line["order_line_state"] = accepted if decisions[line["order_line_id"]] else REFUSED
        order["acceptance_decision_date"] = self._tick()
        if any(decisions.values()):
            self._set_state(order, accepted)
            record["debit_at"] = time.monotonic() + settings.debit_delay
            if accepted == SHIPPING:
                order["customer_debited_date"] = order["acceptance_decision_date"]
        else:
            self._set_state(order, REFUSED)
        return no_content()

    @staticmethod
    def _or_tracking(settings, record, data):
        order = record["order"]
        if order["order_state"] != SHIPPING:
            return mirakl_error(400, f"The order is {order['order_state']}", ORDER_INVALID_STATE)
        if not isinstance(data, dict) or not (data.get("carrier_code") or data.get("carrier_name")):
            return mirakl_error(400, "carrier_code or carrier_name is required", VALIDATION_ERROR)
        record["tracking"].append(dict(data))
        order["shipping_carrier_code"] = data.get("carrier_code") or None
        order["shipping_company"] = data.get("carrier_name") or None
        order["shipping_tracking"] = data.get("tracking_number") or None
        order["shipping_tracking_url"] = data.get("carrier_url") or None
        return no_content()

    def _or_ship(self, settings, record, data):
        order = record["order"]
        if order["order_state"] != SHIPPING:
            return mirakl_error(400, f"The order is {order['order_state']}", ORDER_INVALID_STATE)
        now = self._tick()
        for line in order["order_lines"]:
            if line["order_line_state"] == SHIPPING:
                line["shipped_date"] = now
        self._set_state(order, SHIPPED, {SHIPPING})
        record["shipped"] = True
        return no_content()

    def _or_cancel(self, settings, record, data):
        order = record["order"]
        if order["order_state"] not in CANCELLABLE_STATES or not order.get("can_cancel"):
            return mirakl_error(400, f"The order is {order['order_state']}", ORDER_INVALID_STATE)
        order["order_state_reason_code"] = "SHOP_CANCELATION"
        order["order_state_reason_label"] = "Cancelled by the shop"
        self._cancel(order, "SHOP_CANCELATION")
        record["cancelled"] = True
        return no_content()


def _within(order, bounds):
    updated, created = parse_time(order["last_updated_date"]), parse_time(order["created_date"])
    checks = (
        (bounds["start_update_date"], updated, False),
        (bounds["end_update_date"], updated, True),
        (bounds["start_date"], created, False),
        (bounds["end_date"], created, True),
    )
    return all(
        bound is None or (when <= bound if upper else when >= bound)
        for bound, when, upper in checks
    )


def _decisions(order, data):
    """({line id: accepted}, None) of an OR21 body, or (None, (code, message))."""
    rows = data.get("order_lines") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        return None, (VALIDATION_ERROR, "order_lines is required")
    lines = {line["order_line_id"]: line for line in order["order_lines"]}
    decisions = {}
    for row in rows:
        if not isinstance(row, dict) or row.get("id") is None:
            return None, (LINE_NULL_ELEMENT, "An order line is null")
        if not isinstance(row.get("accepted"), bool):
            return None, (VALIDATION_ERROR, "accepted must be true or false")
        if row["id"] not in lines:
            return None, (LINE_NOT_FOUND, f"Order line {row['id']} not found")
        if row["id"] in decisions:
            return None, (LINE_DUPLICATE_ID, f"Order line {row['id']} is given twice")
        decisions[row["id"]] = row["accepted"]
    waiting = {i for i, line in lines.items() if line["order_line_state"] == WAITING_ACCEPTANCE}
    if waiting - set(decisions):
        return None, (DECISION_MISSING, "Some order lines are missing from the decision")
    return decisions, None
