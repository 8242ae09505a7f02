"""Amazon's Feeds API 2021-06-30 for the simulator: feed documents with presigned URLs
(served here, under ``/amazon/<account>/_documents/<id>``, for 5 minutes, without the
access token), JSON_LISTINGS_FEED feeds processed after ``processing_delay`` seconds
(IN_QUEUE, IN_PROGRESS, then DONE, FATAL or CANCELLED as ``feed_outcome`` says), their
quantities applied when DONE, and the processing report (listings-feed processing
report v2) as the result document. The reading of a quantity patch, shared with
Listings Items, is here too."""

import json
import secrets
import time

from .amazon_orders import sp_error
from .common import FAILURE, SUCCESS, TIMEOUT, Job, Reply, is_day, now_iso

FEED_TYPE = "JSON_LISTINGS_FEED"
URL_SECONDS = 300
OUTCOMES = {"DONE": SUCCESS, "FATAL": FAILURE, "CANCELLED": TIMEOUT}
STATES = {SUCCESS: "DONE", FAILURE: "FATAL", TIMEOUT: "CANCELLED"}
CHANNEL_DEFAULT = "DEFAULT"
ATTRIBUTE = "fulfillment_availability"
RESTOCK_DATE = "restock_date"
KEEP = object()  # a patch that leaves the restock date as it is
PATCH_OPS = ("add", "replace", "merge", "delete")


def listing_issue(code, message, attributes):
    return {
        "code": code,
        "message": message,
        "severity": "ERROR",
        "attributeNames": attributes,
        "categories": ["INVALID_ATTRIBUTE"],
    }


def patched_quantity(patches):
    """(quantity, None) of a fulfillment_availability patch, or (None, why not)."""
    quantity = None
    for patch in patches if isinstance(patches, list) else [None]:
        if not isinstance(patch, dict) or patch.get("op") not in PATCH_OPS:
            return None, "Each patch needs an op among add, replace, merge, delete."
        if patch.get("path") != f"/attributes/{ATTRIBUTE}":
            return None, f"The attribute {patch.get('path')!r} is not supported here."
        for value in patch.get("value") or []:
            if not isinstance(value, dict) or not value.get("fulfillment_channel_code"):
                return None, "fulfillment_channel_code is required."
            amount = value.get("quantity")
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
                return None, "quantity must be a whole number of at least 0."
            if not is_day(value.get(RESTOCK_DATE)):
                return None, "restock_date must be a date (YYYY-MM-DD)."
            if value["fulfillment_channel_code"] == CHANNEL_DEFAULT:
                quantity = amount
    if quantity is None:
        return None, "No DEFAULT fulfillment_availability quantity was given."
    return quantity, None


def patched_restock(patches):
    """The DEFAULT restock_date a (valid) patch sets: a date, None (deleted: an explicit
    null), or KEEP when it does not name it (merge keeps it)."""
    restock = KEEP
    for patch in patches or []:
        for value in patch.get("value") or []:
            if value.get("fulfillment_channel_code") == CHANNEL_DEFAULT and RESTOCK_DATE in value:
                restock = value[RESTOCK_DATE]
    return restock


def apply_quantity(listing, quantity, restock=None):
    """Apply a quantity (and a restock date: KEEP, the default when None is not meant,
    leaves the listing's)."""
    if restock is not KEEP:
        listing[RESTOCK_DATE] = restock
    listing["quantity"] = quantity
    listing["updated"] = now_iso()
    listing["issues"] = [i for i in listing["issues"] if ATTRIBUTE not in i["attributeNames"]]


