"""Google's Merchant API v1 for Merchant Center accounts, under ``/merchant/`` (the
simulator's stand-in for ``https://merchantapi.googleapis.com``; the token endpoint,
Google's ``https://oauth2.googleapis.com/token``, is ``/merchant/token``).

* OAuth 2.0 for a service account (simulator/merchant_auth.py) and developer
  registration (simulator/merchant_registration.py);
* Products sub-API v1 (simulator/merchant_products.py): ``productInputs:insert`` /
  ``patch`` / ``delete`` into primary or supplemental API data sources, processed
  ``products.get`` / ``products.list`` after a processing delay, item-level issues;
* Inventories sub-API v1 (simulator/merchant_inventories.py): ``localInventories``
  ``insert`` / ``list`` / ``delete``;
* Accounts and Data sources v1: ``accounts.get`` and ``dataSources.list`` / ``get``
  (enough for a connection check);
* a per-minute quota per method and account (developers.google.com/merchant/api/guides/
  quotas-limits: "Quotas are per-method", "Each request counts once", per minute:
  ``quota/request_rate_too_high``): over it, 429 RESOURCE_EXHAUSTED;
* developer registration: the caller's GCP project must be registered with the account
  (simulator/merchant_registration.py), else 401 UNAUTHENTICATED;
* answers in ProtoJSON: fields at their default value (false, "", 0, empty lists) are
  left out (protobuf JSON mapping, developers.google.com/protocol-buffers/docs/
  proto3#json: "fields with default values are omitted by default");
* every error in Google's JSON format ``{"error": {"code", "message", "status",
  "details"}}`` (developers.google.com/merchant/api/guides/error-handling).

Fault injection is the server's (``add_fault`` with a path prefix such as
``/merchant/products/``); its answers carry Google's error body (``fault_body``) unless
the fault gives its own.
"""

import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from .common import Marketplace, RateLimits, Reply, Window
from .merchant_auth import MerchantAuth, google_error, invalid, not_found
from .merchant_inventories import MerchantInventories
from .merchant_issues import MerchantIssues
from .merchant_products import MerchantProducts
from .merchant_registration import MerchantRegistration

PREFIX = "/merchant/"
QUOTA_WINDOW = 60.0  # seconds: the documented quotas are per minute (and per day)
# Google adjusts the products and accounts quotas to each account's use and publishes
# no fixed figure any more (quotas-limits: "check your quotas with quotas.list"); the
# simulator's default per method, per minute, overridable per account (``quotas``)
DEFAULT_QUOTA_PER_MINUTE = 1000
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@dataclass
class MerchantSettings:
    """One Merchant Center account.

    ``processing_delay``: seconds before an inserted, patched or deleted product input
    shows in the processed product (Google: "it may take several minutes");
    ``data_sources``: {data source id: "PRIMARY" | "SUPPLEMENTAL"} (API data sources);
    ``quotas``: {method (e.g. "productInputs.insert"): calls per minute};
    ``country``: the target country when a feedLabel is not a country code;
    ``crawled_availability``: {product id (lang~label~offer): availability seen on the
    landing page}: a product whose availability differs is disapproved (page crawl).
    """

    processing_delay: float = 0.5
    data_sources: dict = field(default_factory=dict)
    quotas: dict = field(default_factory=dict)
    country: str = "US"
    account_name: str = "Simulator Store"
    crawled_availability: dict = field(default_factory=dict)


