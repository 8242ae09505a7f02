"""The Products x Channels grid: the state of one cell (a variant on a channel), as a pure
function of the figures the grid reads for it in SQL (models/stock_channel_grid.py).

A cell has exactly one state, the first of this precedence that applies:

1. ``failed``: a dead letter of the variant on the channel (an outbox row in state
   ``dead``): its last push failed for good, and nothing retries it until someone
   replays it (Republish does).
2. ``drift``: an open drift (``stock.channel.drift`` in state ``open``): a read-back
   found the channel holding another quantity than Odoo published (Correct pushes it).
3. ``not_bound``: the channel has a connector and the connector cannot address the
   variant (its ``addresses(sku, external_id)`` is false: no SKU, or no platform id for
   the connectors that set stock by id: Shopify, WooCommerce, bol.com): nothing is
   queued for it until a binding gives one (Bind).
4. ``waiting``: a push is queued (outbox row pending) and its last attempt was held for
   the channel's window (a sync log in state ``waiting`` holding the variant's latest
   push sequence, sent since the row's oldest change): a rate limit the channel
   documents, not a failure.
5. ``pending``: a push is queued (outbox row ``pending``, or ``late``: queued to merge).
6. ``excluded``: by design the channel gets none of the variant: its binding says the
   channel fulfils it itself (Amazon FBA, bol.com FBB: never pushed), or the rule in
   force for the variant on the channel (variant > product > category > all, as
   core.allocation resolves it) gives a 0 % share, no ring-fenced units of its own and
   no backorder the channel takes; or an exclusion rule hides the variant on the channel
   (``excluded_by``: its name, the cell says "excluded, by rule <name>").
7. ``pending`` as well: a connected channel that does not hold the publishable quantity
   yet, with nothing queued (never published, published another quantity, or the last
   push's outcome in doubt): the next dispatch or reconciliation settles it.
8. ``in_sync``: the channel accepted the publishable quantity and no push is in doubt;
   also every cell of a channel without a connector (the website, the point of sale:
   they read the publishable quantity live, nothing is pushed).

The grid's filters are not states: "at 0" is a publishable quantity of 0 on some
channel; "drift", "failing" and "not bound" are the conditions of 2, 1 and 3 on some
channel, whatever the cell's state by precedence.
"""

from dataclasses import dataclass
from datetime import datetime

IN_SYNC = "in_sync"
PENDING = "pending"
WAITING = "waiting"
DRIFT = "drift"
FAILED = "failed"
NOT_BOUND = "not_bound"
EXCLUDED = "excluded"

STATES = [
    (FAILED, "Failed"),
    (DRIFT, "Drift"),
    (NOT_BOUND, "Not Bound"),
    (WAITING, "Waiting for a Window"),
    (PENDING, "Pending"),
    (EXCLUDED, "Excluded"),
    (IN_SYNC, "In Sync"),
]

# the filters of the grid, each true of a variant on at least one channel
AT_ZERO = "at_zero"
FILTERS = (AT_ZERO, DRIFT, FAILED, NOT_BOUND)

# a page counts its variants this far past its start at most (the pager says "1000+",
# the exact count on demand): a first page costs the same at 10,000 or 1,000,000 variants
COUNT_AHEAD = 1000


def count_limit(offset, limit):
    """How many variants a page at `offset` counts at most."""
    return offset + max(limit, COUNT_AHEAD)


def page_total(counted, offset, limit):
    """(the total the pager shows, whether it is exact) of `counted` variants counted
    up to one past count_limit."""
    cap = count_limit(offset, limit)
    return min(counted, cap), counted <= cap


@dataclass(frozen=True)
class Cell:
    """What the grid reads of a variant on a channel."""

    connected: bool  # the channel has a connector: its quantities are pushed
    publishable: int | None = None  # None: not computed yet
    published: int | None = None
    published_at: datetime | None = None
    in_doubt: bool = False
    queued: bool = False  # an outbox row pending or late
    waiting: bool = False  # the pending row's last push was held for the channel's window
    dead: bool = False
    drift: bool = False
    addressable: bool = True  # the connector can address the variant
    fulfilled_by_channel: bool = False
    share_percent: float | None = None  # of the rule in force; None: no rule (100 %)
    own_fence: int = 0  # the rule's ring-fenced units
    backorder: int = 0  # the rule's backorder quantity, when the channel allows backorder
    excluded_by: str = ""  # the exclusion rule hiding the variant on the channel

    @property
    def excluded(self):
        if self.fulfilled_by_channel or self.excluded_by:
            return True
        return self.share_percent == 0 and not self.own_fence and not self.backorder

    @property
    def synced(self):
        return (
            self.published_at is not None
            and not self.in_doubt
            and self.publishable is not None
            and self.published == self.publishable
        )


def state(cell):
    """The state of `cell`, by the precedence of this module's docstring."""
    if not cell.connected:
        return EXCLUDED if cell.excluded else IN_SYNC
    checks = (
        (FAILED, cell.dead),
        (DRIFT, cell.drift),
        (NOT_BOUND, not cell.addressable),
        (WAITING, cell.queued and cell.waiting),
        (PENDING, cell.queued),
        (EXCLUDED, cell.excluded),
        (PENDING, not cell.synced),
    )
    return next((code for code, applies in checks if applies), IN_SYNC)
