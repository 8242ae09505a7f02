"""A bol.com account's orders, for the simulator: placed (``add_order``), changed by the
customer or bol (``update_order``), listed as bol lists them (``GET /retailer/orders``:
pages of 50, newest first, ``{}`` past the end, filtered by status, fulfilment method
and the last change), read in detail, shipped (``POST /retailer/shipments``) and
cancelled (``PUT /retailer/orders/cancellation``, one item a call) through process
statuses."""

from datetime import UTC, datetime, timedelta

from .common import Reply

MEDIA = "application/vnd.retailer.v10+json"
PAGE_SIZE = 50
MAX_SHIPMENT_ITEMS = 100
REASON_CODES = frozenset(
    {
        "OUT_OF_STOCK",
        "REQUESTED_BY_CUSTOMER",
        "BAD_CONDITION",
        "HIGHER_SHIPCOST",
        "INCORRECT_PRICE",
        "NOT_AVAIL_IN_TIME",
        "NO_BOL_GUARANTEE",
        "ORDERED_TWICE",
        "RETAIN_ITEM",
        "TECH_ISSUE",
        "UNFINDABLE_ITEM",
        "OTHER",
    }
)


def problem(status, title, detail="", **extra):
    """bol's error object (Problem), in its media type."""
    payload = {"type": "https://api.bol.com/problems", "title": title, "status": status}
    if detail:
        payload["detail"] = detail
    payload.update(extra)
    return Reply(status, payload, {"Content-Type": MEDIA})