class Merchant(
    MerchantAuth,
    MerchantRegistration,
    MerchantProducts,
    MerchantIssues,
    MerchantInventories,
    Marketplace,
):
    name = "merchant"
    prefix = PREFIX
    config_key = "merchant"
    settings_class = MerchantSettings

    def _reset(self):
        self.quota_limits = RateLimits()
        self._reset_auth()
        self._reset_registrations()
        self._reset_products()
        self._reset_inventories()

    def stock(self):
        """Processed products' availability and local quantities, for ``/_sim/stock``."""
        with self.lock:
            now = time.monotonic()
            online, local = {}, {}
            for account in self.accounts_with_products():
                for product in self.processed_products(account, now):
                    attributes = product["productAttributes"]
                    online.setdefault(account, {})[product["name"].rsplit("/", 1)[1]] = {
                        "availability": attributes.get("availability"),
                        "availabilityDate": attributes.get("availabilityDate"),
                    }
            for (account, product_id), stores in self.local.items():
                for store, row in stores.items():
                    attrs = row.get("localInventoryAttributes", {})
                    local.setdefault(account, {}).setdefault(product_id, {})[store] = {
                        "availability": attrs.get("availability"),
                        "quantity": attrs.get("quantity"),
                    }
            return {"merchant": online, "merchant_local": local}

    # -- helpers for tests -------------------------------------------------------------

    def add_data_source(self, account, data_source_id, primary=True):
        """An API data source of ``account``; returns its name (``dataSource`` param)."""
        with self.lock:
            kind = "PRIMARY" if primary else "SUPPLEMENTAL"
            self.account(str(account)).data_sources[str(data_source_id)] = kind
        return f"accounts/{account}/dataSources/{data_source_id}"

    def set_quota(self, account, method, per_minute):
        """The per-minute quota of ``method`` (e.g. "productInputs.insert") for ``account``."""
        with self.lock:
            self.account(str(account)).quotas[method] = int(per_minute)

    def max_calls_in_window(self, account, method, seconds=QUOTA_WINDOW):
        """The most calls of ``method`` served within any ``seconds`` (a test's check)."""
        with self.lock:
            return self.quota_limits.max_in_window((str(account), method), seconds)

    @staticmethod
    def fault_body(status):
        """Google's error body for a fault answering ``status`` (the server asks it)."""
        name = STATUS_NAMES.get(status, "UNKNOWN")
        return google_error(status, name, f"Simulated {name}", name).payload

    # -- HTTP --------------------------------------------------------------------------

    def route(self, method, parts, query, headers, body):
        parts = [unquote(part) for part in parts]
        if parts == ["token"]:
            host = headers.get("Host") or "127.0.0.1"
            # the URL the client was given, over HTTP or HTTPS (``start(tls=True)``)
            uris = tuple(f"{scheme}://{host}{PREFIX}token" for scheme in ("http", "https"))
            return self._token(method, body, uris)
        if len(parts) < 4 or parts[1] != "v1" or parts[2] != "accounts" or not parts[3]:
            return not_found(f"The requested URL {PREFIX}{'/'.join(parts)} was not found.")
        api, account, rest = parts[0], parts[3], parts[4:]
        refused = self._unauthenticated(headers, account)
        if refused:
            return refused
        if not account.isdigit():
            return invalid(
                f"Invalid name: accounts/{account}: the account id must be a number.",
                "INVALID_NAME_PART_NOT_NUMBER",
            )
        if api == "accounts" and rest and rest[0].partition(":")[0] == "developerRegistration":
            if len(rest) != 1:
                return not_found("Method not found.")
            return self._developer_registration(
                account, method, rest[0].partition(":")[2], headers, body
            )
        refused = self._unregistered(headers, account)
        if refused:
            return refused
        handler = {
            "products": self._products_api,
            "inventories": self._inventories_api,
            "accounts": self._accounts_api,
            "datasources": self._datasources_api,
        }.get(api)
        if handler is None:
            return not_found(f"The requested URL {PREFIX}{'/'.join(parts)} was not found.")
        with self.lock:
            return handler(account, method, rest, query.params, body)

    def limited(self, account, api_method):
        """None when ``api_method`` may be called now for ``account``, else the 429."""
        settings = self.account(account)
        limit = int(settings.quotas.get(api_method, DEFAULT_QUOTA_PER_MINUTE))
        retry_after, _headers = self.quota_limits.take(
            (account, api_method), Window(limit, QUOTA_WINDOW)
        )
        if retry_after is None:
            return None
        return google_error(
            429,
            "RESOURCE_EXHAUSTED",
            f"[quota/request_rate_too_high] Quota exceeded for quota metric "
            f"'{api_method} requests' and limit '{api_method} requests per minute' of "
            f"account {account}: {limit} per minute.",
            "RATE_LIMIT_EXCEEDED",
            quota_limit=f"{api_method}-per-minute",
            quota_limit_value=str(limit),
        )

    def _accounts_api(self, account, method, rest, params, body):
        """Accounts v1 ``accounts.get`` (GET /accounts/v1/accounts/{account})."""
        if rest or method != "GET":
            return not_found("Method not found.")
        settings = self.account(account)
        return self.limited(account, "accounts.get") or Reply(
            200,
            {
                "name": f"accounts/{account}",
                "accountId": account,
                "accountName": settings.account_name,
                "timeZone": {"id": "Europe/Paris"},
                "languageCode": "en-US",
            },
        )

    def _datasources_api(self, account, method, rest, params, body):
        """Data sources v1 ``dataSources.list`` and ``dataSources.get`` (API inputs)."""
        sources = self.account(account).data_sources
        if method != "GET" or len(rest) not in (1, 2) or rest[0] != "dataSources":
            return not_found("Method not found.")
        if len(rest) == 2:
            if rest[1] not in sources:
                return not_found(f"Data source accounts/{account}/dataSources/{rest[1]} not found.")
            return self.limited(account, "dataSources.get") or Reply(
                200, _data_source(account, rest[1], sources[rest[1]])
            )
        listed = [_data_source(account, i, k) for i, k in sorted(sources.items())]
        # ProtoJSON leaves out empty repeated fields: no data source, no "dataSources"
        return self.limited(account, "dataSources.list") or Reply(
            200, {"dataSources": listed} if listed else {}
        )


def _data_source(account, source_id, kind):
    """A DataSource resource (datasources_v1): primary or supplemental, API input; its
    empty countries, feedLabel and contentLanguage left out as ProtoJSON does."""
    primary = kind == "PRIMARY"
    source = {
        "name": f"accounts/{account}/dataSources/{source_id}",
        "dataSourceId": source_id,
        "displayName": f"{'Primary' if primary else 'Supplemental'} API source {source_id}",
        "input": "API",
    }
    if primary:
        source["primaryProductDataSource"] = {}
    else:
        source["supplementalProductDataSource"] = {}
    return source
