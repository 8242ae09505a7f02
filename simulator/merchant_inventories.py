"""Merchant API v1 Inventories sub-API: local (in-store) inventory per product and store.

From developers.google.com/merchant/api/reference/rest/inventories_v1/
accounts.products.localInventories and the RPC types page
(reference/rpc/google.shopping.merchant.inventories.v1/Types):

* ``POST /inventories/v1/accounts/{a}/products/{product}/localInventories:insert``, body
  LocalInventory ``{"storeCode", "localInventoryAttributes": {"price", "salePrice",
  "salePriceEffectiveDate", "availability", "quantity", "pickupMethod", "pickupSla",
  "instoreProductLocation"}}`` (v1 wraps every attribute in ``localInventoryAttributes``:
  guides/compatibility/migrate-v1beta-v1); an insert for the same storeCode replaces it;
* ``GET .../localInventories`` (pageSize, pageToken) -> ``{"localInventories",
  "nextPageToken"}``; ``DELETE .../localInventories/{storeCode}`` -> ``{}``;
* enums: availability IN_STOCK | LIMITED_AVAILABILITY | ON_DISPLAY_TO_ORDER |
  OUT_OF_STOCK; pickupMethod BUY | RESERVE | SHIP_TO_STORE | NOT_SUPPORTED (anything
  but NOT_SUPPORTED "must be submitted together with pickupSla"); pickupSla SAME_DAY |
  NEXT_DAY | TWO_DAY ... SEVEN_DAY | MULTI_WEEK; quantity an int64 (JSON string or
  number), "greater than or equal to zero"; instoreProductLocation at most 20 bytes.

The product must exist (processed) for its local inventory to be inserted or listed:
404 NOT_FOUND otherwise (the simulator's reading of "to a product in your merchant
account"). Regional inventories are not simulated.
"""

import copy
import time

from .common import Reply
from .merchant_auth import invalid, not_found
from .merchant_json import body_object, page_of
from .merchant_products import parse_product_id

LOCAL_AVAILABILITY = ("IN_STOCK", "LIMITED_AVAILABILITY", "ON_DISPLAY_TO_ORDER", "OUT_OF_STOCK")
PICKUP_METHODS = ("BUY", "RESERVE", "SHIP_TO_STORE", "NOT_SUPPORTED")
PICKUP_SLAS = (
    "SAME_DAY", "NEXT_DAY", "TWO_DAY", "THREE_DAY", "FOUR_DAY", "FIVE_DAY", "SIX_DAY",
    "SEVEN_DAY", "MULTI_WEEK",
)  # fmt: skip
ATTRIBUTES = {
    "price", "salePrice", "salePriceEffectiveDate", "availability", "quantity",
    "pickupMethod", "pickupSla", "instoreProductLocation",
}  # fmt: skip
ENUMS = {
    "availability": ("Availability", LOCAL_AVAILABILITY),
    "pickupMethod": ("PickupMethod", PICKUP_METHODS),
    "pickupSla": ("PickupSla", PICKUP_SLAS),
}
LIST_DEFAULT, LIST_MAX = 25, 1000


