"""Amazon's Selling Partner API for one seller account, under ``/amazon/<account>/``:

* Login with Amazon: ``POST auth/o2/token`` (form, refresh token grant) hands out access
  tokens living ``token_seconds``; every SP-API call checks ``x-amz-access-token`` (403
  Unauthorized, expired or invalid);
* usage plans: a token bucket per operation (rate per second, burst), 429 QuotaExceeded
  without Retry-After, ``x-amzn-RateLimit-Limit`` on the answers served;
* Listings Items 2021-08-01: ``PATCH`` (ACCEPTED, applied ``processing_delay`` seconds
  later; an ERROR issue instead for ``fail_skus``; INVALID at once for unknown SKUs or
  bad patches), ``GET`` one (issues, fulfillmentAvailability, summaries), search (paged);
* Feeds 2021-06-30 (simulator/amazon_feeds.py) and Orders (simulator/amazon_orders.py);
* Sellers v1 ``GET sellers/v1/marketplaceParticipations``: the seller's marketplace.
"""

import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from .amazon_feeds import (
    ATTRIBUTE,
    RESTOCK_DATE,
    AmazonFeeds,
    apply_quantity,
    listing_issue,
    patched_quantity,
    patched_restock,
)
from .amazon_orders import AmazonOrders, sp_error
from .common import FAILURE, SUCCESS, Job, Marketplace, RateLimits, Reply, now_iso, same

