"""One push of a dispatch round, as plain Python: the outbox rows it serves, what it
sends, and its outcome (a PushResult or the error); the sync log values built once.

What a push is for: LIVE (a stock change: the latency the SLA measures), REPLAY (a dead
letter sent again by a person: its latency counts from the replay) or CORRECTION (a
reconciliation setting a drifted quantity); a batch carrying any live change is live."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from .allocation import step_text
from .connectors.types import detail_key

LIVE = "live"
REPLAY = "replay"
CORRECTION = "correction"
# Ordered (code, label) pairs, usable as an Odoo selection.
PUSH_KINDS = [(LIVE, "Live"), (REPLAY, "Replay"), (CORRECTION, "Correction")]


def push_kind(kinds):
    """The kind of a push carrying items of `kinds`: live when any is (or none is
    known), else replay when any is, else correction."""
    kinds = set(kinds)
    if not kinds or LIVE in kinds:
        return LIVE
    return REPLAY if REPLAY in kinds else CORRECTION


# A wake-up of the dispatcher (PostgreSQL NOTIFY) names the channels with rows queued;
# ANY_CHANNEL (ids start at 1) when it names none
ANY_CHANNEL = 0
PAYLOAD_MAX = 4000  # characters of channel ids in one wake-up (PostgreSQL takes 8000)


def wake_payload(channel_ids=None):
    """The payload of a wake-up: the ids of the channels with rows queued, comma-separated
    ("" when unknown or too many: any channel)."""
    payload = ",".join(str(channel_id) for channel_id in sorted(channel_ids or ()))
    return payload if len(payload) <= PAYLOAD_MAX else ""


def payload_channels(payload):
    """The channel ids a wake-up's payload names ({ANY_CHANNEL} when none)."""
    ids = {int(part) for part in payload.split(",") if part.isdigit()}
    return ids or {ANY_CHANNEL}


def utcnow():
    """Naive UTC with microseconds: for latencies."""
    return datetime.now(UTC).replace(tzinfo=None)


def item_detail(item):
    """The detail a PushItem tells besides its quantity and date (types.detail_key)."""
    return detail_key(getattr(item, "on_hand", None), getattr(item, "stores", ()))


def accepted_figures(applied, by_sku, quantities, tracked):
    """What a channel holds now of the SKUs it applied (`applied`; `by_sku`: {sku: (row,
    PushItem, product id)}), by product id: (the quantities, less those of `tracked`,
    whose verdict comes later; their availability dates; their details). `quantities`:
    {sku: the quantity the channel answered it holds}, the item's own otherwise."""
    held, dates, details = {}, {}, {}
    for sku in applied:
        _row, item, product_id = by_sku[sku]
        if sku not in tracked:
            held[product_id] = quantities.get(sku, item.quantity)
        dates[product_id] = item.available_at
        details[product_id] = item_detail(item)
    return held, dates, details


@dataclass
class VariantOnChannel:
    """What a stock push of one variant needs, read once per round (the addon's
    stock.channel.quantity._for_push): the quantity to publish and its formula inputs
    (`explain`, see explain_inputs), what the channel was last set to (`published`,
    None: never), its SKU and addresses on the channel (its binding's, when `bound`),
    and why it cannot be pushed (`own_stock`: the channel holds and ships it itself;
    `conflict`: its SKU is another variant's too)."""

    sku: str
    publishable: int
    explain: dict = field(default_factory=dict)
    published: int | None = None
    in_doubt: bool = False
    bound: bool = False
    external_id: str = ""
    external_location_id: str = ""
    external_parent_id: str = ""
    own_stock: bool = False
    conflict: str = ""
    # future stock: the day the publishable units are all in (None: on hand now), and the
    # one the channel was last given
    available_at: object = None
    published_available_at: object = None
    # connectors that say more (Connector.sends_detail): the units on hand now, the
    # stores' figures (core.connectors.types.StoreStock), and the detail the channel was
    # last given (types.detail_key; "" for the other connectors)
    on_hand: int | None = None
    stores: tuple = ()
    published_detail: str = ""

    @property
    def detail(self):
        return detail_key(self.on_hand, self.stores)

    @property
    def in_sync(self):
        """The channel was set to the publishable quantity with its date (and its
        detail), and no push is in doubt."""
        return (
            self.published is not None
            and not self.in_doubt
            and (self.published == self.publishable)
            and self.published_available_at == self.available_at
            and (self.published_detail or "") == self.detail
        )


