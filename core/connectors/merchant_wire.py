"""Google Merchant API v1, as plain data: the product's id, the availability a push says
(online: IN_STOCK, OUT_OF_STOCK, BACKORDER or PREORDER with its availabilityDate; per
store: IN_STOCK or OUT_OF_STOCK with the quantity and the pickup method and SLA), the
bodies of ``productInputs:insert`` and ``localInventories:insert``, the item-level issues
of a processed product, and Google's error answers (AIP-193: ``{"error": {"code",
"message", "status", "details": [{"@type": ...ErrorInfo, "reason", "metadata"}]}}``).

Sources: developers.google.com/merchant/api/reference/rest/products_v1 (ProductInput,
Product, ProductStatus), .../inventories_v1 (LocalInventory, LocalInventoryAttributes),
.../guides/error-handling, .../guides/quotas-limits."""

import base64
import json
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

IN_STOCK = "IN_STOCK"
OUT_OF_STOCK = "OUT_OF_STOCK"
BACKORDER = "BACKORDER"
PREORDER = "PREORDER"
LIMITED_AVAILABILITY = "LIMITED_AVAILABILITY"
# what a product with units still to come is shown as (a setting of the channel)
FUTURE_AVAILABILITIES = (BACKORDER, PREORDER)
# local inventory: the pickup methods and SLAs Google takes
NOT_SUPPORTED = "NOT_SUPPORTED"
PICKUP_METHODS = ("BUY", "RESERVE", "SHIP_TO_STORE", NOT_SUPPORTED)
PICKUP_SLAS = (
    "SAME_DAY",
    "NEXT_DAY",
    "TWO_DAY",
    "THREE_DAY",
    "FOUR_DAY",
    "FIVE_DAY",
    "SIX_DAY",
    "SEVEN_DAY",
    "MULTI_WEEK",
)
# the item-level issues that take the product off (or down) Shopping ads and free
# listings: an alert; NOT_IMPACTED ones are left to Merchant Center
ALERTED_SEVERITIES = ("DISAPPROVED", "DEMOTED")
TRACK_PREFIX = "product:"
# availabilityDate: "Provide a date up to 1 year in the future" (Merchant Center Help,
# support.google.com/merchants/answer/6324470)
MAX_AHEAD_DAYS = 365
# the only token endpoint a key may name (google-auth signs the assertion for Google's
# audience whatever the key's token_uri says): others refused, but a loopback address
TOKEN_URI = "https://oauth2.googleapis.com/token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def product_id(content_language, feed_label, offer_id):
    """The {product} segment of a product's name: ``contentLanguage~feedLabel~offerId``,
    always unpadded base64url (RFC 4648 section 5). Google: "Encoding is mandatory if your
    product name contains characters used by Merchant API or URL-reserved characters such
    as: % . + / : ~ , ( * ! ) & ? = @ # $" (developers.google.com/merchant/api/guides/
    compatibility/migrate-v1beta-v1), and products.get recommends the encoded format
    (developers.google.com/merchant/api/reference/rest/products_v1/accounts.products/get):
    encoding every id leaves no SKU out."""
    plain = f"{content_language}~{feed_label}~{offer_id}"
    return base64.urlsafe_b64encode(plain.encode("utf-8")).decode("ascii").rstrip("=")


def token_uri_refusal(token_uri):
    """Why a key's ``token_uri`` is not Google's token endpoint (words), or None; a
    loopback address (a local simulator) is taken."""
    uri = str(token_uri or "").strip()
    if uri == TOKEN_URI:
        return None
    host = (urlsplit(uri).hostname or "").lower()
    if host in LOOPBACK_HOSTS:
        return None
    return (
        f"the Service Account Key's token_uri is {uri!r}, not Google's {TOKEN_URI}: "
        "paste the key file exactly as Google Cloud gave it."
    )


def data_source_name(account_id, data_source):
    """``accounts/{account}/dataSources/{id}`` of the channel's Data Source setting (its
    id alone, or its whole name)."""
    text = str(data_source or "").strip()
    if text.startswith("accounts/"):
        return text
    return f"accounts/{account_id}/dataSources/{text}"


