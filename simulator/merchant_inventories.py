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

Regional inventories the same way (reference/rest/inventories_v1/
accounts.products.regionalInventories): ``.../regionalInventories:insert`` with
``{"region", "regionalInventoryAttributes": {"price", "salePrice",
"salePriceEffectiveDate", "availability": IN_STOCK | OUT_OF_STOCK}}``, list, delete.

``base64EncodedName`` answers the name with the product segment in unpadded base64url;
output fields (name, account, base64EncodedName) sent back in an insert are ignored;
``loyaltyPrograms``, ``customAttributes``, ``localShippingLabel`` accepted as given
(release notes, inventories sub-API, 2026). A list without inventories answers ``{}``.

The product must exist (processed) for its inventories to be inserted or listed: 404
NOT_FOUND otherwise (the simulator's reading of "to a product in your merchant account").
"""

import copy
import time
from dataclasses import dataclass, field

from .common import Reply
from .merchant_auth import invalid, not_found
from .merchant_json import body_object, compact, encoded, page_of, product_key

LOCAL_AVAILABILITY = ("IN_STOCK", "LIMITED_AVAILABILITY", "ON_DISPLAY_TO_ORDER", "OUT_OF_STOCK")
PICKUP_METHODS = ("BUY", "RESERVE", "SHIP_TO_STORE", "NOT_SUPPORTED")
PICKUP_SLAS = (
    "SAME_DAY", "NEXT_DAY", "TWO_DAY", "THREE_DAY", "FOUR_DAY", "FIVE_DAY", "SIX_DAY",
    "SEVEN_DAY", "MULTI_WEEK",
)  # fmt: skip
PRICES = ("price", "salePrice", "salePriceEffectiveDate")
# localInventories.list pageSize: "The default value is 25000. The maximum value is
# 25000"; regionalInventories.list: default 25000, maximum 100000 (reference/rest/
# inventories_v1/accounts.products.localInventories/list, .regionalInventories/list)
LOCAL_PAGE = (25000, 25000)
REGIONAL_PAGE = (25000, 100000)
# output only fields of LocalInventory / RegionalInventory, accepted and ignored in an
# insert body (name, account, base64EncodedName: release notes, week of Apr 6, 2026)
OUTPUT_FIELDS = ("name", "account", "base64EncodedName")


@dataclass(frozen=True)
class Collection:
    """A product's inventories of one kind: ``collection`` in the path, ``key`` the field
    naming one (storeCode, region), its attributes object and what they may hold."""

    collection: str
    key: str
    attributes_field: str
    message: str  # the protobuf message, as Google's errors name it
    attributes: frozenset
    enums: dict = field(default_factory=dict)
    page: tuple = LOCAL_PAGE  # (default, maximum) pageSize of list


LOCAL = Collection(
    "localInventories",
    "storeCode",
    "localInventoryAttributes",
    "LocalInventoryAttributes",
    frozenset((
        *PRICES, "availability", "quantity", "pickupMethod", "pickupSla",
        "instoreProductLocation", "loyaltyPrograms", "customAttributes",
        "localShippingLabel",
    )),  # LocalInventoryAttributes (rpc .../inventories.v1/Types/LocalInventoryAttributes)
    {
        "availability": ("Availability", LOCAL_AVAILABILITY),
        "pickupMethod": ("PickupMethod", PICKUP_METHODS),
        "pickupSla": ("PickupSla", PICKUP_SLAS),
    },
    LOCAL_PAGE,
)  # fmt: skip
REGIONAL = Collection(
    "regionalInventories",
    "region",
    "regionalInventoryAttributes",
    "RegionalInventoryAttributes",
    frozenset((*PRICES, "availability", "loyaltyPrograms")),
    {"availability": ("Availability", ("IN_STOCK", "OUT_OF_STOCK"))},
    REGIONAL_PAGE,
)
COLLECTIONS = {kind.collection: kind for kind in (LOCAL, REGIONAL)}


def _snake(name):
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


class MerchantInventories:
    def _reset_inventories(self):
        self.local = {}  # (account, product id) -> {store code: LocalInventory}
        self.regional = {}  # (account, product id) -> {region: RegionalInventory}

    # -- helpers for tests --------------------------------------------------------------

    def local_inventory(self, account, product_id, store_code=None):
        """{store code: LocalInventory} of a product, or one store's (None: none)."""
        with self.lock:
            stores = copy.deepcopy(self.local.get((str(account), product_id), {}))
        return stores if store_code is None else stores.get(store_code)

    def regional_inventory(self, account, product_id, region=None):
        """{region: RegionalInventory} of a product, or one region's (None: none)."""
        with self.lock:
            regions = copy.deepcopy(self.regional.get((str(account), product_id), {}))
        return regions if region is None else regions.get(region)

    # -- HTTP ---------------------------------------------------------------------------

    def _inventories_api(self, account, method, rest, params, body):
        if len(rest) < 3 or rest[0] != "products":
            return not_found("Method not found.")
        product_id, refused = product_key(rest[1])
        if refused:
            return refused
        tail = rest[2:]
        name, _colon, verb = tail[0].partition(":")
        kind = COLLECTIONS.get(name)
        if kind is None:
            return not_found("Method not found.")
        rows = (self.local if kind is LOCAL else self.regional).setdefault(
            (account, product_id), {}
        )
        if len(tail) == 1 and verb == "insert" and method == "POST":
            return self.limited(account, f"{name}.insert") or self._insert_row(
                kind, rows, account, product_id, body
            )
        if len(tail) == 1 and not verb and method == "GET":
            return self.limited(account, f"{name}.list") or self._list_rows(
                kind, rows, account, product_id, params
            )
        if len(tail) == 2 and not verb and method == "DELETE":
            return self.limited(account, f"{name}.delete") or _delete_row(
                kind, rows, account, product_id, tail[1]
            )
        return not_found("Method not found.")

    def _known_product(self, account, product_id):
        if self._processed(account, product_id, time.monotonic()) is None:
            return not_found(f"Product accounts/{account}/products/{product_id} not found.")
        return None

    def _insert_row(self, kind, rows, account, product_id, body):
        refused = self._known_product(account, product_id)
        if refused:
            return refused
        data, refused = body_object(body, _snake(kind.collection[:-3] + "y"))
        if refused:
            return refused
        refused = _check(kind, data)
        if refused:
            return refused
        key = data[kind.key]
        attributes = copy.deepcopy(data.get(kind.attributes_field) or {})
        if "quantity" in attributes:
            attributes["quantity"] = str(int(attributes["quantity"]))  # int64: a JSON string
        path = f"{kind.collection}/{key}"
        row = {
            "name": f"accounts/{account}/products/{product_id}/{path}",
            "base64EncodedName": f"accounts/{account}/products/{encoded(product_id)}/{path}",
            "account": account,
            kind.key: key,
            kind.attributes_field: attributes,
        }
        rows[key] = row
        return Reply(200, copy.deepcopy(row))

    def _list_rows(self, kind, rows, account, product_id, params):
        refused = self._known_product(account, product_id)
        if refused:
            return refused
        page, refused = page_of([row for _key, row in sorted(rows.items())], params, *kind.page)
        if refused:
            return refused
        items, token = page
        # ProtoJSON: no inventory, no "localInventories" (an empty list is left out)
        return Reply(200, compact({kind.collection: copy.deepcopy(items), "nextPageToken": token}))


def _delete_row(kind, rows, account, product_id, key):
    if key not in rows:
        return not_found(
            f"accounts/{account}/products/{product_id}/{kind.collection}/{key} not found."
        )
    del rows[key]
    return Reply(200, {})


def _unknown(name, where):
    return invalid(
        f"Invalid JSON payload received. Unknown name \"{name}\" at '{where}': Cannot find field.",
        "INVALID_JSON_PAYLOAD",
    )


def _check(kind, data):
    message = _snake(kind.collection[:-3] + "y")  # local_inventory, regional_inventory
    unknown = set(data) - {*OUTPUT_FIELDS, kind.key, kind.attributes_field}
    if unknown:
        return _unknown(sorted(unknown)[0], message)
    if not isinstance(data.get(kind.key), str) or not data[kind.key].strip():
        return invalid(
            f"[{kind.key}] Required parameter: {kind.key}", "REQUIRED_FIELD", field=kind.key
        )
    attributes = data.get(kind.attributes_field) or {}
    where = f"{message}.{_snake(kind.attributes_field)}"
    if not isinstance(attributes, dict):
        return invalid(f"Invalid value at '{where}'", "INVALID_JSON_PAYLOAD")
    unknown = set(attributes) - kind.attributes
    if unknown:
        return _unknown(sorted(unknown)[0], where)
    for name, (enum, values) in kind.enums.items():
        if name in attributes and attributes[name] not in values:
            return invalid(
                f"Invalid value at '{where}.{_snake(name)}' (type.googleapis.com/google.shopping."
                f'merchant.inventories.v1.{kind.message}.{enum}), "{attributes[name]}"',
                "INVALID_JSON_PAYLOAD",
            )
    return _check_local(attributes) if kind is LOCAL else None


def _check_local(attributes):
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