@dataclass
class PushBatch:
    """One push of a round: the outbox rows it serves and what it sends.

    `rows`: [(row id, generation, attempts, event_at)]; for stock, `items` are the
    PushItems (same order as `rows`), `products` their variant ids and `explains` the
    formula inputs of their quantities (see explain_inputs); for a status,
    `order_id` and `body`. `outcome` is the PushResult or the exception of the push.
    `kinds`: what each row is for (LIVE, REPLAY, CORRECTION; same order as `rows`).
    """

    rows: list
    items: list = field(default_factory=list)
    products: list = field(default_factory=list)
    explains: list = field(default_factory=list)
    order_id: int = 0
    body: dict = None
    label: str = ""
    sent_at: datetime = None
    outcome: object = None
    trace: str = ""
    kinds: list = field(default_factory=list)

    @property
    def row_ids(self):
        return [row[0] for row in self.rows]

    @property
    def attempts(self):
        return max(row[2] for row in self.rows)

    @property
    def event_at(self):
        return min(row[3] for row in self.rows)

    @property
    def kind(self):
        return push_kind(self.kinds)

    def subset(self, skus):
        """The PushBatch of the items of `skus` only (their rows, variants, formula
        inputs, kinds: a stock push has one of each per item)."""
        wanted = set(skus)
        picked = [index for index, item in enumerate(self.items) if item.sku in wanted]
        return PushBatch(
            rows=[self.rows[index] for index in picked],
            items=[self.items[index] for index in picked],
            products=[self.products[index] for index in picked],
            explains=[self.explains[index] for index in picked],
            sent_at=self.sent_at,
            outcome=self.outcome,
            trace=self.trace,
            kinds=[self.kinds[index] for index in picked],
        )

    def log_vals(self, channel):
        """The sync log values of this push, the same for every outcome."""
        if self.body is not None:
            skus, items = self.label, [self.body]
        else:
            skus = ", ".join(item.sku for item in self.items)
            missing = [None] * (len(self.items) - len(self.products))
            explains = list(self.explains) + [None] * (len(self.items) - len(self.explains))
            items = [
                {
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "sequence": item.sequence,
                    "product_id": product_id,
                    "available_at": iso_day(item.available_at),
                    **({"explain": explain} if explain else {}),
                    **({"detail": detail} if (detail := item_detail(item)) else {}),
                }
                for item, product_id, explain in zip(
                    self.items, list(self.products) + missing, explains, strict=True
                )
            ]
        return {
            "channel_id": channel.id,
            "item_count": len(items),
            "skus": skus,
            "items": items,
            "attempt": self.attempts + 1,
            "event_at": self.event_at,
            "sent_at": self.sent_at,
            "push_kind": self.kind,
        }


def iso_day(day):
    """A date as the pushes and their logs carry it ("2026-12-12"), None for none."""
    return day.isoformat() if day else None


def read_day(text):
    """The date of iso_day's text (None for none or an unreadable one)."""
    try:
        return date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def explain_inputs(result):
    """What a pushed quantity was computed from (a core.allocation.Result), kept with the
    push so that "why did the channel show 4 at 10:02?" is read, not recomputed."""
    stock = result.stock
    others = sum(-step["qty"] for step in result.steps if step["step"] == "ring_fenced_others")
    return {
        "on_hand": stock.on_hand,
        "reserved": stock.reserved,
        "non_sellable": stock.non_sellable,
        "sellable": result.sellable,
        "incoming": result.incoming,
        "ring_fenced": result.ring_fenced,
        "ring_fenced_others": others,
        "rule": result.rule,
        "steps": [[step["step"], step["qty"]] for step in result.steps],
        "sentences": [step["text"] for step in result.steps],
    }


def explain_sentences(explain):
    """The sentences of a pushed quantity's explain record (see explain_inputs), one per
    step; a record kept before the sentences were, said from its steps' codes and
    quantities ("backorder + 5")."""
    explain = explain or {}
    steps = explain.get("steps") or []
    sentences = explain.get("sentences")
    if sentences and len(sentences) == len(steps):
        return list(sentences)
    return [step_text(code, qty) for code, qty, *_rest in steps]


def short_list(names, limit=5):
    """A list of names for a list view: the first `limit`, then "… +N more"."""
    names = [name for name in names if name]
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} \u2026 +{len(names) - limit} more"


# what a push accepted found on the channel, said in its log
REASON_REPLACED = "{sku}: the channel held {found} before this first push; set to {quantity}"
REASON_DRIFT = (
    "changed on the channel (cause: channel_edit): Odoo last set {expected}, the channel "
    "held {found}; set again from what it held"
)


def drift_lines(result):
    """The quantities found changed on the channel, then set again, one line each."""
    return "\n".join(
        f"{sku}: {REASON_DRIFT.format(expected=expected, found=found)}"
        for sku, (expected, found) in sorted(result.drift.items())
    )


def replaced_lines(result, job):
    """What the first pushes of `job` replaced on the channel, one line per SKU."""
    pushed = {item.sku: item.quantity for item in job.items}
    return "\n".join(
        REASON_REPLACED.format(
            sku=sku,
            found="nothing" if found is None else found,
            quantity=result.quantities.get(sku, pushed[sku]),
        )
        for sku, found in sorted(result.replaced.items())
        if sku in pushed
    )
