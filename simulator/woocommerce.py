"""A WooCommerce shop's REST API v3 (``/woocommerce/<shop>/wp-json/wc/v3/...``) behind
consumer key/secret (HTTP Basic), as WooCommerce documents it:

* products and variations: ``GET`` (paged, ``include=``, ``sku=``), ``PUT`` one,
  ``POST .../batch`` (at most 100 objects, 413 above; errors per item);
* orders: ``GET /orders`` (``modified_after``, paged), ``GET``/``PUT /orders/<id>``,
  ``GET``/``POST /orders/<id>/notes``, ``GET``/``POST /orders/<id>/refunds`` and the
  shipping address (simulator.woocommerce_service); the Shipment Tracking extension's
  ``/wp-json/wc-shipment-tracking/v3/orders/<id>/shipment-trackings``;
* webhook deliveries *to* Odoo (``deliver``): signed ``X-WC-Webhook-Signature``, with
  delivery ids, duplicates and the unsigned creation ping on demand.
"""

import base64
import hashlib
import hmac
import json
import math
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

from .common import METHOD_NOT_ALLOWED, NOT_FOUND, Marketplace, Reply, error, is_int, now_iso
from .woocommerce_service import WooCommerceService

API = ["wp-json", "wc", "v3"]
TRACKING_API = ["wp-json", "wc-shipment-tracking", "v3"]
MAX_BATCH = 100
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
WEBHOOK_TIMEOUT = 10


@dataclass
class WooSettings:
    """One shop: its REST keys, the secret its webhooks sign with, and whether the
    Shipment Tracking extension is installed."""

    consumer_key: str = "ck_simulator"
    consumer_secret: str = "cs_simulator"
    webhook_secret: str = "wh_simulator"
    batch_limit: int = MAX_BATCH
    tracking_extension: bool = False
    # the shop's payment gateway refunds through the API (a refund with api_refund true)
    gateway_refunds: bool = False
    # answer the next batch updates of these product/variation ids with an item error
    refuse_ids: list = field(default_factory=list)


