"""Amazon SP-API listings and feeds, without HTTP: the quantity patch of one listing
(Listings Items 2021-08-01), the JSON_LISTINGS_FEED document of many (Feeds 2021-06-30),
the processing ids a push leaves, and the verdicts read from a listing or a feed's
processing report.

Processing ids carry what a verdict needs (the verdict is read from them alone):

* ``listing:<sku>:<quantity>:<submissionId>``: one PATCH, answered ACCEPTED. Its verdict
  is the listing itself: the DEFAULT quantity equal to the one sent is SUCCESS; an ERROR
  issue about the quantity (or about nothing named) is a FAILURE; otherwise PENDING.
* ``feed:<feedId>``: one feed for every SKU it carries. Its messages are sent in SKU
  order, ``messageId`` the 1-based position, so that an issue naming only its message is
  brought back to its SKU.
"""

import gzip
import json

from .base import FAILURE, PENDING, SUCCESS, TIMEOUT, Verdict

API_LISTINGS = "/listings/2021-08-01/items"
API_FEEDS = "/feeds/2021-06-30"
FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_VERSION = "2.0"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
ISSUE_LOCALE = "en_US"
DEFAULT_PRODUCT_TYPE = "PRODUCT"
CHANNEL_DEFAULT = "DEFAULT"  # merchant-fulfilled stock: the only quantity the seller sets
ATTRIBUTE = "fulfillment_availability"
RESTOCK_DATE = "restock_date"  # of fulfillment_availability: when the item is restocked
PATCH_PATH = f"/attributes/{ATTRIBUTE}"
LISTING_PREFIX = "listing:"
FEED_PREFIX = "feed:"
ACCEPTED = "ACCEPTED"
INVALID = "INVALID"
ERROR = "ERROR"
# getFeed processingStatus
FEED_WAITING = frozenset({"IN_QUEUE", "IN_PROGRESS"})
FEED_DONE = "DONE"
FEED_FATAL = "FATAL"
FEED_CANCELLED = "CANCELLED"
GZIP = "GZIP"
NOT_APPLIED = "the listing's quantity is not the one sent (no error issue)"


# -- requests ------------------------------------------------------------------------


def quantity_patches(quantity, restock=None, restocked=None):
    """The ``merge`` patch of the DEFAULT channel's quantity: since 2025-06 it changes the
    quantity alone (restock date and handling time are kept), and with ``restock`` (a
    date: future stock) its ``restock_date`` too; a date sent before (``restocked``) and
    none now is deleted (an explicit null, as merge deletes)."""
    value = {"fulfillment_channel_code": CHANNEL_DEFAULT, "quantity": int(quantity)}
    if restock or restocked:
        value[RESTOCK_DATE] = restock.isoformat() if restock else None
    return [{"op": "merge", "path": PATCH_PATH, "value": [value]}]


def item_patches(item):
    """The patches of a PushItem: its quantity and its availability date."""
    return quantity_patches(item.quantity, item.available_at, item.previous_available_at)


def patch_body(product_type, item):
    """A patchListingsItem body (``productType`` is required with the patches)."""
    return {"productType": product_type, "patches": item_patches(item)}


def feed_items(items):
    """The items of a feed, in message order (by SKU: ``messageId`` = position + 1)."""
    return sorted(items, key=lambda item: item.sku)


def feed_document(seller_id, product_type, items):
    """The JSON_LISTINGS_FEED document (schema listings-feed-schema-v2) of ``items``."""
    return {
        "header": {"sellerId": seller_id, "version": FEED_VERSION, "issueLocale": ISSUE_LOCALE},
        "messages": [
            {
                "messageId": number,
                "sku": item.sku,
                "operationType": "PATCH",
                "productType": product_type,
                "patches": item_patches(item),
            }
            for number, item in enumerate(feed_items(items), start=1)
        ],
    }


# -- processing ids ------------------------------------------------------------------


def listing_id(sku, quantity, submission_id):
    return f"{LISTING_PREFIX}{sku}:{int(quantity)}:{submission_id}"


