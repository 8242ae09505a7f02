"""What connectors and the addon exchange, as plain data: a channel's configuration, the
items of a push and its result, a verdict of a marketplace that confirms later, a
catalogue entry, an order message read by polling, what a webhook delivery is."""

from dataclasses import dataclass, field
from datetime import datetime

# the Shopify Admin API version of requests and of simulated webhooks
DEFAULT_API_VERSION = "2026-10"
# the verdicts of a push accepted for processing (channels that confirm later)
PENDING = "pending"
SUCCESS = "success"
FAILURE = "failure"
TIMEOUT = "timeout"


@dataclass
class ChannelConfig:
    """What a connector needs to know about one channel (``code`` is the channel's code);
    what only some marketplaces need is in ``settings`` (see Connector.setting)."""

    code: str
    endpoint_url: str
    api_key: str = field(default="", repr=False)
    api_secret: str = field(default="", repr=False)
    batch_size: int = 100
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    # the connector's declared settings (core.connectors.settings): {name: typed value}
    # (Shopify: api_version, location_id; Amazon: seller_id, refresh_token, ...)
    settings: dict = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class PushItem:
    """One quantity to publish for one SKU; ``sequence`` grows per (channel, SKU)."""

    sku: str
    quantity: int
    sequence: int
    computed_at: datetime
    external_id: str = ""
    external_location_id: str = ""
    previous_quantity: int | None = None
    external_parent_id: str = ""  # WooCommerce: the product of a variation
    # a reconciliation's correction: ``previous_quantity`` is what the channel was read
    # holding; units it sold since are kept sold (see rebased_quantity)
    correction: bool = False
    # future stock: the day the quantity's units are all in (a datetime.date; None: all on
    # hand now). Each connector sends it where its platform has a field (see
    # docs/promise.md)
    available_at: object = None
    previous_available_at: object = None  # the date last sent (a connector clears it)
    # connectors that say more than a quantity (``Connector.sends_detail``: Google Merchant
    # Center's availability and local inventory): of ``quantity``, the units on hand now
    # (None: all of them; the others come later, ``available_at``, or are the channel's
    # backorder), and the figures of the channel's stores (StoreStock, in order)
    on_hand: int | None = None
    stores: tuple = ()
    # the detail the channel was last given (detail_key; "": none known)
    previous_detail: str = ""


@dataclass(frozen=True)
class StoreStock:
    """One store's figures for a variant: the store's code on the channel (Google's
    store code), its publishable units, and whether the variant can be collected there
    (click & collect)."""

    code: str
    quantity: int
    pickup: bool = False


def detail_key(on_hand, stores):
    """The text that says what a push tells besides the quantity and date (the units on
    hand, each store's figures), stored once the channel took it: a change of it alone is
    pushed. "" when there is nothing more (every connector but those with details)."""
    if on_hand is None and not stores:
        return ""
    parts = [f"now={on_hand}"] if on_hand is not None else []
    parts += [f"{s.code}={s.quantity}{'+pickup' if s.pickup else ''}" for s in stores]
    return ";".join(parts)


# Google Business Profile: a store code is at most 64 characters (the Merchant Center
# store_code of the local inventory data specification is that code)
STORE_CODE_MAX = 64
# what would break a detail_key text: its separators, and the key of the units on hand
STORE_CODE_FORBIDDEN = (";", "=", "+")


def store_code_refusal(code):
    """Why `code` (stripped) cannot be a store code, or None: longer than Google takes,
    or holding what detail_key texts are cut on (";", "=", "+", the word "now")."""
    if not code:
        return None
    if len(code) > STORE_CODE_MAX:
        return f"is longer than {STORE_CODE_MAX} characters (Google's limit)"
    used = [char for char in STORE_CODE_FORBIDDEN if char in code]
    if used:
        return f"holds {' '.join(used)} (not allowed: ; = +)"
    if code.lower() == "now":
        return "is the word now (reserved)"
    return None


def store_quantities(detail):
    """{store code: quantity} of a detail_key text ("now=9;LYON-1=3+pickup" -> {"LYON-1":
    3}); {} for "" or a text without stores."""
    held = {}
    for part in (detail or "").split(";"):
        code, _sep, figure = part.rpartition("=")
        if not code or code == "now":
            continue
        try:
            held[code] = int(figure.removesuffix("+pickup"))
        except ValueError:
            continue
    return held


def rebased_quantity(item, found):
    """What a correction sets when the channel no longer holds what it was read holding:
    its quantity less the units the channel sold since the read (never a sale undone)."""
    sold = max(0, (item.previous_quantity or 0) - (found or 0))
    return max(0, item.quantity - sold)


