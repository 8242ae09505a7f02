"""Google Merchant Center (Merchant API v1): what is in stock, where and when, for
Shopping ads and free listings.

Per variant (its SKU is the product's offer id), one ``productInputs:insert`` into the
supplemental data source the manager names: only ``availability`` (IN_STOCK,
OUT_OF_STOCK, BACKORDER or PREORDER) and ``availabilityDate``, every other attribute
left to the product's primary data; then, for each store of the channel (a source with
a store code), one ``localInventories:insert`` with the store's availability and
quantity, and the pickup method and SLA when the variant can be collected there.

Google processes inputs later (minutes): a push is confirmed by reading the processed
product back (``products.get``): its availability, and its item-level issues (a
disapproval, e.g. for mismatched availability) that become alerts naming the variant.
Read-back: in stock or not (Google keeps no online quantity), and each store's quantity.

Configuration: ``endpoint_url`` https://merchantapi.googleapis.com; the settings
(SETTINGS): the service account's JSON key (secret), the Merchant Center account id, the
data source, the feed label and content language of the products, the pickup method and
SLA, what future stock is shown as, the requests per minute."""

import json
from datetime import date
from urllib.parse import quote

from ..errors import PermanentError, RetryableError
from ..idempotency import idempotency_key, utc_now
from . import check, settings
from . import merchant_wire as wire
from .base import FAILURE, MERCHANT, PENDING, SUCCESS, PushResult, Verdict, register
from .merchant_api import DEFAULT_REQUESTS_PER_MINUTE, KeyRefused, MerchantApi, NotRegistered

DEFAULT_ENDPOINT = "https://merchantapi.googleapis.com"
DEFAULT_BACKORDER_DAYS = 14
CONFIRM_TIMEOUT_MINUTES = 120
BODY_CHARS = 4000
BAD_REQUEST, FORBIDDEN, NOT_FOUND = 400, 403, 404
# the data source found supplemental is trusted this long (seconds) by one connector
# before dataSources.get asks again; a source that cannot take the pushes is waited for
SOURCE_CHECK_SECONDS = 600.0
SOURCE_WAIT = 600.0
# a key Google refuses (or an account that refuses the service account, 401/403) is of the
# channel, not of a push: the pushes wait this long, the channel's settings to be corrected
KEY_WAIT = 900.0
SETTINGS = (
    settings.Setting(
        "service_account_key",
        "Service Account Key",
        help="The JSON key of the Google Cloud service account that is a user of the "
        "Merchant Center account (the whole file, pasted).",
        required=True,
        republish=True,
        secret=True,
    ),
    settings.Setting(
        "account_id",
        "Merchant Center Account Id",
        help="The Merchant Center account id (the number at the top of Merchant Center).",
        required=True,
        republish=True,
    ),
    settings.Setting(
        "data_source",
        "Data Source",
        help="The id of the supplemental API data source Odoo writes availability into "
        "(Merchant Center > Data sources > Supplemental sources > Add > Merchant API).",
        required=True,
        republish=True,
    ),
    settings.Setting(
        "feed_label",
        "Feed Label",
        help="The feed label of the products (often their country, e.g. DE).",
        required=True,
        republish=True,
    ),
    settings.Setting(
        "content_language",
        "Content Language",
        help="The two-letter language of the products (e.g. de).",
        required=True,
        republish=True,
    ),
    settings.Setting(
        "pickup_method",
        "Pickup Method",
        help="Sent with a store's inventory when the variant can be collected there: "
        f"{', '.join(wire.PICKUP_METHODS)}.",
        default="BUY",
        republish=True,
    ),
    settings.Setting(
        "pickup_sla",
        "Pickup SLA",
        help=f"When a collected order is ready: {', '.join(wire.PICKUP_SLAS)}.",
        default="SAME_DAY",
        republish=True,
    ),
    settings.Setting(
        "future_availability",
        "Future Stock Shown As",
        help="What a variant with no unit on hand but units to come (or sold on backorder) "
        "is shown as, with the day they are in: BACKORDER (in stock again later), or "
        "PREORDER only for products not yet released (Google's meaning).",
        default=wire.BACKORDER,
        republish=True,
    ),
    settings.Setting(
        "backorder_days",
        "Backorder Days",
        help="A variant sold on backorder with no receipt to come is available this many "
        "days from today, rounded up to a Monday (Google wants a date with a backorder, "
        "at most a year ahead).",
        kind=settings.INT,
        default=DEFAULT_BACKORDER_DAYS,
        republish=True,
    ),
    settings.Setting(
        "requests_per_minute",
        "Requests per Minute",
        help="Each sub-API's calls a minute at most (your account's quotaMinuteLimit; "
        f"empty: {DEFAULT_REQUESTS_PER_MINUTE}).",
        kind=settings.INT,
    ),
    settings.confirm_timeout(CONFIRM_TIMEOUT_MINUTES),
)