class AmazonFeeds:
    """Mixed into the Amazon marketplace (its lock, accounts, listings and limits)."""

    def _reset_feeds(self):
        self.documents = {}  # document id -> {"account", "signature", "created", ...}
        self.feeds = {}  # account -> {feed id: feed}

    # -- helpers for tests ---------------------------------------------------------

    def feed_messages(self, account):
        """The messages of every feed the account submitted, oldest first."""
        with self.lock:
            return [
                message
                for feed in self.feeds.get(account, {}).values()
                for message in (feed["document"] or {}).get("messages") or []
            ]

    # -- documents ---------------------------------------------------------------------

    def _new_document(self, account, headers, content=None):
        document_id = f"amzn1.tortuga.4.eu.{secrets.token_hex(8)}"
        signature = secrets.token_hex(16)
        self.documents[document_id] = {
            "account": account,
            "signature": signature,
            "created": time.monotonic(),
            "content": content,
        }
        host = headers.get("Host") or "localhost"
        url = f"http://{host}/amazon/{account}/_documents/{document_id}"
        return document_id, f"{url}?X-Amz-Expires={URL_SECONDS}&X-Amz-Signature={signature}"

    def _document(self, account, method, document_id, params, headers, body):
        """A presigned URL: PUT the feed's content, GET a result document."""
        with self.lock:
            document = self.documents.get(document_id)
            signature = (params.get("X-Amz-Signature") or [""])[0]
            if not document or document["account"] != account or signature != document["signature"]:
                return Reply(403, {"error": "SignatureDoesNotMatch"})
            if time.monotonic() - document["created"] > URL_SECONDS:
                return Reply(403, {"error": "AccessDenied", "message": "Request has expired"})
            if method == "PUT":
                document["content"] = bytes(body)
                document["content_type"] = headers.get("Content-Type") or ""
                return Reply(200, {})
            if method == "GET" and document["content"] is not None:
                return Reply(200, json.loads(document["content"]))
            return Reply(404, {"error": "NoSuchKey"})

    # -- Feeds API -----------------------------------------------------------------------

    def _feeds(self, account, method, rest, params, headers, body):
        try:
            data = json.loads(body) if method == "POST" else {}
        except ValueError:
            return sp_error(400, "InvalidInput", "The body is not JSON")
        if rest == ["documents"] and method == "POST":
            if not isinstance(data, dict) or not data.get("contentType"):
                return sp_error(400, "InvalidInput", "contentType is required")
            return self.limited(account, "createFeedDocument") or self._create_document(
                account, headers
            )
        if rest[:1] == ["documents"] and len(rest) == 2 and method == "GET":
            return self.limited(account, "getFeedDocument") or self._get_document(
                account, rest[1], headers
            )
        if rest == ["feeds"] and method == "POST":
            return self._create_feed(account, data)
        if rest[:1] == ["feeds"] and len(rest) == 2 and method == "GET":
            return self.limited(account, "getFeed") or self._get_feed(account, rest[1])
        return sp_error(404, "NotFound", "Resource not found")

    def _create_document(self, account, headers):
        document_id, url = self._new_document(account, headers)
        return self.ok(201, {"feedDocumentId": document_id, "url": url})

    def _get_document(self, account, document_id, headers):
        document = self.documents.get(document_id)
        if not document or document["account"] != account:
            return sp_error(404, "NotFound", "Feed document not found")
        document["created"] = time.monotonic()  # a fresh presigned URL
        host = headers.get("Host") or "localhost"
        url = f"http://{host}/amazon/{account}/_documents/{document_id}"
        signed = f"{url}?X-Amz-Expires={URL_SECONDS}&X-Amz-Signature={document['signature']}"
        return self.ok(200, {"feedDocumentId": document_id, "url": signed})

    def _create_feed(self, account, data):
        if not isinstance(data, dict) or data.get("feedType") != FEED_TYPE:
            return sp_error(400, "InvalidInput", f"feedType must be {FEED_TYPE} here")
        if not isinstance(data.get("marketplaceIds"), list) or not data["marketplaceIds"]:
            return sp_error(400, "InvalidInput", "marketplaceIds is required")
        document = self.documents.get(str(data.get("inputFeedDocumentId")))
        if not document or document["account"] != account or document["content"] is None:
            return sp_error(400, "InvalidInput", "inputFeedDocumentId has no uploaded content")
        refused = self.limited(account, "createFeed", FEED_TYPE)
        if refused:
            return refused
        settings = self.account(account)
        feed_id = str(50000000000 + len(self.documents) * 1000 + secrets.randbelow(1000))
        try:
            content = json.loads(document["content"])
        except ValueError:
            content = None
        self.feeds.setdefault(account, {})[feed_id] = {
            "feedId": feed_id,
            "feedType": FEED_TYPE,
            "marketplaceIds": data["marketplaceIds"],
            "createdTime": now_iso(),
            "document": content if isinstance(content, dict) else None,
            "job": Job(
                id=feed_id,
                created=time.monotonic(),
                delay=settings.processing_delay,
                outcome=OUTCOMES.get(settings.feed_outcome, SUCCESS),
            ),
            "result": None,
        }
        return self.ok(202, {"feedId": feed_id})

    def _get_feed(self, account, feed_id):
        feed = self.feeds.get(account, {}).get(feed_id)
        if not feed:
            return sp_error(404, "NotFound", f"Feed {feed_id} not found")
        view = {key: feed[key] for key in ("feedId", "feedType", "marketplaceIds", "createdTime")}
        view["processingStatus"] = _state(feed, time.monotonic())
        if feed["result"]:
            view["resultFeedDocumentId"] = feed["result"]
            view["processingEndTime"] = feed["ended"]
        return self.ok(200, view)

    # -- processing ------------------------------------------------------------------------

    def _settle_feeds(self, account, now):
        for feed in self.feeds.get(account, {}).values():
            job = feed["job"]
            job.settle(now)
            if not job.settled or feed["result"] or job.outcome == TIMEOUT:
                continue
            if job.outcome == SUCCESS and _document_problem(
                feed["document"], self.account(account)
            ):
                job.outcome = FAILURE
            report = self._process(account, feed) if job.outcome == SUCCESS else self._fatal(feed)
            feed["result"] = self._new_document(account, {}, json.dumps(report).encode())[0]
            feed["ended"] = now_iso()

    def _process(self, account, feed):
        """Apply the valid messages; the processing report of the feed."""
        settings = self.account(account)
        listings = self.listings.get(account, {})
        issues, messages = [], feed["document"]["messages"]
        for message in messages:
            sku, number = message.get("sku"), message.get("messageId")
            quantity = _message_quantity(message)
            if sku not in listings:
                issues.append(_report_issue(number, sku, "18027", f"SKU '{sku}' does not exist."))
            elif quantity is None:
                problem = "A PATCH of fulfillment_availability with a DEFAULT quantity is needed."
                issues.append(_report_issue(number, sku, "90000900", problem))
            elif sku in settings.fail_skus:
                problem = "The quantity could not be applied to this listing."
                issues.append(_report_issue(number, sku, "90220", problem))
            else:
                restock = patched_restock(message.get("patches"))
                apply_quantity(listings[sku], quantity, restock)
        invalid = len({issue["messageId"] for issue in issues})
        return _report(settings.seller_id, feed["feedId"], issues, len(messages), invalid)

    def _fatal(self, feed):
        problem = _document_problem(feed["document"], None) or "The feed could not be processed."
        issue = {"code": "90001", "severity": "ERROR", "message": problem}
        count = len((feed["document"] or {}).get("messages") or [])
        return _report("", feed["feedId"], [issue], count, count)