@dataclass
class PushResult:
    """An accepted push (2xx).

    ``item_errors``: {sku: message} for items of the batch that were not applied
    (all others were). ``stale``: how many items the channel dropped as stale (it holds
    a newer sequence), ``stale_skus`` which ones when it says so.
    ``remote_id``: the channel's id for the change, when it gives one.
    """

    status: int
    body: str
    request_body: str
    idempotency_key: str
    accepted_at: datetime
    item_errors: dict = field(default_factory=dict)
    stale: int = 0
    stale_skus: tuple = ()
    remote_id: str = ""
    # {sku: why} of items not applied that may be sent again (a part of the batch that
    # failed on its own); {sku: (expected, found)} of quantities found changed on the
    # channel (a compare-and-set that failed, then settled)
    retry_errors: dict = field(default_factory=dict)
    drift: dict = field(default_factory=dict)
    # channels that confirm later: {sku: the channel's id of its processing} of the
    # items accepted for processing (one id for the whole batch, or one per item);
    # {sku: seconds} of the items not sent because of the rate limit (sent again then,
    # never a dead letter)
    tracking: dict = field(default_factory=dict)
    throttled: dict = field(default_factory=dict)
    # {sku: quantity} of the items the channel was set to another quantity than the
    # item's (a correction rebased on a sale made on the channel meanwhile)
    quantities: dict = field(default_factory=dict)
    # {sku: the level the channel held (None: none)} of first pushes that set it without
    # Odoo knowing it (Shopify reads it first): what the push replaced, for the log
    replaced: dict = field(default_factory=dict)

    def split(self, skus):
        """(applied, refused, stale) for the pushed ``skus``: the SKUs applied, {sku:
        message} of those refused, and the set of those dropped as stale. A channel that
        counts stale items without naming them leaves every unrefused item in doubt."""
        refused = {sku: str(self.item_errors[sku]) for sku in skus if sku in self.item_errors}
        if self.retry_errors:
            return self._split_retry(skus, refused)
        if self.stale_skus:
            stale = set(self.stale_skus) & set(skus)
        elif self.stale:
            stale = set(skus) - set(refused)
        else:
            stale = set()
        stale -= set(refused)
        applied = [sku for sku in skus if sku not in refused and sku not in stale]
        return applied, refused, stale

    def _split_retry(self, skus, refused):
        retry = {sku for sku in skus if sku in self.retry_errors} | set(self.stale_skus)
        retry -= set(refused)
        applied = [sku for sku in skus if sku not in refused and sku not in retry]
        return applied, refused, retry


@dataclass(frozen=True)
class Verdict:
    """What a channel that confirms later says of a push it accepted: ``state``
    PENDING (still processing), SUCCESS (``item_errors``: the items that failed anyway),
    FAILURE (every item failed, ``reason`` says why, unless ``item_errors`` names them),
    TIMEOUT (the channel gave up: sent again). ``body``: what the channel answered."""

    state: str
    item_errors: dict = field(default_factory=dict)
    reason: str = ""
    body: str = ""
    # {sku: what the channel says is wrong with the item} of items applied all the same
    # (Google Merchant Center's item-level issues: a disapproval): an alert per variant,
    # resolved by a later verdict without one
    issues: dict = field(default_factory=dict)

    def errors(self, skus):
        """{sku: why} of the ``skus`` that failed by this verdict."""
        if self.state == FAILURE and not self.item_errors:
            return dict.fromkeys(skus, self.reason or "failed on the channel")
        return {sku: str(self.item_errors[sku]) for sku in skus if sku in self.item_errors}


@dataclass(frozen=True)
class CatalogEntry:
    """A product of the channel's catalogue: its SKU and the ids it is known by there."""

    sku: str
    external_id: str
    external_parent_id: str = ""
    quantity: int | None = None
    barcode: str = ""  # the EAN the channel knows it by (bol.com), matched when the SKU is not
    # the channel holds and ships this stock itself (Amazon FBA, bol.com FBB): bound,
    # never pushed
    fulfilled_by_channel: bool = False


@dataclass(frozen=True)
class PolledMessage:
    """An order message read by polling, stored and judged as a webhook delivery is:
    ``delivery_id`` names this version of it (a later poll of the same version is no
    new message)."""

    kind: str
    body: bytes
    delivery_id: str
    external_id: str = ""


@dataclass(frozen=True)
class Delivery:
    """What a genuine webhook delivery is: its ``kind`` (core.inbound KIND_*), the
    platform's ``topic`` and ``delivery_id`` when it has them, and for KIND_IGNORED why.
    ``event_id``: the platform's id of the event behind it (Shopify's X-Shopify-Event-Id:
    the same for every delivery of one event, to each subscription of the topic)."""

    kind: str
    topic: str = ""
    delivery_id: str = ""
    ignored_reason: str = ""
    event_id: str = ""