def bol_time(when=None):
    """bol's time: ISO 8601 with the offset (here UTC's)."""
    return (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def _parse(value):
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _open(item):
    return item["quantity"] - item["quantityShipped"] - item["quantityCancelled"]


class BolOrders:
    """Mixed into the bol marketplace (its lock, accounts, jobs and limits)."""

    def _reset_orders(self):
        self.orders = {}  # (account, order id) -> order detail
        self.shipments = []  # (account, shipment request)
        self.cancellations = []  # (account, cancellation request)

    # -- for tests and demos ----------------------------------------------------------

    def add_order(self, account, order_id, items, customer=None, placed=None):
        """An order of ``items`` [(order item id, offer id, quantity, unit price)] for
        the offers of the account; ``customer``: shipmentDetails fields over a default
        Dutch address. Returns the order's detail."""
        with self.lock:
            now = bol_time()
            details = {
                "salutation": "FEMALE",
                "firstName": "Billie",
                "surname": "Jansen",
                "streetName": "Dorpstraat",
                "houseNumber": "1",
                "houseNumberExtension": "B",
                "zipCode": "1111ZZ",
                "city": "Utrecht",
                "countryCode": "NL",
                "email": "2a7c9b@verkopen.test.bol.com",
                "language": "nl",
                **(customer or {}),
            }
            order = {
                "orderId": str(order_id),
                "pickupPoint": False,
                "orderPlacedDateTime": placed or now,
                "shipmentDetails": details,
                "orderItems": [self._item(account, *item, now) for item in items],
            }
            self.orders[(account, str(order_id))] = order
            return order

    def _item(self, account, item_id, offer_id, quantity, unit_price, now):
        offer = self.offers[(account, offer_id)]
        return {
            "orderItemId": str(item_id),
            "cancellationRequest": False,
            "fulfilment": {
                "method": "FBR",
                "distributionParty": "RETAILER",
                "latestDeliveryDate": "2026-11-27",
                "timeFrameType": "REGULAR",
            },
            "offer": {"offerId": offer_id, "reference": offer["reference"]},
            "product": {"ean": offer["ean"], "title": f"Product {offer['ean']}"},
            "quantity": quantity,
            "quantityShipped": 0,
            "quantityCancelled": 0,
            "unitPrice": unit_price,
            "totalPrice": round(unit_price * quantity, 2),
            "discounts": [],
            "commission": round(unit_price * quantity * 0.15, 2),
            "latestChangedDateTime": now,
        }

    def update_order(self, account, order_id, cancellation_request=None, cancel=False):
        """The customer asks to cancel (``cancellation_request``), or bol cancels what is
        open (``cancel``): the items' latest change moves."""
        with self.lock:
            order = self.orders[(account, str(order_id))]
            for item in order["orderItems"]:
                if cancellation_request is not None:
                    item["cancellationRequest"] = cancellation_request
                if cancel:
                    item["quantityCancelled"] += _open(item)
                item["latestChangedDateTime"] = bol_time()
            return order

    def order_detail(self, account, order_id):
        with self.lock:
            self._settle()
            return self.orders.get((account, str(order_id)))

    # -- HTTP ---------------------------------------------------------------------------

    def _orders_api(self, account, method, rest, params, data):
        if rest == ["shipments"] and method == "POST":
            return self._ship(account, data)
        if rest == ["orders", "cancellation"] and method == "PUT":
            return self._cancel(account, data)
        if rest == ["orders"] and method == "GET":
            settings = self.account(account)
            limited = self._limited(
                account, "orders", settings.orders_limit, settings.orders_window
            )
            return limited or self._list(account, params)
        if len(rest) == 2 and rest[0] == "orders" and method == "GET":
            order = self.orders.get((account, rest[1]))
            if not order:
                return problem(404, "Not Found", f"Order {rest[1]} not found.")
            return Reply(200, order, {"Content-Type": MEDIA})
        return problem(404, "Not Found", "No route matches the request.")

    def _list(self, account, params):
        def first(name, default=""):
            return (params.get(name) or [default])[0]

        try:
            page = int(first("page", "1"))
            interval = int(first("change-interval-minute", "0"))
        except ValueError:
            return problem(400, "Error validating request.", "page and change-interval-minute")
        if page < 1 or interval > 60:
            return problem(400, "Error validating request.", "page >= 1, change-interval <= 60")
        status, method = first("status", "OPEN"), first("fulfilment-method", "FBR")
        since = None
        if interval:
            since = datetime.now(UTC) - timedelta(minutes=interval)
        elif first("latest-change-date"):
            since = datetime.fromisoformat(first("latest-change-date")).replace(tzinfo=UTC)
        rows = []
        for (owner, _id), order in sorted(
            self.orders.items(), key=lambda entry: entry[1]["orderPlacedDateTime"], reverse=True
        ):
            items = [
                item
                for item in order["orderItems"]
                if owner == account and method in ("ALL", item["fulfilment"]["method"])
            ]
            if status == "OPEN":
                items = [item for item in items if _open(item) > 0]
            elif status == "SHIPPED":
                items = [item for item in items if item["quantityShipped"]]
            if since:
                items = [i for i in items if _parse(i["latestChangedDateTime"]) >= since]
            if items:
                rows.append(
                    {
                        "orderId": order["orderId"],
                        "orderPlacedDateTime": order["orderPlacedDateTime"],
                        "orderItems": [self._reduced(item) for item in items],
                    }
                )
        chunk = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return Reply(200, {"orders": chunk} if chunk else {}, {"Content-Type": MEDIA})

    @staticmethod
    def _reduced(item):
        return {
            "orderItemId": item["orderItemId"],
            "ean": item["product"]["ean"],
            "fulfilmentMethod": item["fulfilment"]["method"],
            "fulfilmentStatus": "OPEN" if _open(item) > 0 else "HANDLED",
            "quantity": item["quantity"],
            "quantityShipped": item["quantityShipped"],
            "quantityCancelled": item["quantityCancelled"],
            "cancellationRequest": item["cancellationRequest"],
            "latestChangedDateTime": item["latestChangedDateTime"],
        }

    def _order_item(self, account, item_id):
        for (owner, _id), order in self.orders.items():
            for item in order["orderItems"] if owner == account else ():
                if item["orderItemId"] == str(item_id):
                    return item
        return None

    def _ship(self, account, data):
        lines = data.get("orderItems") if isinstance(data, dict) else None
        transport = (data or {}).get("transport") if isinstance(data, dict) else None
        if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_SHIPMENT_ITEMS:
            return problem(400, "Error validating request.", "1 to 100 orderItems")
        if transport is not None and not (transport or {}).get("transporterCode"):
            return problem(400, "Error validating request.", "transport.transporterCode")
        moves = []
        for line in lines:
            item = self._order_item(account, (line or {}).get("orderItemId"))
            quantity = (line or {}).get("quantity")
            quantity = _open(item) if item and quantity is None else quantity
            if not item or not isinstance(quantity, int) or not 0 < quantity <= _open(item):
                return problem(400, "Error validating request.", f"order item {line}")
            moves.append((item, quantity))
        self.shipments.append((account, data))

        def apply(_job):
            for item, quantity in moves:
                item["quantityShipped"] += quantity
                item["latestChangedDateTime"] = bol_time()

        return self._start(account, "CREATE_SHIPMENT", moves[0][0]["orderItemId"], apply)

    def _cancel(self, account, data):
        lines = data.get("orderItems") if isinstance(data, dict) else None
        if not isinstance(lines, list) or len(lines) != 1:
            return problem(400, "Error validating request.", "exactly one orderItems entry")
        item = self._order_item(account, (lines[0] or {}).get("orderItemId"))
        if not item or (lines[0] or {}).get("reasonCode") not in REASON_CODES:
            return problem(400, "Error validating request.", "orderItemId and reasonCode")
        self.cancellations.append((account, data))

        def apply(_job):
            item["quantityCancelled"] += _open(item)
            item["latestChangedDateTime"] = bol_time()

        return self._start(account, "CANCEL_ORDER", item["orderItemId"], apply)