def parse_listing_id(remote_id):
    """(sku, quantity) of a ``listing:`` id; the SKU may hold colons itself."""
    sku, quantity, _submission = remote_id[len(LISTING_PREFIX) :].rsplit(":", 2)
    return sku, int(quantity)


def feed_id(feed):
    return f"{FEED_PREFIX}{feed}"


# -- answers ----------------------------------------------------------------------------


def issue_text(issue):
    code = issue.get("code")
    message = str(issue.get("message") or "no message")
    return f"{code}: {message}" if code else message


def issues_message(issues, severity=ERROR):
    """The messages of ``issues`` of ``severity``, joined; "" when there are none."""
    return "; ".join(
        issue_text(issue)
        for issue in issues or []
        if isinstance(issue, dict) and issue.get("severity") == severity
    )


def default_quantity(listing):
    """The DEFAULT channel's quantity of a getListingsItem / searchListingsItems item
    (None: the listing has none)."""
    for row in listing.get("fulfillmentAvailability") or []:
        if isinstance(row, dict) and row.get("fulfillmentChannelCode") == CHANNEL_DEFAULT:
            quantity = row.get("quantity")
            return int(quantity) if quantity is not None else None
    return None


def fulfilled_by_amazon(listing):
    """A listing whose stock Amazon holds (a channel code other than DEFAULT, e.g.
    AMAZON_EU): not the seller's to set."""
    return any(
        isinstance(row, dict) and row.get("fulfillmentChannelCode") not in (None, CHANNEL_DEFAULT)
        for row in listing.get("fulfillmentAvailability") or []
    )


def _about_quantity(issue):
    names = issue.get("attributeNames") or []
    return not names or ATTRIBUTE in names


def listing_verdict(remote_id, listing, body=""):
    """The verdict of a ``listing:`` id from the listing as it is now."""
    sku, quantity = parse_listing_id(remote_id)
    if default_quantity(listing) == quantity:
        return Verdict(SUCCESS, body=body)
    errors = [
        issue
        for issue in listing.get("issues") or []
        if isinstance(issue, dict) and issue.get("severity") == ERROR and _about_quantity(issue)
    ]
    if errors:
        reason = issues_message(errors)
        return Verdict(FAILURE, item_errors={sku: reason}, reason=reason, body=body)
    return Verdict(PENDING, body=body)


def feed_state_verdict(feed, body=""):
    """The verdict of a feed not DONE (None when it is DONE: its report says more).
    CANCELLED: nothing of it was processed, it is sent again (TIMEOUT)."""
    status = feed.get("processingStatus")
    if status in FEED_WAITING:
        return Verdict(PENDING, body=body)
    if status == FEED_CANCELLED:
        return Verdict(TIMEOUT, reason="the feed was cancelled before processing", body=body)
    if status == FEED_DONE:
        return None
    return Verdict(FAILURE, reason=f"the feed ended {status}", body=body)


def report_verdict(report, skus, body=""):
    """The verdict of a DONE feed from its processing report: the SKUs with an ERROR
    issue failed (their messages), the others succeeded; an ERROR of the whole feed (no
    message named) fails them all."""
    by_message = dict(enumerate(sorted(skus), start=1))
    item_errors, feed_errors = {}, []
    for issue in report.get("issues") or []:
        if not isinstance(issue, dict) or issue.get("severity") != ERROR:
            continue
        sku = issue.get("sku") or by_message.get(issue.get("messageId"))
        if sku:
            item_errors[sku] = "; ".join(filter(None, [item_errors.get(sku), issue_text(issue)]))
        else:
            feed_errors.append(issue_text(issue))
    if feed_errors:
        return Verdict(FAILURE, reason="; ".join(feed_errors), body=body)
    return Verdict(SUCCESS, item_errors=item_errors, body=body)


def decode_document(content, compression=None):
    """The JSON of a downloaded feed document (gunzipped when Amazon says GZIP)."""
    if compression == GZIP:
        content = gzip.decompress(content)
    return json.loads(content.decode("utf-8-sig"))