def source_problem(source, feed_label, content_language):
    """Why a DataSource (datasources_v1 dataSources.get) cannot take the pushes (words), or
    None. It must be a supplemental product data source: productInputs:insert into a
    primary one replaces the product's whole input, and "If the product already exists and
    data source provided is different, then the product will be moved to a new data
    source" (developers.google.com/merchant/api/reference/rest/products_v1/
    accounts.productInputs/insert). Its feedLabel and contentLanguage, when set, must be
    the channel's: "If set, the data source will only accept products matching this
    combination" (.../reference/rest/datasources_v1/accounts.dataSources,
    SupplementalProductDataSource)."""
    supplemental = source.get("supplementalProductDataSource")
    if not isinstance(supplemental, dict):
        return (
            "is not a supplemental product data source: Odoo only sends availability, and "
            "an insert into a primary source replaces the products' own data (title, "
            "price...) or moves them"
        )
    if source.get("input") not in (None, "API"):
        return f"takes {source['input']} input, not the Merchant API's"
    for name, wanted in (("feedLabel", feed_label), ("contentLanguage", content_language)):
        held = str(supplemental.get(name) or "")
        if held and held.lower() != str(wanted or "").strip().lower():
            return f"only takes products of the {name} {held!r}, not the channel's {wanted!r}"
    return None


def detail_stores(detail):
    """The store codes a detail text names (types.detail_key: "now=2;S1=3+pickup;S2=0")."""
    codes = []
    for part in str(detail or "").split(";"):
        code, sep, _figure = part.rpartition("=")
        if sep and code and code != "now":
            codes.append(code)
    return codes


def timestamp(day):
    """RFC 3339 of the start of ``day`` (a date) in UTC: Google's availabilityDate."""
    return f"{day.isoformat()}T00:00:00Z"


def backorder_day(today, days):
    """The day a backorder without a receipt is said to be available: ``days`` from
    ``today``, rounded up to the Monday on or after it, so that it moves once a week (one
    push a week per backordered variant, not one a day), never more than a year ahead
    (MAX_AHEAD_DAYS). The Odoo side sets it as the variant's available_at (a change of
    it is a change to push, seen by in_sync and the reconciliation)."""
    days = min(max(int(days or 0), 0), MAX_AHEAD_DAYS - 6)
    day = today + timedelta(days=days)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def sendable_day(day, today):
    """``day`` as Google takes an availabilityDate: never in the past (a receipt late:
    today), at most a year ahead."""
    return min(max(day, today), today + timedelta(days=MAX_AHEAD_DAYS))


def online_availability(item, future=BACKORDER, backorder_days=14, today=None):
    """(availability, date or None) of a PushItem: units on hand now: IN_STOCK; none on
    hand but units to come (future stock) or sold on backorder: ``future`` (BACKORDER,
    or PREORDER) with the day they are all in (``available_at``, set by the Odoo side;
    none: backorder_day of ``backorder_days``), between today and a year ahead
    (sendable_day); nothing: OUT_OF_STOCK."""
    quantity = max(int(item.quantity or 0), 0)
    now = quantity if item.on_hand is None else min(max(int(item.on_hand), 0), quantity)
    if now > 0:
        return IN_STOCK, None
    if quantity <= 0:
        return OUT_OF_STOCK, None
    today = today or date.today()
    day = item.available_at
    if day is None:
        day = backorder_day(today, backorder_days)
    if isinstance(day, datetime):
        day = day.date()
    return future, sendable_day(day, today)


def product_input(item, content_language, feed_label, availability, day):
    """The ProductInput of ``item`` for a supplemental data source: the product's ids and
    only the attributes this addon owns (availability, availabilityDate)."""
    attributes = {"availability": availability}
    if day is not None:
        attributes["availabilityDate"] = timestamp(day)
    return {
        "offerId": item.sku,
        "contentLanguage": content_language,
        "feedLabel": feed_label,
        "productAttributes": attributes,
    }


def local_inventory(store, pickup_method="", pickup_sla=""):
    """The LocalInventory of one StoreStock: availability and quantity, and the pickup
    method and SLA when the variant can be collected there, else the method NOT_SUPPORTED
    (without an SLA)."""
    quantity = max(int(store.quantity or 0), 0)
    attributes = {
        "availability": IN_STOCK if quantity > 0 else OUT_OF_STOCK,
        "quantity": str(quantity),
    }
    if store.pickup and quantity > 0 and pickup_method and pickup_sla:
        attributes["pickupMethod"] = pickup_method
        if pickup_method != NOT_SUPPORTED:
            attributes["pickupSla"] = pickup_sla
    else:
        # said, not left out: an omitted method is no "not supported" (inventories_v1
        # LocalInventoryAttributes.pickupMethod: "Unless the value is "not supported",
        # this field must be submitted together with pickupSla")
        attributes["pickupMethod"] = NOT_SUPPORTED
    return {"storeCode": store.code, "localInventoryAttributes": attributes}