HEADER_TOKEN = "x-amz-access-token"
HEADER_LIMIT = "x-amzn-RateLimit-Limit"
HEADER_REQUEST_ID = "x-amzn-RequestId"
CHANNEL_DEFAULT = "DEFAULT"
SEARCH_PAGE = 20
# a request arriving this fraction of a token early is served (clocks of both sides)
BUCKET_TOLERANCE = 0.05
# operation -> (rate per second, burst): the usage plans of Amazon's models
USAGE_PLANS = {
    "patchListingsItem": (5.0, 5),
    "getListingsItem": (5.0, 5),
    "searchListingsItems": (5.0, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    # JSON_LISTINGS_FEED on top of createFeed's plan: 5 submissions per 5 minutes
    "JSON_LISTINGS_FEED": (5 / 300, 5),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "getMarketplaceParticipations": (0.016, 15),
}
EXPIRED = "The access token you provided has expired."
INVALID_TOKEN = "The access token you provided is revoked, malformed or invalid."
MISSING_TOKEN = "Access token is missing in the request header."
QUOTA = "You exceeded your quota for the requested resource."


@dataclass
class AmazonSettings:
    """One seller account: its app's LWA credentials and refresh token, ids, token
    lifetime, processing delay, the SKUs whose patches fail later, how feeds end (DONE,
    FATAL or CANCELLED), usage plans overridden ({operation: [rate, burst]}) and the
    largest page of searchOrders."""

    client_id: str = "amzn1.application-oa2-client.simulator"
    client_secret: str = "simulator-lwa-secret"
    refresh_token: str = "Atzr|simulator-refresh-token"
    seller_id: str = "A3SIMULATOR"
    marketplace_id: str = "A1PA6795UKMFR9"
    token_seconds: int = 3600
    processing_delay: float = 2.0
    fail_skus: list = field(default_factory=list)
    feed_outcome: str = "DONE"
    rate_limits: dict = field(default_factory=dict)
    max_page_size: int = 100


class UsagePlans(RateLimits):
    """Amazon's token buckets: ``rate`` tokens a second up to ``burst``; a request takes
    one from each bucket it counts in, or none when one is empty (429). ``served`` as
    RateLimits keeps it (for tests' ``max_in_window``)."""

    def __init__(self, clock=time.monotonic):
        super().__init__(clock)
        self.levels = {}  # key -> (tokens, when)

    def take_all(self, plans):
        """True when every (key, rate, burst) of ``plans`` has a token (each then taken)."""
        now = self.clock()
        levels = {}
        for key, rate, burst in plans:
            tokens, when = self.levels.get(key, (float(burst), now))
            levels[key] = min(float(burst), tokens + (now - when) * rate)
        allowed = all(tokens >= 1 - BUCKET_TOLERANCE for tokens in levels.values())
        for key, tokens in levels.items():
            self.levels[key] = (tokens - 1 if allowed else tokens, now)
            if allowed:
                self.served.setdefault(key, []).append(now)
        return allowed


class Amazon(AmazonFeeds, AmazonOrders, Marketplace):
    name = "amazon"
    prefix = "/amazon/"
    config_key = "amazon"
    settings_class = AmazonSettings

    def _reset(self):
        self.limits = UsagePlans()
        self.served_headers = {}  # the last served answer's (under the lock)
        self.tokens = {}  # access token -> (account, when it expires: monotonic)
        self.token_fetches = {}  # account -> count
        self.listings = {}  # account -> {sku: listing}
        self.jobs = {}  # account -> [Job] of accepted patches
        self._reset_feeds()
        self._reset_orders()

    def stock(self):
        with self.lock:
            for account in set(self.jobs) | set(self.feeds):
                self._settle(account)
            return {
                "amazon": {
                    account: {sku: row["quantity"] for sku, row in rows.items()}
                    for account, rows in self.listings.items()
                },
                # future stock: the restock dates the listings hold
                "amazon_restock_dates": {
                    account: {
                        sku: row[RESTOCK_DATE] for sku, row in rows.items() if row.get(RESTOCK_DATE)
                    }
                    for account, rows in self.listings.items()
                },
            }

    # -- helpers for tests ---------------------------------------------------------

    def add_listing(
        self, account, sku, quantity=0, product_type="PRODUCT", fulfillment=CHANNEL_DEFAULT
    ):
        """A listing of the seller (``fulfillment`` AMAZON_EU: fulfilled by Amazon)."""
        with self.lock:
            listing = {
                "sku": sku,
                "asin": f"B0{secrets.token_hex(4).upper()}",
                "productType": product_type,
                "fulfillment": fulfillment,
                "quantity": int(quantity),
                "issues": [],
                "created": now_iso(),
                "updated": now_iso(),
            }
            self.listings.setdefault(account, {})[sku] = listing
            return dict(listing)

    def listing(self, account, sku):
        """A copy of the listing as it is now (accepted patches applied when done)."""
        with self.lock:
            self._settle(account)
            row = self.listings.get(account, {}).get(sku)
            return json.loads(json.dumps(row)) if row else None

    def quantity(self, account, sku):
        row = self.listing(account, sku)
        return row["quantity"] if row else None

    def restock_date(self, account, sku):
        """The listing's restock date (ISO), None when it has none."""
        row = self.listing(account, sku)
        return row.get(RESTOCK_DATE) if row else None

    def set_quantity(self, account, sku, quantity):
        """Someone changes the quantity in Seller Central."""
        with self.lock:
            self.listings[account][sku]["quantity"] = int(quantity)

    def expire_tokens(self, account):
        """Every access token of ``account`` expires now (Amazon answers 403 "expired")."""
        with self.lock:
            for token, (owner, _expires) in list(self.tokens.items()):
                if owner == account:
                    self.tokens[token] = (owner, 0.0)

    def token_requests(self, account):
        """How many access tokens ``account`` was given."""
        with self.lock:
            return self.token_fetches.get(account, 0)

    # -- HTTP ------------------------------------------------------------------------

    def route(self, method, parts, query, headers, body):
        parts = [unquote(part) for part in parts]
        if len(parts) < 2 or not parts[0]:
            return sp_error(404, "NotFound", "Resource not found")
        account, rest = parts[0], parts[1:]
        if rest == ["auth", "o2", "token"]:
            return self._token(account, method, body)
        if rest[:1] == ["_documents"] and len(rest) == 2:
            return self._document(account, method, rest[1], query.params, headers, body)
        refused = self._unauthorized(account, headers)
        if refused:
            return refused
        with self.lock:
            self._settle(account)
            reply = self._api(account, method, rest, query.params, headers, body)
        reply.headers.setdefault(HEADER_REQUEST_ID, str(uuid.uuid4()))
        return reply

    def _api(self, account, method, rest, params, headers, body):
        if rest[:3] == ["listings", "2021-08-01", "items"] and len(rest) in (4, 5):
            return self._listings(account, method, rest[3:], params, body)
        if rest[:2] == ["feeds", "2021-06-30"]:
            return self._feeds(account, method, rest[2:], params, headers, body)
        if rest[:1] == ["orders"]:
            return self._orders(account, method, rest[1:], params, body)
        if rest == ["sellers", "v1", "marketplaceParticipations"] and method == "GET":
            return self.limited(account, "getMarketplaceParticipations") or self.ok(
                200, {"payload": [self._participation(account)]}
            )
        return sp_error(404, "NotFound", "Resource not found")

    def _participation(self, account):
        """Sellers API: the seller's one marketplace, where it sells."""
        marketplace = {
            "id": self.account(account).marketplace_id,
            "countryCode": "DE",
            "name": "Amazon.de",
            "defaultCurrencyCode": "EUR",
            "defaultLanguageCode": "de_DE",
            "domainName": "www.amazon.de",
        }
        return {
            "marketplace": marketplace,
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
        }

    def limited(self, account, *operations):
        """None when a request of ``operations`` may be served (the headers to add are
        kept in ``self.served_headers``), else the 429 answer."""
        settings = self.account(account)
        plans = []
        for operation in operations:
            rate, burst = settings.rate_limits.get(operation) or USAGE_PLANS[operation]
            plans.append(((account, operation), float(rate), int(burst)))
        if not self.limits.take_all(plans):
            return sp_error(429, "QuotaExceeded", QUOTA)
        self.served_headers = {HEADER_LIMIT: f"{plans[0][1]:g}"}
        return None

    def ok(self, status, payload):
        """A served answer, with the usage plan's rate."""
        return Reply(status, payload, dict(self.served_headers))

    # -- Login with Amazon ---------------------------------------------------------------

    def _token(self, account, method, body):
        if method != "POST":
            return Reply(405, {"error": "invalid_request", "error_description": "POST only"})
        form = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
        settings = self.account(account)
        if form.get("grant_type") != "refresh_token":
            return _lwa_error("unsupported_grant_type", "The grant type is not supported")
        if not (
            same(settings.client_id, form.get("client_id"))
            and same(settings.client_secret, form.get("client_secret"))
        ):
            return Reply(401, {"error": "invalid_client", "error_description": "Unknown client"})
        if not same(settings.refresh_token, form.get("refresh_token")):
            return _lwa_error("invalid_grant", "The request has an invalid grant parameter")
        token = f"Atza|{secrets.token_urlsafe(24)}"
        with self.lock:
            self.tokens[token] = (account, time.monotonic() + settings.token_seconds)
            self.token_fetches[account] = self.token_fetches.get(account, 0) + 1
        return Reply(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": settings.token_seconds,
                "refresh_token": settings.refresh_token,
            },
        )

    def _unauthorized(self, account, headers):
        token = headers.get(HEADER_TOKEN)
        if not token:
            return _denied(MISSING_TOKEN)
        with self.lock:
            owner, expires = self.tokens.get(token, (None, 0.0))
        if owner != account:
            return _denied(INVALID_TOKEN)
        if time.monotonic() >= expires:
            return _denied(EXPIRED)
        return None

    # -- listings -------------------------------------------------------------------------

    def _listings(self, account, method, rest, params, body):
        settings = self.account(account)
        if rest[0] != settings.seller_id:
            return sp_error(403, "Unauthorized", "Access to requested resource is denied.")
        if not (params.get("marketplaceIds") or [""])[0]:
            return sp_error(400, "InvalidInput", "Missing required marketplaceIds")
        if len(rest) == 1:
            if method != "GET":
                return sp_error(405, "MethodNotAllowed", "Method not allowed")
            return self.limited(account, "searchListingsItems") or self._search(account, params)
        if method == "PATCH":
            return self.limited(account, "patchListingsItem") or self._patch(account, rest[1], body)
        if method == "GET":
            return self.limited(account, "getListingsItem") or self._get(account, rest[1], params)
        return sp_error(405, "MethodNotAllowed", "Method not allowed")

    def _patch(self, account, sku, body):
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return sp_error(400, "BAD_REQUEST", "Invalid input", "body is not JSON")
        if not isinstance(data, dict) or not data.get("productType") or not data.get("patches"):
            return sp_error(400, "BAD_REQUEST", "Invalid input", "productType and patches")
        submission = str(uuid.uuid4())
        listing = self.listings.get(account, {}).get(sku)
        quantity, problem = patched_quantity(data["patches"])
        restock = patched_restock(data["patches"]) if not problem else None
        if listing is None:
            problem = f"SKU '{sku}' does not exist in this marketplace."
        if problem:
            issue = listing_issue("90000900", problem, ["fulfillment_availability"])
            return self.ok(
                200,
                {"sku": sku, "status": "INVALID", "submissionId": submission, "issues": [issue]},
            )
        settings = self.account(account)
        self.jobs.setdefault(account, []).append(
            Job(
                id=submission,
                created=time.monotonic(),
                delay=settings.processing_delay,
                outcome=FAILURE if sku in settings.fail_skus else SUCCESS,
                apply=lambda job: apply_quantity(
                    listing, job.detail["quantity"], job.detail["restock"]
                ),
                detail={"sku": sku, "quantity": quantity, "restock": restock},
            )
        )
        return self.ok(
            200, {"sku": sku, "status": "ACCEPTED", "submissionId": submission, "issues": []}
        )

    def _settle(self, account):
        """Accepted patches done by now: applied, or an ERROR issue on the listing."""
        now = time.monotonic()
        waiting = []
        for job in self.jobs.get(account, []):
            job.settle(now)
            if not job.settled:
                waiting.append(job)
            elif job.outcome == FAILURE:
                listing = self.listings.get(account, {}).get(job.detail["sku"])
                if listing is not None:
                    message = "The quantity could not be applied to this listing."
                    listing["issues"].append(listing_issue("90220", message, [ATTRIBUTE]))
        self.jobs[account] = waiting
        self._settle_feeds(account, now)

    def _get(self, account, sku, params):
        listing = self.listings.get(account, {}).get(sku)
        if listing is None:
            return sp_error(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace.")
        included = ",".join(params.get("includedData") or ["summaries"]).split(",")
        marketplace = params["marketplaceIds"][0]
        return self.ok(200, _listing_view(listing, included, marketplace))

    def _search(self, account, params):
        size = int((params.get("pageSize") or [10])[0])
        if not 1 <= size <= SEARCH_PAGE:
            return sp_error(400, "InvalidInput", f"pageSize must be 1 to {SEARCH_PAGE}")
        start = int((params.get("pageToken") or ["0"])[0] or 0)
        rows = sorted(self.listings.get(account, {}).values(), key=lambda row: row["sku"])
        included = ",".join(params.get("includedData") or ["summaries"]).split(",")
        marketplace = params["marketplaceIds"][0]
        answer = {
            "numberOfResults": len(rows),
            "items": [
                _listing_view(row, included, marketplace) for row in rows[start : start + size]
            ],
        }
        if start + size < len(rows):
            answer["pagination"] = {"nextToken": str(start + size)}
        return self.ok(200, answer)


def _denied(details):
    return sp_error(403, "Unauthorized", "Access to requested resource is denied.", details)


def _lwa_error(code, description):
    return Reply(400, {"error": code, "error_description": description})


def _listing_view(listing, included, marketplace):
    """getListingsItem's item with the ``included`` data sets."""
    view = {"sku": listing["sku"]}
    if "summaries" in included:
        view["summaries"] = [
            {
                "marketplaceId": marketplace,
                "asin": listing["asin"],
                "productType": listing["productType"],
                "conditionType": "new_new",
                "status": ["BUYABLE", "DISCOVERABLE"],
                "itemName": f"Item {listing['sku']}",
                "createdDate": listing["created"],
                "lastUpdatedDate": listing["updated"],
            }
        ]
    if "issues" in included:
        view["issues"] = [dict(issue) for issue in listing["issues"]]
    if "fulfillmentAvailability" in included:
        view["fulfillmentAvailability"] = [
            {"fulfillmentChannelCode": listing["fulfillment"], "quantity": listing["quantity"]}
        ]
    if "attributes" in included:  # the listing's attributes, as the seller set them
        availability = {
            "fulfillment_channel_code": listing["fulfillment"],
            "quantity": listing["quantity"],
        }
        if listing.get(RESTOCK_DATE):
            availability[RESTOCK_DATE] = listing[RESTOCK_DATE]
        view["attributes"] = {ATTRIBUTE: [availability]}
    return view