class MerchantInventories:
    def _reset_inventories(self):
        self.local = {}  # (account, product id) -> {store code: LocalInventory}

    # -- helpers for tests --------------------------------------------------------------

    def local_inventory(self, account, product_id, store_code=None):
        """{store code: LocalInventory} of a product, or one store's (None: none)."""
        with self.lock:
            stores = copy.deepcopy(self.local.get((str(account), product_id), {}))
        return stores if store_code is None else stores.get(store_code)

    # -- HTTP ---------------------------------------------------------------------------

    def _inventories_api(self, account, method, rest, params, body):
        if len(rest) < 3 or rest[0] != "products":
            return not_found("Method not found.")
        parsed = parse_product_id(rest[1])
        if parsed is None:
            return invalid(f"Invalid product name: {rest[1]}", "INVALID_NAME")
        product_id, tail = "~".join(parsed), rest[2:]
        if tail == ["localInventories:insert"] and method == "POST":
            return self.limited(account, "localInventories.insert") or self._insert_local(
                account, product_id, body
            )
        if tail == ["localInventories"] and method == "GET":
            return self.limited(account, "localInventories.list") or self._list_local(
                account, product_id, params
            )
        if len(tail) == 2 and tail[0] == "localInventories" and method == "DELETE":
            return self.limited(account, "localInventories.delete") or self._delete_local(
                account, product_id, tail[1]
            )
        return not_found("Method not found.")

    def _known_product(self, account, product_id):
        if self._processed(account, product_id, time.monotonic()) is None:
            return not_found(f"Product accounts/{account}/products/{product_id} not found.")
        return None

    def _insert_local(self, account, product_id, body):
        refused = self._known_product(account, product_id)
        if refused:
            return refused
        data, refused = body_object(body, "local_inventory")
        if refused:
            return refused
        refused = _check_local(data)
        if refused:
            return refused
        store = data["storeCode"]
        attributes = copy.deepcopy(data.get("localInventoryAttributes") or {})
        if "quantity" in attributes:
            attributes["quantity"] = str(int(attributes["quantity"]))  # int64: a JSON string
        row = {
            "name": f"accounts/{account}/products/{product_id}/localInventories/{store}",
            "account": account,
            "storeCode": store,
            "localInventoryAttributes": attributes,
        }
        self.local.setdefault((account, product_id), {})[store] = row
        return Reply(200, copy.deepcopy(row))

    def _list_local(self, account, product_id, params):
        refused = self._known_product(account, product_id)
        if refused:
            return refused
        rows = [row for _store, row in sorted(self.local.get((account, product_id), {}).items())]
        page, refused = page_of(rows, params, LIST_DEFAULT, LIST_MAX)
        if refused:
            return refused
        items, token = page
        answer = {"localInventories": copy.deepcopy(items)}
        if token:
            answer["nextPageToken"] = token
        return Reply(200, answer)

    def _delete_local(self, account, product_id, store):
        stores = self.local.get((account, product_id), {})
        if store not in stores:
            return not_found(
                f"Local inventory accounts/{account}/products/{product_id}/localInventories/"
                f"{store} not found."
            )
        del stores[store]
        return Reply(200, {})


def _check_local(data):
    unknown = set(data) - {"name", "account", "storeCode", "localInventoryAttributes"}
    if unknown:
        name = sorted(unknown)[0]
        return invalid(
            f"Invalid JSON payload received. Unknown name \"{name}\" at 'local_inventory': "
            "Cannot find field.",
            "INVALID_JSON_PAYLOAD",
        )
    if not isinstance(data.get("storeCode"), str) or not data["storeCode"].strip():
        return invalid(
            "[storeCode] Required parameter: storeCode", "REQUIRED_FIELD", field="storeCode"
        )
    attributes = data.get("localInventoryAttributes") or {}
    if not isinstance(attributes, dict):
        return invalid(
            "Invalid value at 'local_inventory.local_inventory_attributes'", "INVALID_JSON_PAYLOAD"
        )
    unknown = set(attributes) - ATTRIBUTES
    if unknown:
        name = sorted(unknown)[0]
        return invalid(
            f'Invalid JSON payload received. Unknown name "{name}" at '
            "'local_inventory.local_inventory_attributes': Cannot find field.",
            "INVALID_JSON_PAYLOAD",
        )
    for field, (enum, values) in ENUMS.items():
        if field in attributes and attributes[field] not in values:
            return invalid(
                f"Invalid value at 'local_inventory.local_inventory_attributes.{field}' "
                f"(type.googleapis.com/google.shopping.merchant.inventories.v1."
                f'LocalInventoryAttributes.{enum}), "{attributes[field]}"',
                "INVALID_JSON_PAYLOAD",
            )
    if "quantity" in attributes:
        quantity = attributes["quantity"]
        try:
            valid = not isinstance(quantity, bool | float) and int(quantity) >= 0
        except (TypeError, ValueError):
            valid = False
        if not valid:
            return invalid(
                "[quantity] The quantity must be an integer greater than or equal to zero.",
                "INVALID_QUANTITY",
            )
    method = attributes.get("pickupMethod")
    if method and method != "NOT_SUPPORTED" and not attributes.get("pickupSla"):
        return invalid(
            "[pickupSla] pickupSla must be submitted with pickupMethod.", "MISSING_PICKUP_SLA"
        )
    if attributes.get("pickupSla") and not method:
        return invalid(
            "[pickupMethod] pickupMethod must be submitted with pickupSla.", "MISSING_PICKUP_METHOD"
        )
    if len(str(attributes.get("instoreProductLocation", "")).encode("utf-8")) > 20:
        return invalid(
            "[instoreProductLocation] At most 20 bytes.", "INVALID_INSTORE_PRODUCT_LOCATION"
        )
    return None