def track_id(pid, availability, day):
    """The tracking id of an accepted push: the product, and what it was set to."""
    return f"{TRACK_PREFIX}{pid}|{availability}|{day.isoformat() if day else ''}"


def parse_track_id(remote_id):
    """(product id, availability, "YYYY-MM-DD" or "") of a tracking id."""
    body = remote_id[len(TRACK_PREFIX) :]
    pid, availability, day = [*body.rsplit("|", 2), "", ""][:3]
    return pid, availability, day


def held_availability(product):
    """(availability, "YYYY-MM-DD" or "") of a processed Product (products.get)."""
    attributes = product.get("productAttributes") or {}
    availability = str(attributes.get("availability") or "").upper()
    day = str(attributes.get("availabilityDate") or "")[:10]
    return availability, day


def item_issues(product):
    """The item-level issues of a processed Product that take it off or down (DISAPPROVED,
    DEMOTED), in words: "DISAPPROVED (SHOPPING_ADS): Mismatched availability
    [availability] (availability_mismatch): Landing page: IN_STOCK..." (its detail last);
    "" when none."""
    status = product.get("productStatus") or {}
    lines = []
    for issue in status.get("itemLevelIssues") or []:
        if not isinstance(issue, dict):
            continue
        severity = str(issue.get("severity") or "")
        if severity not in ALERTED_SEVERITIES:
            continue
        where = issue.get("reportingContext") or ""
        line = f"{severity}{f' ({where})' if where else ''}: "
        line += str(issue.get("description") or issue.get("code") or "issue")
        attribute = f"[{issue['attribute']}]" if issue.get("attribute") else ""
        if attribute and attribute not in line:
            line += f" {attribute}"
        if issue.get("code"):
            line += f" ({issue['code']})"
        if issue.get("detail"):
            line += f": {issue['detail']}"
        lines.append(line)
    return "; ".join(lines)


def local_quantities(answer):
    """{storeCode: quantity} of a localInventories.list page."""
    held = {}
    for row in answer.get("localInventories") or []:
        if not isinstance(row, dict) or not row.get("storeCode"):
            continue
        attributes = row.get("localInventoryAttributes") or {}
        try:
            held[str(row["storeCode"])] = int(attributes.get("quantity") or 0)
        except (TypeError, ValueError):
            held[str(row["storeCode"])] = 0
    return held


def error_reason(body):
    """(status, reason, message) of a Google error answer's text: ``status`` its
    canonical code (RESOURCE_EXHAUSTED, NOT_FOUND...), ``reason`` its ErrorInfo's (the
    stable one, e.g. PERMISSION_DENIED_ACCOUNTS), ``message`` Google's words; blanks
    when the text is no such answer."""
    try:
        error = json.loads(body or "").get("error")
    except (ValueError, AttributeError):
        return "", "", ""
    if not isinstance(error, dict):
        return "", "", ""
    reason = ""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("ErrorInfo"):
            metadata = detail.get("metadata") or {}
            reason = str(metadata.get("REASON") or detail.get("reason") or "")
            break
    return str(error.get("status") or ""), reason, str(error.get("message") or "")


def error_words(body, fallback):
    """One line of a Google error answer: "NOT_FOUND (REASON): message", else
    ``fallback``."""
    status, reason, message = error_reason(body)
    if not (status or message):
        return fallback
    head = f"{status} ({reason})" if reason else status
    return f"{head}: {message}" if head and message else head or message


def not_registered(body):
    """Whether a 401 answer says the caller's Google Cloud project is not registered with
    the Merchant Center account (developers.google.com/merchant/api/guides/quickstart/
    registration: "GCP project with id ... is not registered with the merchant account")."""
    _status, reason, message = error_reason(body)
    return "not registered" in message.lower() or "NOT_REGISTERED" in reason.upper()
