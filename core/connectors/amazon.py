"""Amazon Selling Partner API: merchant-fulfilled stock (Listings Items ``merge`` patches,
one JSON_LISTINGS_FEED for large pushes), confirmed later (the listing, or the feed's
processing report), the orders polled (Orders v2026-01-01 ``searchOrders``; the v0
getOrders is deprecated, to be migrated by 2027-03-27), shipments confirmed back (v0
``confirmShipment``, not deprecated), quantities and the catalogue read back.

Configuration: ``endpoint_url`` the regional API host (e.g.
``https://sellingpartnerapi-eu.amazon.com``); ``api_key`` / ``api_secret`` the Login with
Amazon client id and secret; the settings (SETTINGS): ``refresh_token`` the seller's
refresh token; ``token_url`` empty for Amazon's (https://api.amazon.com/auth/o2/token);
``seller_id`` and ``marketplace_id`` (one marketplace per channel); ``product_type``
(sent with every patch; default PRODUCT), ``feed_threshold`` (pushes of more items go as
one feed; default 50). No AWS signature: the access token alone (``x-amz-access-token``).

Out of scope: the seller's cancellations (nothing is sent for a cancelled status; cancel
in Seller Central), FBA stock (listings fulfilled by Amazon are left out of the catalogue)."""

import json
from urllib.parse import quote

from ..errors import PermanentError, RetryableError
from ..idempotency import idempotency_key, iso_utc, utc_now
from ..ratelimit import strictest, token_bucket
from . import amazon_feeds as feeds
from . import amazon_orders as orders
from . import check, settings
from .amazon_api import DEFAULT_TOKEN_URL, FORBIDDEN, AmazonApi, TokenRefused
from .base import (
    AMAZON,
    FAILURE,
    HEADER_CONTENT_TYPE,
    CatalogEntry,
    PolledMessage,
    PushResult,
    Verdict,
    register,
)

DEFAULT_FEED_THRESHOLD = 50
CATALOG_PAGE = 20
BODY_CHARS = 4000
CONFIRM_TIMEOUT_MINUTES = 60
PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"
SETTINGS = (
    settings.Setting(
        "seller_id", "Seller Id", help="The seller id (merchant token).", required=True
    ),
    settings.Setting(
        "marketplace_id",
        "Marketplace Id",
        help="The marketplace id (e.g. A1PA6795UKMFR9 for .de).",
        required=True,
    ),
    settings.Setting(
        "refresh_token",
        "Refresh Token",
        help="The seller's Login with Amazon refresh token (the API Key and API Secret are "
        "the app's LWA client id and secret).",
        required=True,
        secret=True,
    ),
    settings.token_url(DEFAULT_TOKEN_URL),
    settings.Setting(
        "product_type",
        "Product Type",
        help="The product type sent with each quantity patch.",
        default=feeds.DEFAULT_PRODUCT_TYPE,
    ),
    settings.Setting(
        "feed_threshold",
        "Feed Above (SKUs)",
        help="A push of more SKUs than this goes as one listings feed instead of one patch "
        "per SKU.",
        kind=settings.INT,
        default=DEFAULT_FEED_THRESHOLD,
    ),
    settings.confirm_timeout(CONFIRM_TIMEOUT_MINUTES),
)


