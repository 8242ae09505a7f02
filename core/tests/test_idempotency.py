"""Idempotency keys depend on what makes a push the same, and on nothing else."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.connectors import PushItem
from core.idempotency import idempotency_key, iso_utc, order_status_key, parse_iso_utc

WHEN = datetime(2026, 11, 23, 10, 0, 0)
ROWS = [("SKU-1", 5, 10), ("SKU-2", 0, 11)]
PINNED_KEY = "5f76e79d1c07bfdc349aacf6b1715507eed9a583c1d093cfb0d9aa35b11ab902"

rows = st.lists(
    st.tuples(st.text(min_size=1, max_size=20), st.integers(-10, 10**6), st.integers(0, 10**9)),
    max_size=30,
)


def test_key_is_hex_and_short_enough_for_any_channel():
    key = idempotency_key("web", ROWS)
    assert len(key) == 64 <= 255
    assert int(key, 16) >= 0


def test_key_is_pinned():
    """Keys are stored channel-side: a format change must be deliberate (KEY_VERSION)."""
    assert idempotency_key("web", ROWS) == PINNED_KEY


def test_items_dicts_and_tuples_give_the_same_key():
    items = [PushItem(sku, qty, seq, WHEN, external_id="x") for sku, qty, seq in ROWS]
    dicts = [{"sku": sku, "quantity": qty, "sequence": seq} for sku, qty, seq in ROWS]
    assert idempotency_key("web", items) == idempotency_key("web", ROWS)
    assert idempotency_key("web", dicts) == idempotency_key("web", ROWS)


def test_computed_at_and_external_ids_do_not_change_the_key():
    first = [PushItem("A", 1, 1, WHEN)]
    later = [PushItem("A", 1, 1, WHEN + timedelta(hours=1), external_id="9")]
    assert idempotency_key("web", first) == idempotency_key("web", later)


@pytest.mark.parametrize(
    ("channel", "changed"),
    [
        ("shop", ROWS),
        ("web", [("SKU-1", 6, 10), ("SKU-2", 0, 11)]),
        ("web", [("SKU-1", 5, 12), ("SKU-2", 0, 11)]),
        ("web", [("SKU-3", 5, 10), ("SKU-2", 0, 11)]),
        ("web", ROWS[:1]),
    ],
)
def test_channel_sku_quantity_sequence_change_the_key(channel, changed):
    assert idempotency_key(channel, changed) != idempotency_key("web", ROWS)


@given(rows=rows, data=st.data())
def test_order_of_items_never_matters(rows, data):
    shuffled = data.draw(st.permutations(rows))
    assert idempotency_key("web", shuffled) == idempotency_key("web", rows)


STATUS_BODY = {
    "id": "M-1",
    "status": "shipped",
    "lines": [{"id": "M-1-1", "status": "shipped", "quantity": 2}],
    "tracking": [],
}
PINNED_STATUS_KEY = "2d7900b02417694e90e363058d5f2e723bf2ea6f8d893570df9e0c1dc9fd6c49"


def test_order_status_key_is_pinned_and_ignores_the_order_of_body_keys():
    assert order_status_key("web", "M-1", STATUS_BODY) == PINNED_STATUS_KEY
    reordered = dict(reversed(list(STATUS_BODY.items())))
    assert order_status_key("web", "M-1", reordered) == PINNED_STATUS_KEY


@pytest.mark.parametrize(
    ("channel", "order_id", "body"),
    [
        ("shop", "M-1", STATUS_BODY),
        ("web", "M-2", STATUS_BODY),
        ("web", "M-1", {**STATUS_BODY, "status": "delivered"}),
        ("web", "M-1", {**STATUS_BODY, "tracking": [{"number": "JD1"}]}),
    ],
)
def test_channel_order_and_body_change_the_order_status_key(channel, order_id, body):
    assert order_status_key(channel, order_id, body) != PINNED_STATUS_KEY


def test_iso_utc_treats_naive_as_utc():
    assert iso_utc(WHEN) == "2026-11-23T10:00:00Z"


def test_iso_utc_converts_offsets_and_drops_microseconds():
    paris = datetime(2026, 11, 23, 11, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert iso_utc(paris) == "2026-11-23T10:00:00Z"
    assert iso_utc(paris, timespec="milliseconds") == "2026-11-23T10:00:00.123Z"


def test_parse_iso_utc_round_trips():
    assert parse_iso_utc("2026-11-23T10:00:00Z") == WHEN.replace(tzinfo=UTC)
    assert parse_iso_utc("2026-11-23T11:00:00+01:00") == WHEN.replace(tzinfo=UTC)
    assert parse_iso_utc(iso_utc(WHEN)) == WHEN.replace(tzinfo=UTC)


def test_the_sequence_tells_a_status_that_comes_back_from_a_replay():
    first = order_status_key("web", "M-1", STATUS_BODY, sequence=1)
    assert order_status_key("web", "M-1", STATUS_BODY, sequence=1) == first
    assert order_status_key("web", "M-1", STATUS_BODY, sequence=3) != first
    assert first != PINNED_STATUS_KEY
