"""Shopify Admin GraphQL, what the connector sends and reads: documents, ids, throttle
and error readings, the API version an answer was served in (no HTTP here)."""

from .types import DEFAULT_API_VERSION

HEADER_ACCESS_TOKEN = "X-Shopify-Access-Token"
# the version that served the request (a version no longer supported falls forward to
# the oldest supported one), and what the request used that is deprecated
HEADER_API_VERSION = "X-Shopify-API-Version"
HEADER_DEPRECATED_REASON = "X-Shopify-API-Deprecated-Reason"
FALL_FORWARD = (
    "Shopify no longer serves API version {requested}: it answered in {served} (it falls "
    "forward to the oldest version it supports). Set the channel's API Version to {target}."
)
DEPRECATED = (
    "Shopify flags what this channel uses in API version {requested} as deprecated "
    "({reason}). Move the channel's API Version to {target}."
)
GID_INVENTORY_ITEM = "InventoryItem"
GID_LOCATION = "Location"
GID_ORDER = "Order"
QUANTITY_NAME = "available"
REASON = "correction"
REFERENCE_URI = "gid://stock-channel-sync/SyncJob/{key}"
THROTTLED = "THROTTLED"
# GraphQL error codes worth retrying besides THROTTLED.
RETRYABLE_GRAPHQL_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
# Seconds to wait when a THROTTLED answer does not say how long.
DEFAULT_THROTTLE_SECONDS = 1.0
# SKUs per inventoryItems search (keeps the search string short).
LEVELS_CHUNK = 50
THROTTLE_ATTEMPTS = 5  # a call waits out this many throttles before it gives up
MAX_THROTTLE_WAIT = 10.0  # seconds a call waits for the bucket to refill, at most
# the API versions that changed inventorySetQuantities: changeFromQuantity (compare and
# set) from 2026-01, required (with @idempotent) from 2026-04; before, compareQuantity
CAS_VERSION = "2026-01"
CAS_REQUIRED_VERSION = "2026-04"
CHANGE_STALE = "CHANGE_FROM_QUANTITY_STALE"
CATALOG_PAGE = 250
MISSING_ITEM_ID = "no Shopify inventory item id"
MISSING_LOCATION_ID = "no Shopify location id"

SET_QUANTITIES_MUTATION = """\
mutation StockChannelSync($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "%s") {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}"""

CATALOG_QUERY = """\
query StockChannelSyncCatalog($first: Int!, $after: String) {
  productVariants(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { sku inventoryQuantity inventoryItem { id } }
  }
}"""

ITEM_LEVELS_QUERY = """\
query StockChannelSyncItemLevels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
    }
  }
}"""

LEVELS_QUERY = """\
query StockChannelSyncLevels($query: String!, $first: Int!, $locationId: ID!) {
  inventoryItems(first: $first, query: $query) {
    nodes {
      id
      sku
      inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
    }
  }
}"""


def to_gid(kind, value):
    """``gid://shopify/<kind>/<id>`` from a numeric id or a gid; None when unusable."""
    text = str(value or "").strip()
    if text.startswith("gid://"):
        return text
    if text.isdigit():
        return f"gid://shopify/{kind}/{text}"
    return None


def throttle_seconds(payload):
    """(requestedQueryCost - currentlyAvailable) / restoreRate from a THROTTLED answer."""
    cost = (payload.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        missing = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        seconds = missing / float(status["restoreRate"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return DEFAULT_THROTTLE_SECONDS
    return seconds if seconds > 0 else DEFAULT_THROTTLE_SECONDS


def graphql_errors(payload):
    errors = payload.get("errors")
    if not errors:
        return []
    if isinstance(errors, list):
        return [error if isinstance(error, dict) else {"message": str(error)} for error in errors]
    return [{"message": str(errors)}]


def error_code(error):
    return (error.get("extensions") or {}).get("code")


def quantity_index(field_path):
    """Index into ``input.quantities`` named by a userError's ``field``, or None."""
    if (
        isinstance(field_path, list)
        and len(field_path) >= 3
        and field_path[:2] == ["input", "quantities"]
        and str(field_path[2]).isdigit()
    ):
        return int(field_path[2])
    return None


def stale_indexes(result):
    """The indexes of the quantities refused as CHANGE_FROM_QUANTITY_STALE, when that is
    all that was wrong (else an empty set: the errors are what they are)."""
    errors = result.get("userErrors") or []
    if not errors or any(error.get("code") != CHANGE_STALE for error in errors):
        return set()
    return {quantity_index(error.get("field")) for error in errors} - {None}


def escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def next_version(version):
    """The quarterly API version after ``version`` ("2026-10" -> "2027-01")."""
    try:
        year, month = (int(part) for part in version.split("-"))
    except ValueError:
        return DEFAULT_API_VERSION
    return f"{year + 1}-01" if month >= 10 else f"{year}-{(month // 3 + 1) * 3 + 1:02d}"


def version_notice(requested, headers, built_for=DEFAULT_API_VERSION):
    """What an answer's headers say of the API version in use: None when they say
    nothing, "" when all is well, else why and to which version to move (a fall-forward:
    the version served, or the one this connector is built for when newer; a
    deprecation: the connector's version, or the next one when already on it)."""
    served = (headers.get(HEADER_API_VERSION) or "").strip()
    reason = (headers.get(HEADER_DEPRECATED_REASON) or "").strip()
    if not (served or reason):
        return None
    if served and served != requested:
        target = max(served, built_for)
        return FALL_FORWARD.format(requested=requested, served=served, target=target)
    if reason:
        target = built_for if requested < built_for else next_version(requested)
        return DEPRECATED.format(requested=requested, reason=reason[:300], target=target)
    return ""