@register(AMAZON, "Amazon")
class AmazonConnector(AmazonApi):
    """Limits are Amazon's usage plans per operation (requests per second, burst): each
    endpoint name below is one operation. searchOrders allows one request every 3 min
    (0.0056/s) with a burst of 20: a poll every 5 minutes reads up to 20 pages (2,000
    changed orders) at once, the bucket refilling between polls."""

    order_format = orders
    settings = SETTINGS

    confirms_async = True
    max_batch_size = 1000
    check_interval = 30.0
    confirm_timeout_minutes = CONFIRM_TIMEOUT_MINUTES
    polls_orders = True
    poll_interval_minutes = 5
    poll_overlap_minutes = 10
    # Amazon's usage plans (rate a second, burst), each kept with a token spare
    limits = {
        "listings": token_bucket(5, 5),  # patchListingsItem
        "listing_reads": token_bucket(5, 5),  # getListingsItem
        "listing_search": token_bucket(5, 5),  # searchListingsItems
        "feed_documents": token_bucket(0.5, 15),  # createFeedDocument
        # createFeed's usage plan is 0.0083 a second (one every 2 minutes) with a burst
        # of 15; a JSON_LISTINGS_FEED counts in 5 per 5 minutes too: within both
        "feeds": strictest(token_bucket(0.0083, 15), token_bucket(5 / 300, 5)),
        "feed_status": token_bucket(2, 15),  # getFeed
        "feed_results": token_bucket(0.0222, 10),  # getFeedDocument
        "orders": token_bucket(0.0056, 20),  # searchOrders
        "order": token_bucket(0.5, 30),  # getOrder
        "shipments": token_bucket(2, 10),  # confirmShipment
        "participations": token_bucket(0.016, 15),  # getMarketplaceParticipations
    }
    refused_hint = (
        "Login with Amazon refuses the client id and secret: paste the LWA credentials of "
        "your SP-API app (Seller Central > Develop apps) as the API Key and API Secret."
    )
    grant_hint = (
        "Login with Amazon refuses the Refresh Token: authorise the app again in Seller "
        "Central and paste the new refresh token."
    )
    scope_hint = (
        "give the app the Product Listing, Inventory and Order Management roles, then "
        "authorise it again and paste the new Refresh Token."
    )
    endpoint_hint = "the region's https://sellingpartnerapi-eu.amazon.com"

    @property
    def _product_type(self):
        return str(self.setting("product_type") or feeds.DEFAULT_PRODUCT_TYPE)

    # -- stock --------------------------------------------------------------------

    def push(self, items):
        """One PATCH per SKU (5 per second), or one feed above ``feed_threshold``
        items. Nothing is applied at the answer: ``tracking`` names what to check."""
        items = self._check_batch(items)
        self._check_config()
        threshold = self.setting("feed_threshold")
        threshold = DEFAULT_FEED_THRESHOLD if threshold is None else threshold
        result = PushResult(
            status=0,
            body="",
            request_body="",
            idempotency_key=idempotency_key(self.config.code, items),
            accepted_at=None,
        )
        if len(items) > threshold:
            self._push_feed(items, result)
        else:
            self._push_listings(items, result)
        result.accepted_at = utc_now()
        return result

    def _push_listings(self, items, result):
        answers, sent = [], {}
        for index, item in enumerate(items):
            payload = feeds.patch_body(self._product_type, item)
            try:
                response = self._call(
                    "PATCH",
                    self._listing_path(item.sku),
                    "listings",
                    {"marketplaceIds": self.setting("marketplace_id")},
                    payload,
                )
                answer = self._json(response)
            except PermanentError as error:
                if isinstance(error, TokenRefused) or error.status in (None, 401, FORBIDDEN):
                    self._stop(items[index:], result, error)
                    break
                result.item_errors[item.sku] = str(error)
                continue
            except RetryableError as error:
                self._stop(items[index:], result, error)
                break
            sent[item.sku] = payload
            answers.append(answer)
            result.status = response.status_code
            self._listing_answer(item, answer, result)
        result.body = self._redact(json.dumps(answers))[:BODY_CHARS]
        result.request_body = json.dumps(sent)[:BODY_CHARS]

    def _stop(self, rest, result, error):
        """An error not of one item: the items not sent yet are sent again later (a
        rate limit: waited out); when nothing went through, the push failed."""
        if not (result.tracking or result.item_errors):
            raise error
        for item in rest:
            result.retry_errors[item.sku] = str(error)
            if getattr(error, "throttled", False):
                result.throttled[item.sku] = error.seconds

    @staticmethod
    def _listing_answer(item, answer, result):
        status = answer.get("status")
        if status == feeds.ACCEPTED and answer.get("submissionId"):
            result.tracking[item.sku] = feeds.listing_id(
                item.sku, item.quantity, answer["submissionId"]
            )
        elif status == feeds.INVALID:
            message = feeds.issues_message(answer.get("issues")) or "INVALID"
            result.item_errors[item.sku] = f"amazon: {message}"
        else:
            result.retry_errors[item.sku] = f"amazon: unexpected answer {status!r}"

    def _push_feed(self, items, result):
        """createFeedDocument, upload to its presigned URL, createFeed."""
        document = feeds.feed_document(self.setting("seller_id"), self._product_type, items)
        content = json.dumps(document).encode("utf-8")
        created = self._json(
            self._call(
                "POST",
                f"{feeds.API_FEEDS}/documents",
                "feed_documents",
                payload={"contentType": feeds.FEED_CONTENT_TYPE},
            )
        )
        if not (created.get("url") and created.get("feedDocumentId")):
            raise PermanentError(f"{self.code}: createFeedDocument gave no url or document id")
        upload = self._request(
            "PUT",
            created["url"],
            body=content,
            headers={HEADER_CONTENT_TYPE: feeds.FEED_CONTENT_TYPE},
        )
        self.classify(upload)
        request = {
            "feedType": feeds.FEED_TYPE,
            "marketplaceIds": [self.setting("marketplace_id")],
            "inputFeedDocumentId": created["feedDocumentId"],
        }
        response = self._call("POST", f"{feeds.API_FEEDS}/feeds", "feeds", payload=request)
        feed = str(self._json(response).get("feedId") or "")
        if not feed:
            raise PermanentError(self._error_message(response, "no feedId"))
        result.status = response.status_code
        result.body = self._redact(response.text)
        result.request_body = content.decode("utf-8")
        result.remote_id = feed
        result.tracking = {item.sku: feeds.feed_id(feed) for item in items}

    # -- verdicts --------------------------------------------------------------------

    def check_pushes(self, tracking):
        """The listing of each ``listing:`` id, the feed (and its report once DONE) of
        each ``feed:`` id; an id left out (a rate limit on the way) stays pending."""
        self._check_config()
        verdicts = {}
        for remote_id, skus in tracking.items():
            try:
                if remote_id.startswith(feeds.LISTING_PREFIX):
                    verdicts[remote_id] = self._listing_verdict(remote_id)
                elif remote_id.startswith(feeds.FEED_PREFIX):
                    verdicts[remote_id] = self._feed_verdict(remote_id, skus)
            except RetryableError:
                if verdicts:
                    return verdicts
                raise
        return verdicts

    def _listing_verdict(self, remote_id):
        sku, _quantity = feeds.parse_listing_id(remote_id)
        try:
            response, listing = self._listing(sku, "issues,fulfillmentAvailability")
        except PermanentError as error:
            if error.status != 404:
                raise
            reason = "the listing no longer exists on Amazon"
            return Verdict(FAILURE, item_errors={sku: reason}, reason=reason, body=error.body)
        return feeds.listing_verdict(remote_id, listing, self._redact(response.text))

    def _feed_verdict(self, remote_id, skus):
        feed_id = remote_id[len(feeds.FEED_PREFIX) :]
        response = self._call("GET", f"{feeds.API_FEEDS}/feeds/{quote(feed_id)}", "feed_status")
        feed = self._json(response)
        verdict = feeds.feed_state_verdict(feed, self._redact(response.text))
        document = feed.get("resultFeedDocumentId")
        if verdict is not None and not (verdict.state == FAILURE and document):
            return verdict
        report, text = self._feed_report(document) if document else ({}, "")
        if verdict is not None:  # FATAL with a report: its issues say why
            why = feeds.issues_message(report.get("issues"))
            reason = f"{verdict.reason}: {why}" if why else verdict.reason
            return Verdict(FAILURE, reason=reason, body=text)
        return feeds.report_verdict(report, skus, text)

    def _feed_report(self, document_id):
        path = f"{feeds.API_FEEDS}/documents/{quote(str(document_id))}"
        document = self._json(self._call("GET", path, "feed_results"))
        if not document.get("url"):
            raise PermanentError(f"{self.code}: feed document {document_id} has no url")
        download = self._request("GET", document["url"])
        self.classify(download)
        try:
            report = feeds.decode_document(download.content, document.get("compressionAlgorithm"))
        except (ValueError, OSError):
            raise PermanentError(self._error_message(download, "unreadable report")) from None
        return report, download.text[:BODY_CHARS]

    # -- read-back and catalogue -------------------------------------------------------

    def read_quantities(self, skus, refs=None):
        """The DEFAULT channel's quantity of each SKU (getListingsItem, 5 per second);
        SKUs Amazon does not know are left out."""
        self._check_config()
        quantities = {}
        for sku in dict.fromkeys(str(sku) for sku in skus):
            try:
                _response, listing = self._listing(sku, "fulfillmentAvailability")
            except PermanentError as error:
                if error.status == 404:
                    continue
                raise
            quantity = feeds.default_quantity(listing)
            if quantity is not None:
                quantities[sku] = quantity
        return quantities

    def list_catalog(self):
        """Every listing (searchListingsItems, 20 a page): SKU and ASIN; those fulfilled
        by Amazon (FBA) are marked so: their stock is Amazon's, never pushed."""
        self._check_config()
        params = {
            "marketplaceIds": self.setting("marketplace_id"),
            "includedData": "summaries,fulfillmentAvailability",
            "pageSize": CATALOG_PAGE,
        }
        while True:
            answer = self._json(self._call("GET", self._listing_path(), "listing_search", params))
            for listing in answer.get("items") or []:
                if not isinstance(listing, dict):
                    continue
                summaries = [s for s in listing.get("summaries") or [] if isinstance(s, dict)]
                asin = next((s.get("asin") for s in summaries if s.get("asin")), "")
                yield CatalogEntry(
                    sku=str(listing.get("sku") or ""),
                    external_id=str(asin or ""),
                    quantity=feeds.default_quantity(listing),
                    fulfilled_by_channel=feeds.fulfilled_by_amazon(listing),
                )
            token = (answer.get("pagination") or {}).get("nextToken")
            if not token:
                return
            params = {**params, "pageToken": token}

    # -- orders ---------------------------------------------------------------------------

    def poll_orders(self, cursor):
        """Merchant-fulfilled orders changed since ``cursor`` less the overlap, every page
        (FBA orders are Amazon's to ship: not read); a CANCELLED one is a cancellation."""
        params = {
            "lastUpdatedAfter": orders.updated_after(cursor, self.poll_overlap_minutes),
            "fulfilledBy": orders.MERCHANT,
            "includedData": orders.POLL_DATA,
            "maxResultsPerPage": orders.PAGE_SIZE,
        }
        if self.setting("marketplace_id"):
            params["marketplaceIds"] = self.setting("marketplace_id")
        messages, newest = [], cursor or ""
        while True:
            answer = self._json(self._call("GET", orders.API_ORDERS, "orders", params))
            for order in answer.get("orders") or []:
                if not isinstance(order, dict):
                    continue
                newest = orders.newest(newest, order)
                messages.append(
                    PolledMessage(
                        kind=orders.message_kind(order),
                        body=json.dumps(order).encode("utf-8"),
                        delivery_id=orders.delivery_id(order),
                        external_id=str(order.get("orderId") or ""),
                    )
                )
            token = (answer.get("pagination") or {}).get("nextToken")
            if not token:
                return messages, newest
            params = {**params, "paginationToken": token}

    def probe(self):
        """An access token, then the seller's marketplaces (getMarketplaceParticipations):
        the channel's Marketplace Id must be one of them."""
        self._check_config()
        try:
            self._token()
        except TokenRefused as error:
            grant = "invalid_grant" in (error.body or "")
            raise check.CredentialsRefused(
                self.grant_hint if grant else self.refused_hint
            ) from None
        answer = self._json(self._call("GET", PARTICIPATIONS, endpoint="participations"))
        ids = [
            str((row.get("marketplace") or {}).get("id") or "")
            for row in answer.get("payload") or []
            if isinstance(row, dict)
        ]
        wanted = str(self.setting("marketplace_id") or "")
        if wanted and wanted not in ids:
            raise PermanentError(
                f"{self.label}: the seller does not sell on marketplace {wanted} "
                f"(it sells on {', '.join(ids) or 'none'}): check the Marketplace Id."
            )
        return f"seller on {len(ids)} marketplace(s)"

    def push_order_status(self, external_order_id, body, sequence=None):
        """Each shipment Amazon does not have yet (getOrder's packages) confirmed with its
        tracking (confirmShipment, 204); nothing for a cancellation (out of scope)."""
        self._check_config()
        order_id = str(external_order_id)
        path = f"{orders.API_ORDERS}/{quote(order_id, safe='')}"
        order = self._json(
            self._call("GET", path, "order", {"includedData": orders.ORDER_DATA})
        ).get("order")
        if not isinstance(order, dict):
            raise PermanentError(f"{self.code}: order {order_id} not found on Amazon")
        ship_date = iso_utc(utc_now(), timespec="milliseconds")
        planned, problems = orders.plan_shipments(
            order, body, self.setting("marketplace_id"), ship_date
        )
        status = 200
        for request in planned:
            url = orders.API_SHIPMENT.format(order_id=quote(order_id, safe=""))
            status = self._call("POST", url, "shipments", payload=request).status_code
        if problems:
            raise PermanentError(f"{self.code}: {'; '.join(problems)}", request=json.dumps(planned))
        return PushResult(
            status=status,
            body=json.dumps(planned),
            request_body=json.dumps(planned),
            idempotency_key=f"{self.config.code}:{order_id}:{sequence}",
            accepted_at=utc_now(),
        )
