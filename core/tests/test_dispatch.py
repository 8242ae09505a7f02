"""One push batch (core.dispatch.PushBatch) cut to some of its items (no Odoo)."""

from datetime import datetime

from core.connectors.types import PushItem, StoreStock
from core.dispatch import (
    ANY_CHANNEL,
    CORRECTION,
    LIVE,
    REPLAY,
    PushBatch,
    accepted_figures,
    payload_channels,
    wake_payload,
)

WHEN = datetime(2026, 11, 23, 10, 0)


def test_a_subset_keeps_each_item_with_its_row_variant_inputs_and_kind():
    skus = ["A", "B", "C"]
    batch = PushBatch(
        rows=[(10 + index, 1, 0, WHEN) for index in range(3)],
        items=[
            PushItem(sku=sku, quantity=index, sequence=index, computed_at=WHEN)
            for index, sku in enumerate(skus)
        ],
        products=[100, 101, 102],
        explains=[{"on_hand": 0}, {"on_hand": 1}, {"on_hand": 2}],
        sent_at=WHEN,
        outcome="answer",
        trace="trace",
        kinds=[LIVE, REPLAY, CORRECTION],
    )
    part = batch.subset(["C", "A"])
    assert [item.sku for item in part.items] == ["A", "C"]
    assert part.row_ids == [10, 12]
    assert (part.products, part.explains) == ([100, 102], [{"on_hand": 0}, {"on_hand": 2}])
    assert (part.kinds, part.kind) == ([LIVE, CORRECTION], LIVE)
    assert (part.sent_at, part.outcome, part.trace) == (WHEN, "answer", "trace")
    assert batch.subset(["B"]).kind == REPLAY
    assert batch.subset([]).items == []


def test_a_wake_up_names_the_channels_with_rows_queued():
    assert wake_payload({12, 3}) == "3,12"
    assert payload_channels(wake_payload({12, 3})) == {3, 12}


def test_a_wake_up_naming_no_channel_is_for_any():
    assert payload_channels(wake_payload()) == {ANY_CHANNEL}
    assert payload_channels("scs_db") == {ANY_CHANNEL}  # a database name: any channel
    assert payload_channels(wake_payload(range(1, 5000))) == {ANY_CHANNEL}  # too many


def test_what_a_channel_holds_of_the_skus_it_applied_by_product():
    now = datetime(2026, 12, 7)
    plain = PushItem(sku="A", quantity=4, sequence=1, computed_at=now)
    stores = PushItem(sku="B", quantity=2, sequence=1, computed_at=now, on_hand=2,
                      stores=(StoreStock("LYON-1", 2),))  # fmt: skip
    waiting = PushItem(sku="C", quantity=1, sequence=1, computed_at=now)
    by_sku = {"A": ((1,), plain, 10), "B": ((2,), stores, 20), "C": ((3,), waiting, 30)}
    held, dates, details = accepted_figures(["A", "B", "C"], by_sku, {"A": 3}, {"C": "t-1"})
    assert held == {10: 3, 20: 2}, "the answered quantity, the item's own, none awaited"
    assert dates == {10: None, 20: None, 30: None}
    assert details == {10: "", 20: "now=2;LYON-1=2", 30: ""}