def woo_time(when=None):
    """WooCommerce's GMT date format (no offset)."""
    return (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S")


class WooCommerce(WooCommerceService, Marketplace):
    name = "woocommerce"
    prefix = "/woocommerce/"
    config_key = "woocommerce"
    settings_class = WooSettings

    def _reset(self):
        self.products = {}  # shop -> {id: product}
        self.variations = {}  # shop -> {(parent id, id): variation}
        self.orders = {}  # shop -> {id: order}
        self.notes = {}  # (shop, order id) -> [note]
        self.refunds = {}  # (shop, order id) -> [refund], oldest first
        self.trackings = {}  # (shop, order id) -> [tracking]
        self.deliveries = []  # what was delivered to Odoo: (topic, delivery id, status)
        self._next_ids = {}

    @staticmethod
    def _woo_time():
        return woo_time()

    def stock(self):
        with self.lock:
            levels = {}
            for shop, products in self.products.items():
                for product in products.values():
                    if product["type"] == "simple":
                        levels.setdefault(shop, {})[product["sku"]] = product["stock_quantity"]
            for (shop, _pid, _vid), variation in self._all_variations():
                levels.setdefault(shop, {})[variation["sku"]] = variation["stock_quantity"]
            return {"woocommerce": levels}

    def _all_variations(self):
        for shop, variations in self.variations.items():
            for (pid, vid), variation in variations.items():
                yield (shop, pid, vid), variation

    def next_id(self, shop):
        with self.lock:
            self._next_ids[shop] = self._next_ids.get(shop, 100) + 1
            return self._next_ids[shop]

    # -- catalogue (for tests and demos) ------------------------------------------

    def add_product(self, shop, sku, quantity=0, variations=()):
        """A simple product, or a variable one with ``variations`` [(sku, quantity)];
        returns its id (and the variations' ids as (id, [ids]))."""
        with self.lock:
            product_id = self.next_id(shop)
            kind = "variable" if variations else "simple"
            product = {
                "id": product_id,
                "sku": sku,
                "type": kind,
                "manage_stock": not variations,
                "stock_quantity": None if variations else quantity,
                "variations": [],
            }
            self.products.setdefault(shop, {})[product_id] = product
            for variation_sku, variation_quantity in variations:
                variation_id = self.next_id(shop)
                product["variations"].append(variation_id)
                self.variations.setdefault(shop, {})[(product_id, variation_id)] = {
                    "id": variation_id,
                    "sku": variation_sku,
                    "manage_stock": True,
                    "stock_quantity": variation_quantity,
                    "parent_id": product_id,
                }
            return (product_id, list(product["variations"])) if variations else product_id

    def quantity(self, shop, product_id, variation_id=None):
        with self.lock:
            if variation_id:
                item = self.variations.get(shop, {}).get((product_id, variation_id))
            else:
                item = self.products.get(shop, {}).get(product_id)
            return item["stock_quantity"] if item else None

    def meta(self, shop, key, product_id, variation_id=None):
        """A product's (or variation's) meta_data value of ``key`` (None: none)."""
        with self.lock:
            if variation_id:
                item = self.variations.get(shop, {}).get((product_id, variation_id))
            else:
                item = self.products.get(shop, {}).get(product_id)
            return meta_value(item, key) if item else None

    def set_quantity(self, shop, product_id, quantity, variation_id=None):
        """Someone edits the stock in the shop's admin."""
        with self.lock:
            if variation_id:
                self.variations[shop][(product_id, variation_id)]["stock_quantity"] = quantity
            else:
                self.products[shop][product_id]["stock_quantity"] = quantity

    def add_order(self, shop, order):
        """Place an order (a WooCommerce order object; id, dates filled in)."""
        with self.lock:
            order = json.loads(json.dumps(order))
            order.setdefault("id", self.next_id(shop))
            order.setdefault("number", str(order["id"]))
            now = woo_time()
            order.setdefault("date_created_gmt", now)
            order["date_modified_gmt"] = order.get("date_modified_gmt") or now
            self.orders.setdefault(shop, {})[order["id"]] = order
            return order

    def update_order(self, shop, order_id, **values):
        with self.lock:
            order = self.orders[shop][order_id]
            order.update(values)
            order["date_modified_gmt"] = values.get("date_modified_gmt") or woo_time()
            return order

    # -- webhooks to Odoo ------------------------------------------------------------

    def delivery(self, shop, topic, order, delivery_id, secret=None):
        """(body, headers) of a webhook delivery of ``order`` as WooCommerce sends it."""
        secret = secret or self.account(shop).webhook_secret
        body = json.dumps(order, separators=(",", ":")).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        resource, event = topic.split(".", 1)
        return body, {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.9.9 Hookshot (WordPress/6.8)",
            "X-WC-Webhook-Source": f"https://{shop}.example/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": signature.decode(),
            "X-WC-Webhook-ID": "1",
            "X-WC-Webhook-Delivery-ID": str(delivery_id),
        }

    def deliver(self, url, shop, topic, order, delivery_id, secret=None):
        """POST a webhook delivery to Odoo at ``url``; returns (status, answer text)."""
        body, headers = self.delivery(shop, topic, order, delivery_id, secret)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                answer = (response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as failure:
            answer = (failure.code, failure.read().decode("utf-8", "replace"))
        with self.lock:
            self.deliveries.append((topic, str(delivery_id), answer[0]))
        return answer

    # -- HTTP ------------------------------------------------------------------------

    def route(self, method, parts, query, headers, body):
        parts = [unquote(part) for part in parts]
        if len(parts) < 4 or not parts[0]:
            return error(404, NOT_FOUND)
        shop, api, rest = parts[0], parts[1:4], parts[4:]
        if not self._authorized(shop, headers):
            return Reply(
                401,
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                },
            )
        data = None
        if method in ("POST", "PUT"):
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return _woo_error(400, "rest_invalid_json", "Invalid JSON body passed.")
        if api == TRACKING_API:
            return self._tracking(shop, method, rest, data)
        if api != API:
            return error(404, NOT_FOUND)
        params = query.params
        if rest[:1] == ["products"]:
            return self._products(shop, method, rest[1:], params, data)
        if rest[:1] == ["orders"]:
            return self._orders(shop, method, rest[1:], params, data)
        return _woo_error(404, "rest_no_route", "No route was found matching the URL")

    def _authorized(self, shop, headers):
        settings = self.account(shop)
        value = headers.get("Authorization") or ""
        if not value.startswith("Basic "):
            return False
        try:
            key, _sep, secret = base64.b64decode(value[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(
            f"{key}:{secret}", f"{settings.consumer_key}:{settings.consumer_secret}"
        )

    def _products(self, shop, method, rest, params, data):
        with self.lock:
            if not rest:
                if method != "GET":
                    return error(405, METHOD_NOT_ALLOWED)
                return _page(list(self.products.get(shop, {}).values()), params)
            if rest == ["batch"]:
                return self._batch(shop, None, method, data)
            try:
                product_id = int(rest[0])
            except ValueError:
                return _woo_error(404, "rest_no_route", "No route was found matching the URL")
            if len(rest) == 1:
                return self._one(shop, method, product_id, None, data)
            if rest[1] != "variations":
                return _woo_error(404, "rest_no_route", "No route was found matching the URL")
            if len(rest) == 2:
                if method != "GET":
                    return error(405, METHOD_NOT_ALLOWED)
                rows = [
                    v
                    for (pid, _vid), v in self.variations.get(shop, {}).items()
                    if pid == product_id
                ]
                return _page(rows, params)
            if rest[2] == "batch":
                return self._batch(shop, product_id, method, data)
            return self._one(shop, method, product_id, int(rest[2]), data)

    def _item(self, shop, product_id, variation_id):
        if variation_id is None:
            return self.products.get(shop, {}).get(product_id)
        return self.variations.get(shop, {}).get((product_id, variation_id))

    def _one(self, shop, method, product_id, variation_id, data):
        item = self._item(shop, product_id, variation_id)
        if not item:
            return _woo_error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        if method == "GET":
            return Reply(200, item)
        if method != "PUT":
            return error(405, METHOD_NOT_ALLOWED)
        problem = _apply_stock(item, data)
        if problem:
            return _woo_error(400, "rest_invalid_param", problem)
        return Reply(200, item)

    def _batch(self, shop, product_id, method, data):
        if method != "POST":
            return error(405, METHOD_NOT_ALLOWED)
        settings = self.account(shop)
        data = data if isinstance(data, dict) else {}
        count = sum(len(data.get(name) or []) for name in ("create", "update", "delete"))
        if count > settings.batch_limit:
            return _woo_error(
                413,
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {settings.batch_limit} items for this request.",
            )
        answers = []
        for update in data.get("update") or []:
            answers.append(self._batch_update(shop, product_id, settings, update))
        return Reply(200, {"update": answers})

    def _batch_update(self, shop, product_id, settings, update):
        item_id = update.get("id") if isinstance(update, dict) else None
        item = self._item(
            shop, product_id if product_id else item_id, item_id if product_id else None
        )
        if not is_int(item_id) or not item:
            return {
                "id": item_id or 0,
                "error": {
                    "code": "woocommerce_rest_product_invalid_id",
                    "message": "Invalid ID.",
                    "data": {"status": 400},
                },
            }
        if item_id in settings.refuse_ids:
            return {
                "id": item_id,
                "error": {
                    "code": "woocommerce_rest_invalid_product",
                    "message": "This product cannot be updated.",
                    "data": {"status": 400},
                },
            }
        problem = _apply_stock(item, update)
        if problem:
            return {
                "id": item_id,
                "error": {
                    "code": "rest_invalid_param",
                    "message": problem,
                    "data": {"status": 400},
                },
            }
        return dict(item)

    def _orders(self, shop, method, rest, params, data):
        with self.lock:
            orders = self.orders.get(shop, {})
            if not rest:
                if method != "GET":
                    return error(405, METHOD_NOT_ALLOWED)
                after = (params.get("modified_after") or [""])[0][:19]
                rows = sorted(
                    (o for o in orders.values() if not after or o["date_modified_gmt"] > after),
                    key=lambda o: (o["date_modified_gmt"], o["id"]),
                )
                return _page(rows, params)
            try:
                order = orders[int(rest[0])]
            except (KeyError, ValueError):
                return _woo_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            if len(rest) == 1:
                if method == "PUT" and isinstance(data, dict):
                    if "status" in data:
                        order["status"] = data["status"]
                    self._update_shipping(order, data)
                    order["date_modified_gmt"] = woo_time()
                return Reply(200, order)
            if rest[1:] == ["notes"]:
                return self._notes(shop, order, method, data)
            if rest[1:] == ["refunds"]:
                return self._refunds(shop, order, method, data)
            return _woo_error(404, "rest_no_route", "No route was found matching the URL")

    def _notes(self, shop, order, method, data):
        notes = self.notes.setdefault((shop, order["id"]), [])
        if method == "GET":
            return Reply(200, list(notes))
        if not isinstance(data, dict) or not data.get("note"):
            return _woo_error(400, "rest_missing_callback_param", "Missing parameter(s): note")
        note = {
            "id": len(notes) + 1,
            "note": data["note"],
            "customer_note": bool(data.get("customer_note")),
            "date_created_gmt": woo_time(),
        }
        notes.append(note)
        return Reply(201, note)

    def _tracking(self, shop, method, rest, data):
        if not self.account(shop).tracking_extension:
            return _woo_error(404, "rest_no_route", "No route was found matching the URL")
        if len(rest) != 3 or rest[0] != "orders" or rest[2] != "shipment-trackings":
            return _woo_error(404, "rest_no_route", "No route was found matching the URL")
        with self.lock:
            trackings = self.trackings.setdefault((shop, int(rest[1])), [])
            if method == "GET":
                return Reply(200, list(trackings))
            if not isinstance(data, dict) or not data.get("tracking_number"):
                return _woo_error(400, "rest_missing_callback_param", "tracking_number")
            tracking = {"tracking_id": str(len(trackings) + 1), **data}
            trackings.append(tracking)
            return Reply(201, tracking)


def _apply_stock(item, data):
    if not isinstance(data, dict):
        return "expected an object"
    quantity = data.get("stock_quantity")
    if "stock_quantity" in data and not is_int(quantity):
        return "stock_quantity is not of type integer."
    meta = data.get("meta_data")
    if meta is not None and not _is_meta(meta):
        return "meta_data is not a list of {key, value} objects."
    if data.get("manage_stock") is True:
        item["manage_stock"] = True
    if "stock_quantity" in data:
        if not item.get("manage_stock"):
            return "stock is not managed for this product"
        item["stock_quantity"] = quantity
        item["stock_status"] = "instock" if quantity > 0 else "outofstock"
    for entry in meta or []:  # set, or replaced by key, as WooCommerce does
        kept = [row for row in item.setdefault("meta_data", []) if row["key"] != entry["key"]]
        item["meta_data"] = [*kept, {"key": entry["key"], "value": entry["value"]}]
    item["date_modified_gmt"] = now_iso()
    return None


def _is_meta(meta):
    return isinstance(meta, list) and all(
        isinstance(row, dict) and isinstance(row.get("key"), str) and "value" in row for row in meta
    )


def meta_value(item, key):
    """The value of a product's (or variation's) meta_data entry ``key`` (None: none)."""
    return next((row["value"] for row in item.get("meta_data") or [] if row["key"] == key), None)


def _page(rows, params):
    """A page of ``rows`` as WooCommerce answers a list (``X-WP-Total``,
    ``X-WP-TotalPages``), after ``include=`` and ``sku=`` filters."""
    include = {int(v) for value in params.get("include", []) for v in value.split(",") if v}
    skus = {v for value in params.get("sku", []) for v in value.split(",") if v}
    if include:
        rows = [row for row in rows if row["id"] in include]
    if skus:
        rows = [row for row in rows if row.get("sku") in skus]
    per_page = min(int((params.get("per_page") or [DEFAULT_PER_PAGE])[0]), MAX_PER_PAGE)
    page = max(int((params.get("page") or [1])[0]), 1)
    pages = max(math.ceil(len(rows) / per_page), 1)
    chunk = rows[(page - 1) * per_page : page * per_page]
    return Reply(200, chunk, {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(pages)})


def _woo_error(status, code, message):
    return Reply(status, {"code": code, "message": message, "data": {"status": status}})
