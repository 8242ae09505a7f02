"""One push of a dispatch round, as plain Python: the outbox rows it serves, what it
sends, and its outcome (a PushResult or the error); the sync log values built once."""

from dataclasses import dataclass, field
from datetime import UTC, datetime


def utcnow():
    """Naive UTC with microseconds: for latencies."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Job:
    """One push of a round: the outbox rows it serves and what it sends.

    `rows`: [(row id, generation, attempts, event_at)]; for stock, `items` are the
    PushItems (same order as `rows`) and `products` their variant ids; for a status,
    `order_id` and `body`. `outcome` is the PushResult or the exception of the push.
    """

    rows: list
    items: list = field(default_factory=list)
    products: list = field(default_factory=list)
    order_id: int = 0
    body: dict = None
    label: str = ""
    sent_at: datetime = None
    outcome: object = None
    trace: str = ""

    @property
    def row_ids(self):
        return [row[0] for row in self.rows]

    @property
    def attempts(self):
        return max(row[2] for row in self.rows)

    @property
    def event_at(self):
        return min(row[3] for row in self.rows)

    def log_vals(self, channel):
        """The sync log values of this push, the same for every outcome."""
        if self.body is not None:
            skus, items = self.label, [self.body]
        else:
            skus = ", ".join(item.sku for item in self.items)
            products = list(self.products) + [None] * (len(self.items) - len(self.products))
            items = [
                {
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "sequence": item.sequence,
                    "product_id": product_id,
                }
                for item, product_id in zip(self.items, products, strict=True)
            ]
        return {
            "channel_id": channel.id,
            "item_count": len(items),
            "skus": skus,
            "items": items,
            "attempt": self.attempts + 1,
            "event_at": self.event_at,
            "sent_at": self.sent_at,
        }