@register(MERCHANT, "Google Merchant Center")
class MerchantConnector(MerchantApi):
    """Google documents no fixed quota: each account's per-minute and daily quotas are
    adjusted to its use (quotas.list), and products should not change more than twice a
    day: only a change of availability, date or a store's figures is pushed (every push
    says the whole availability, so a quantity change within stock still pushes: the
    dispatcher sends what changed)."""

    settings = SETTINGS
    confirms_async = True
    sends_detail = True
    reports_item_issues = True
    max_batch_size = 20
    check_interval = 60.0
    confirm_timeout_minutes = CONFIRM_TIMEOUT_MINUTES
    refused_hint = (
        "Google refuses the service account key: create a new JSON key of the service "
        "account and paste it as the Service Account Key."
    )
    scope_hint = (
        "add the service account's e-mail as a user of the Merchant Center account "
        "(Settings > People and access), with the Standard access."
    )
    endpoint_hint = DEFAULT_ENDPOINT

    @classmethod
    def backorder_date(cls, values, today):
        """The available_at the Odoo side gives a variant sold on backorder with no
        receipt to come (its channel settings ``values``): wire.backorder_day."""
        days = values.get("backorder_days")
        return wire.backorder_day(today, DEFAULT_BACKORDER_DAYS if days in (None, "") else days)

    @classmethod
    def read_form(cls, quantity):
        """Google keeps whether a variant can be bought (1) or not (0), not a count."""
        return 1 if (quantity or 0) > 0 else 0

    # -- names --------------------------------------------------------------------

    @property
    def _account(self):
        return str(self.setting("account_id") or "").strip()

    def _product_id(self, sku):
        return wire.product_id(
            self.setting("content_language"), self.setting("feed_label"), str(sku)
        )

    def _product_path(self, pid):
        account = quote(self._account, safe="")
        return f"products/v1/accounts/{account}/products/{pid}"

    def _inventory_path(self, pid):
        account = quote(self._account, safe="")
        return f"inventories/v1/accounts/{account}/products/{pid}/localInventories"

    def _future(self):
        wanted = str(self.setting("future_availability") or "").strip().upper()
        return wanted if wanted in wire.FUTURE_AVAILABILITIES else wire.BACKORDER

    def settings_problem(self):
        """Why a setting holds no value Google takes (the pickup method and SLA, what
        future stock is shown as), in words, or None; a push sends no pickup then, and
        shows future stock as BACKORDER."""
        checks = (
            ("Pickup Method", "pickup_method", wire.PICKUP_METHODS),
            ("Pickup SLA", "pickup_sla", wire.PICKUP_SLAS),
            ("Future Stock Shown As", "future_availability", wire.FUTURE_AVAILABILITIES),
        )
        for label, name, allowed in checks:
            value = str(self.setting(name) or "").strip().upper()
            if value not in allowed:
                return f"{label} {value or '(empty)'!r} is none of {', '.join(allowed)}"
        return None

    def _pickup(self):
        method = str(self.setting("pickup_method") or "").strip().upper()
        sla = str(self.setting("pickup_sla") or "").strip().upper()
        if method not in wire.PICKUP_METHODS or sla not in wire.PICKUP_SLAS:
            return "", ""
        return method, sla

    # -- stock --------------------------------------------------------------------

    def push(self, items, today=None):
        """Per item: its availability into the data source, then each store's inventory.
        Nothing is final at the answer: ``tracking`` names the product to read back."""
        items = self._check_batch(items)
        self._check_config()
        try:
            return self._push(items, today)
        except PermanentError as error:
            if isinstance(error, KeyRefused) or error.status in (401, FORBIDDEN):
                # every queued push would fail alike: none is a dead letter, they wait
                raise RetryableError(
                    f"{error.message} (the pushes wait until it is corrected)",
                    seconds=KEY_WAIT,
                    status=error.status,
                    body=error.body,
                ) from None
            raise

    def _push(self, items, today):
        self._key_info()  # a key naming another token endpoint sends nothing
        self._check_source()
        result = PushResult(
            status=0,
            body="",
            request_body="",
            idempotency_key=idempotency_key(self.config.code, items),
            accepted_at=None,
        )
        sent, answers = {}, []
        for index, item in enumerate(items):
            try:
                requests, answer = self._push_item(item, result, today)
            except PermanentError as error:
                if isinstance(error, KeyRefused) or error.status in (None, 401, FORBIDDEN):
                    self._stop(items[index:], result, error)
                    break
                result.item_errors[item.sku] = str(error)
                continue
            except RetryableError as error:
                self._stop(items[index:], result, error)
                break
            sent[item.sku] = requests
            answers.append(answer)
        result.body = self._redact(json.dumps(answers))[:BODY_CHARS]
        result.request_body = json.dumps(sent)[:BODY_CHARS]
        result.accepted_at = utc_now()
        return result

    def _push_item(self, item, result, today):
        availability, day = wire.online_availability(
            item, self._future(), self.setting("backorder_days"), today or date.today()
        )
        body = wire.product_input(
            item, self.setting("content_language"), self.setting("feed_label"), availability, day
        )
        source = wire.data_source_name(self._account, self.setting("data_source"))
        path = f"products/v1/accounts/{quote(self._account, safe='')}/productInputs:insert"
        response = self._call("POST", path, "product_inputs", {"dataSource": source}, body)
        answer = self._json(response)
        pid = self._product_id(item.sku)
        requests = [body]
        method, sla = self._pickup()
        for store in item.stores:
            inventory = wire.local_inventory(store, method, sla)
            path = f"{self._inventory_path(pid)}:insert"
            self._call("POST", path, "local_inventories", payload=inventory)
            requests.append(inventory)
        self._delete_gone_stores(item, pid)
        result.status = response.status_code
        result.tracking[item.sku] = wire.track_id(pid, availability, day)
        return requests, answer

    def _delete_gone_stores(self, item, pid):
        """The local inventories of stores the channel no longer has (a store code changed
        or cleared, a source removed) deleted: Google keeps an inventory until it is
        (inventories_v1 accounts.products.localInventories.delete). The stores of the
        detail last given (PushItem.previous_detail) that are not the item's now; none
        known (never given, or not told): nothing is deleted, Google's list is not read
        (a call per product on every push)."""
        current = {store.code for store in item.stores}
        gone = [code for code in wire.detail_stores(item.previous_detail) if code not in current]
        for code in dict.fromkeys(gone):
            try:
                self._call(
                    "DELETE", f"{self._inventory_path(pid)}/{quote(code, safe='')}",
                    "local_inventories",
                )  # fmt: skip
            except PermanentError as error:
                if error.status != NOT_FOUND:  # already gone: done
                    raise

    def _check_source(self):
        """The Data Source is a supplemental product data source of the channel's feed
        label and language (dataSources.get, trusted SOURCE_CHECK_SECONDS), else nothing is
        pushed: an insert into a primary source wipes the product's own data, into
        another source moves the product (wire.source_problem). Waited for, SOURCE_WAIT,
        with the reason, until the manager corrects the Data Source."""
        now = self.tokens.clock()
        if now < getattr(self, "_source_trusted_until", 0.0):
            return
        problem = self._source_problem()[1]
        if problem:
            raise RetryableError(
                f"{self.label}: nothing is pushed: {problem}.", seconds=SOURCE_WAIT
            )
        self._source_trusted_until = now + SOURCE_CHECK_SECONDS

    def _source_problem(self):
        """(the DataSource or {}, why it cannot take the pushes or None)."""
        source = wire.data_source_name(self._account, self.setting("data_source"))
        try:
            found = self._json(self._call("GET", f"datasources/v1/{source}", "accounts"))
        except PermanentError as error:
            if error.status in (FORBIDDEN, NOT_FOUND):
                return {}, (
                    f"the data source {source} does not exist in account {self._account}: "
                    "create a supplemental data source of the Merchant API and paste its id "
                    "as the Data Source"
                )
            raise
        problem = wire.source_problem(
            found, self.setting("feed_label"), self.setting("content_language")
        )
        return found, (f"the data source {source} {problem}" if problem else None)

    def _stop(self, rest, result, error):
        """An error not of one item: the items not sent yet go again later (a quota:
        waited out); when nothing went through, the push failed."""
        if not (result.tracking or result.item_errors):
            raise error
        for item in rest:
            result.retry_errors[item.sku] = str(error)
            if getattr(error, "throttled", False):
                result.throttled[item.sku] = error.seconds

    # -- verdicts -----------------------------------------------------------------

    def check_pushes(self, tracking):
        """Each product read back: holding what was sent, SUCCESS (its DISAPPROVED or
        DEMOTED item-level issues said with it); not processed yet, or holding something
        older, PENDING; a quota on the way: what was read so far."""
        self._check_config()
        verdicts = {}
        for remote_id, skus in tracking.items():
            try:
                verdicts[remote_id] = self._verdict(remote_id, skus)
            except RetryableError:
                if verdicts:
                    return verdicts
                raise
            except PermanentError as error:
                if isinstance(error, KeyRefused) or error.status in (None, 401, FORBIDDEN):
                    raise  # not of this product: every verdict would say it
                # this product's alone: the others' verdicts stand
                verdicts[remote_id] = Verdict(
                    FAILURE, reason=str(error), body=self._redact(error.body or "")[:BODY_CHARS]
                )
        return verdicts

    def _verdict(self, remote_id, skus):
        pid, availability, day = wire.parse_track_id(remote_id)
        try:
            response = self._call("GET", self._product_path(pid), "products")
        except PermanentError as error:
            if error.status == NOT_FOUND:  # not processed yet: the deadline sends it again
                return Verdict(PENDING, body=error.body or "")
            raise
        product = self._json(response)
        held, held_day = wire.held_availability(product)
        if held != availability or (day and held_day != day):
            return Verdict(PENDING, body=self._redact(response.text)[:BODY_CHARS])
        issues = wire.item_issues(product)
        return Verdict(
            SUCCESS,
            issues=dict.fromkeys(skus, issues) if issues else {},
            body=self._redact(response.text)[:BODY_CHARS],
        )

    # -- read-back ----------------------------------------------------------------

    def read_quantities(self, skus, refs=None):
        """{sku: 1 when Google shows it available (in stock, on backorder or preorder), 0
        when out of stock} (read_form); products Google does not know are left out. The
        products read are kept for read_item_issues (one products.get each)."""
        self._check_config()
        held, self._read_products = {}, {}
        for sku in dict.fromkeys(str(sku) for sku in skus):
            product = self._product(sku)
            if product is None:
                continue
            self._read_products[sku] = product
            availability, _day = wire.held_availability(product)
            held[sku] = 0 if availability in ("", wire.OUT_OF_STOCK) else 1
        return held

    def read_item_issues(self, skus):
        """{sku: its DISAPPROVED or DEMOTED item-level issues in words ("" none)} of the
        products Google knows: those read_quantities has just read, the others got."""
        self._check_config()
        read, self._read_products = getattr(self, "_read_products", {}), {}
        issues = {}
        for sku in dict.fromkeys(str(sku) for sku in skus):
            product = read[sku] if sku in read else self._product(sku)
            if product is not None:
                issues[sku] = wire.item_issues(product)
        return issues

    def read_stores(self, skus):
        """{sku: {store code: quantity}} of each product's local inventories (every page);
        products without any left out."""
        self._check_config()
        found = {}
        for sku in dict.fromkeys(str(sku) for sku in skus):
            params, stores = {"pageSize": 1000}, {}
            while True:
                try:
                    response = self._call(
                        "GET", self._inventory_path(self._product_id(sku)), "local_inventories",
                        params,
                    )  # fmt: skip
                except PermanentError as error:
                    if error.status == NOT_FOUND:
                        break
                    raise
                answer = self._json(response)
                stores.update(wire.local_quantities(answer))
                if not answer.get("nextPageToken"):
                    break
                params = {**params, "pageToken": answer["nextPageToken"]}
            if stores:
                found[sku] = stores
        return found

    def _product(self, sku):
        """The processed product of ``sku``, or None when Google does not know it."""
        try:
            response = self._call("GET", self._product_path(self._product_id(sku)), "products")
        except PermanentError as error:
            if error.status == NOT_FOUND:
                return None
            raise
        return self._json(response)

    # -- registration -----------------------------------------------------------------

    def register_developer(self, developer_email):
        """registerGcp: the Google Cloud project of the key (the project of the credentials
        making the call: "Registers the GCP used for the API call") registered with the
        account, ``developer_email`` its developer contact (a Google account's, not a
        service account's). Google wants the caller to have ADMIN access to the account,
        a production account (no test account) with a verified website
        (developers.google.com/merchant/api/guides/quickstart/registration,
        .../reference/rest/accounts_v1/accounts.developerRegistration/registerGcp).
        Returns the DeveloperRegistration; a refusal says what to do."""
        self._check_config()
        self._key_info()
        account = quote(self._account, safe="")
        path = f"accounts/v1/accounts/{account}/developerRegistration:registerGcp"
        payload = {"developerEmail": str(developer_email or "").strip()}
        try:
            return self._json(self._call("POST", path, "accounts", payload=payload))
        except PermanentError as error:
            if error.status in (FORBIDDEN, NOT_FOUND):
                email = self._key_info().get("client_email")
                raise PermanentError(
                    f"{error.message}: registering needs the service account {email} with "
                    f"ADMIN access to Merchant Center account {self._account} (Settings > "
                    "People and access), a production account (no test account) with a "
                    "verified website.",
                    status=error.status,
                    body=error.body,
                ) from None
            if error.status == BAD_REQUEST:  # INVALID_ARGUMENT: the e-mail is refused
                raise PermanentError(
                    f"{error.message}: the developer e-mail {payload['developerEmail']} must "
                    "be the e-mail of a Google account (Gmail or Google Workspace), not a "
                    "service account's: set such an e-mail in your preferences and register "
                    "again.",
                    status=error.status,
                    body=error.body,
                ) from None
            raise

    # -- test connection ------------------------------------------------------------

    def probe(self):
        """A token for the key, the account (the service account must be its user), the
        data source (it must exist, be an API source and supplemental)."""
        self._check_config()
        try:
            self._key_info()
            self._token()
        except KeyRefused as error:
            raise check.CredentialsRefused(_after_label(error.message, self.label)) from None
        account = quote(self._account, safe="")
        email = self._key_info().get("client_email")
        try:
            answer = self._json(self._call("GET", f"accounts/v1/accounts/{account}", "accounts"))
        except NotRegistered:
            project = self._key_info().get("project_id") or "of the key"
            raise check.CredentialsRefused(
                f"the Google Cloud project {project} is not registered with Merchant Center "
                f"account {self._account}: an admin of the account registers it once "
                "(Merchant API registerGcp, with a developer's e-mail; see "
                "developers.google.com/merchant/api/guides/quickstart/registration), then "
                "test again in 5 minutes."
            ) from None
        except PermanentError as error:
            if error.status in (FORBIDDEN, NOT_FOUND):
                raise check.CredentialsRefused(
                    f"the service account {email} cannot read Merchant Center account "
                    f"{self._account}: check the Merchant Center Account Id, and add "
                    "the service account's e-mail as a user (Settings > People and access)."
                ) from None
            raise
        name = answer.get("accountName") or self._account
        found, problem = self._source_problem()
        if problem:
            raise check.CredentialsRefused(f"{problem}.")
        label = found.get("displayName") or wire.data_source_name(
            self._account, self.setting("data_source")
        )
        problem = self.settings_problem()
        if problem:
            raise PermanentError(f"{self.label}: {problem}: correct it on the channel.")
        return f"account {name}, data source {label}"


def _after_label(message, label):
    prefix = f"{label}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


__all__ = ["SETTINGS", "MerchantConnector"]