def _state(feed, now):
    job = feed["job"]
    if job.state(now) == "PENDING":
        return "IN_QUEUE" if now < job.created + job.delay / 2 else "IN_PROGRESS"
    if job.outcome == SUCCESS and not feed["result"]:
        return "IN_PROGRESS"
    return STATES[job.outcome]


def _document_problem(document, settings):
    """Why a feed document cannot be processed (None: it can)."""
    if not isinstance(document, dict) or not isinstance(document.get("header"), dict):
        return "The feed document is not a JSON_LISTINGS_FEED (no header)."
    header = document["header"]
    if header.get("version") != "2.0":
        return "header.version must be 2.0."
    if settings is not None and header.get("sellerId") != settings.seller_id:
        return "header.sellerId is not the seller's."
    messages = document.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        return "messages must be a list of objects."
    numbers = [m.get("messageId") for m in messages]
    if len(set(numbers)) != len(numbers) or not all(isinstance(n, int) for n in numbers):
        return "messageId must be a unique integer per message."
    return None


def _message_quantity(message):
    if message.get("operationType") != "PATCH" or not message.get("productType"):
        return None
    return patched_quantity(message.get("patches"))[0]


def _report_issue(number, sku, code, message):
    return {"messageId": number, "sku": sku, "code": code, "severity": "ERROR", "message": message}


def _report(seller_id, feed_id, issues, processed, invalid):
    return {
        "header": {"sellerId": seller_id, "version": "2.0", "feedId": feed_id},
        "issues": issues,
        "summary": {
            "errors": len(issues),
            "warnings": 0,
            "messagesProcessed": processed,
            "messagesAccepted": processed - invalid,
            "messagesInvalid": invalid,
        },
    }
