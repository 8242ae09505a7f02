"""Stock drift: read-back classification, drift rate, rolling slices, run totals (no Odoo)."""

import dataclasses
import math
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import drift
from core.connectors.types import store_code_refusal, store_quantities
from core.drift import (
    CHANNEL_EDIT,
    CORRECTABLE,
    COUNTED,
    DRIFT_CAUSES,
    IN_FLIGHT,
    IN_SYNC,
    LOST_PUSH,
    UNBOUND,
    UNIMPORTED_ORDER,
    UNKNOWN,
    RunTotals,
    SkuFacts,
)

# A bound SKU the channel lists, in sync: each test changes what it needs.
BASE = SkuFacts(sku="SKU-1", channel_qty=10, bound=True, expected_qty=10, publishable_qty=10)


def _facts(**changes):
    return dataclasses.replace(BASE, **changes)


# -- vocabulary ------------------------------------------------------------------------------


def test_counted_is_every_cause_but_in_flight():
    assert {code for code, _label in DRIFT_CAUSES} - COUNTED == {IN_FLIGHT}
    assert IN_SYNC not in COUNTED
    assert CORRECTABLE <= COUNTED


# -- classify, one test per rule -------------------------------------------------------------


def test_rule_1_not_bound_is_unbound():
    assert drift.classify(_facts(bound=False, publishable_qty=None)) == UNBOUND


def test_rule_1_not_listed_by_the_channel_is_unbound():
    assert drift.classify(_facts(channel_qty=None)) == UNBOUND


def test_rule_1_beats_in_sync_and_everything_else():
    facts = _facts(bound=False, pending_push=True, last_push_lost=True, unimported_qty=3)
    assert drift.classify(facts) == UNBOUND


def test_rule_2_channel_holds_the_publishable_quantity():
    assert drift.classify(BASE) == IN_SYNC


def test_rule_2_zero_is_in_sync():
    assert drift.classify(_facts(channel_qty=0, expected_qty=0, publishable_qty=0)) == IN_SYNC


def test_rule_2_pending_push_that_already_matches_is_in_sync():
    assert drift.classify(_facts(channel_qty=7, publishable_qty=7, pending_push=True)) == IN_SYNC


def test_rule_2_beats_a_lost_push_and_unimported_orders():
    facts = _facts(channel_qty=7, publishable_qty=7, last_push_lost=True, unimported_qty=3)
    assert drift.classify(facts) == IN_SYNC


def test_rule_3_pending_push_is_in_flight():
    assert drift.classify(_facts(publishable_qty=8, pending_push=True)) == IN_FLIGHT


def test_rule_3_in_flight_beats_a_lost_push():
    facts = _facts(publishable_qty=8, pending_push=True, last_push_lost=True)
    assert drift.classify(facts) == IN_FLIGHT


def test_rule_4_last_push_lost():
    assert drift.classify(_facts(publishable_qty=8, last_push_lost=True)) == LOST_PUSH


def test_rule_4_lost_push_beats_unimported_order():
    facts = _facts(channel_qty=8, publishable_qty=12, last_push_lost=True, unimported_qty=2)
    assert drift.classify(facts) == LOST_PUSH


def test_rule_5_unimported_order_below_what_the_channel_accepted():
    facts = _facts(channel_qty=8, expected_qty=10, publishable_qty=10, unimported_qty=2)
    assert drift.classify(facts) == UNIMPORTED_ORDER


def test_rule_5_reference_is_publishable_when_never_published():
    facts = _facts(channel_qty=8, expected_qty=None, publishable_qty=10, unimported_qty=2)
    assert drift.classify(facts) == UNIMPORTED_ORDER


def test_rule_5_unimported_order_down_to_zero():
    facts = _facts(channel_qty=0, expected_qty=3, publishable_qty=3, unimported_qty=3)
    assert drift.classify(facts) == UNIMPORTED_ORDER


@pytest.mark.parametrize("unimported", [1, 3])
def test_rule_5_needs_the_exact_difference(unimported):
    facts = _facts(channel_qty=8, expected_qty=10, publishable_qty=10, unimported_qty=unimported)
    assert drift.classify(facts) == CHANNEL_EDIT


def test_rule_5_channel_above_its_reference_is_no_unimported_order():
    facts = _facts(channel_qty=12, expected_qty=10, publishable_qty=10, unimported_qty=2)
    assert drift.classify(facts) == CHANNEL_EDIT


def test_rule_6_channel_edit():
    assert drift.classify(_facts(channel_qty=4)) == CHANNEL_EDIT


def test_rule_6_channel_edit_even_when_odoo_publishes_something_else_now():
    assert drift.classify(_facts(channel_qty=4, expected_qty=10, publishable_qty=6)) == CHANNEL_EDIT


def test_rule_7_channel_holds_the_last_push_but_odoo_publishes_another_quantity():
    assert drift.classify(_facts(publishable_qty=6)) == UNKNOWN


def test_rule_7_never_published():
    assert drift.classify(_facts(channel_qty=4, expected_qty=None, publishable_qty=6)) == UNKNOWN


def test_rule_7_never_published_and_unimported_orders_that_do_not_explain_it():
    facts = _facts(channel_qty=4, expected_qty=None, publishable_qty=6, unimported_qty=1)
    assert drift.classify(facts) == UNKNOWN


def test_bound_without_publishable_quantity_is_not_in_sync():
    assert drift.classify(_facts(expected_qty=None, publishable_qty=None)) == UNKNOWN


# -- drift rate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drifted", "read", "rate"),
    [(0, 10, 0.0), (1, 4, 25.0), (3, 3, 100.0), (1, 3, 100 / 3)],
)
def test_drift_rate_is_a_percent(drifted, read, rate):
    assert drift.drift_rate(drifted, read) == pytest.approx(rate)
    assert isinstance(drift.drift_rate(drifted, read), float)


def test_drift_rate_not_measured_when_nothing_was_read():
    assert drift.drift_rate(0, 0) is None


# -- rolling slices --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "runs", "size"),
    [(0, 24, 0), (1, 24, 1), (24, 24, 1), (25, 24, 2), (1000, 24, 42), (7, 1, 7)],
)
def test_rolling_slice_size(total, runs, size):
    assert drift.rolling_slice_size(total, runs) == size


def test_rolling_slice_size_defaults_to_hourly_runs():
    assert drift.rolling_slice_size(48) == 2


def test_rolling_slice_from_the_start():
    assert drift.rolling_slice([1, 2, 3, 4, 5], 0, 2) == ([1, 2], 2)


def test_rolling_slice_is_strictly_after_the_cursor():
    assert drift.rolling_slice([1, 2, 3, 4, 5], 2, 2) == ([3, 4], 4)


def test_rolling_slice_cursor_between_ids():
    assert drift.rolling_slice([10, 20, 30], 15, 1) == ([20], 20)


def test_rolling_slice_wraps_to_the_start():
    assert drift.rolling_slice([1, 2, 3, 4, 5], 4, 3) == ([5, 1, 2], 2)


def test_rolling_slice_cursor_at_the_end_starts_over():
    assert drift.rolling_slice([1, 2, 3], 3, 2) == ([1, 2], 2)


def test_rolling_slice_never_repeats_an_id():
    assert drift.rolling_slice([1, 2, 3], 2, 10) == ([3, 1, 2], 2)


def test_rolling_slice_of_no_ids():
    assert drift.rolling_slice([], 7, 5) == ([], 0)


def test_rolling_slice_of_size_zero_keeps_the_cursor():
    assert drift.rolling_slice([1, 2, 3], 2, 0) == ([], 2)


@given(
    ids=st.lists(st.integers(1, 10_000), min_size=1, max_size=60, unique=True).map(sorted),
    size=st.integers(1, 70),
    cursor=st.integers(0, 10_001),
)
def test_every_id_is_read_within_ceil_n_over_size_slices(ids, size, cursor):
    seen = set()
    for _run in range(math.ceil(len(ids) / size)):
        chosen, cursor = drift.rolling_slice(ids, cursor, size)
        assert len(chosen) == len(set(chosen)) == min(size, len(ids))
        assert set(chosen) <= set(ids)
        seen.update(chosen)
    assert seen == set(ids)


@given(total=st.integers(0, 100_000), runs=st.integers(1, 96))
def test_slice_size_covers_every_sku_in_a_day(total, runs):
    size = drift.rolling_slice_size(total, runs)
    assert size * runs >= total
    assert (size >= 1) == (total > 0)


# -- run totals ------------------------------------------------------------------------------


def test_run_totals_count_each_cause():
    totals = RunTotals()
    for cause in (IN_SYNC, IN_SYNC, IN_FLIGHT, CHANNEL_EDIT, LOST_PUSH, UNKNOWN, UNIMPORTED_ORDER):
        totals.add(cause, listed_by_channel=True)
    assert totals == RunTotals(read=7, in_sync=2, drifted=4, in_flight=1)


def test_run_totals_unbound_listed_by_the_channel_is_unknown_on_channel():
    totals = RunTotals()
    totals.add(UNBOUND, listed_by_channel=True)
    totals.add(UNBOUND, listed_by_channel=False)
    assert totals == RunTotals(read=2, drifted=2, unbound=2, unknown_on_channel=1)


def test_run_totals_start_at_zero_and_feed_the_rate():
    totals = RunTotals()
    assert drift.drift_rate(totals.drifted, totals.read) is None
    totals.add(CHANNEL_EDIT, listed_by_channel=True)
    totals.add(IN_SYNC, listed_by_channel=True)
    assert drift.drift_rate(totals.drifted, totals.read) == 50.0


# -- what a read-back knows of the last push ---------------------------------------------------


def test_a_bound_sku_whose_first_push_is_pending_is_in_flight_not_unbound():
    facts = _facts(channel_qty=None, expected_qty=None, publishable_qty=5, pending_push=True)
    assert drift.classify(facts) == IN_FLIGHT


def test_a_dead_letter_older_than_an_accepted_push_is_not_a_lost_push():
    accepted = datetime(2026, 12, 6, 10, 0, 5)
    assert not drift.last_push_lost(accepted, accepted - timedelta(seconds=5))
    assert drift.last_push_lost(accepted, accepted + timedelta(seconds=1))
    assert drift.last_push_lost(None, accepted), "never accepted: the dead letter is the last"
    assert not drift.last_push_lost(None, None)
    assert drift.last_push_lost(accepted, None, in_doubt=True)


def test_store_facts_judge_each_store_of_a_variant():
    published = store_quantities("now=4;LYON-1=3+pickup;NANTES-2=1")
    assert published == {"LYON-1": 3, "NANTES-2": 1}
    assert store_quantities("") == {}
    variant = SkuFacts(sku="W", channel_qty=1, bound=True, expected_qty=1, publishable_qty=1)
    facts = drift.store_facts(variant, published, {"LYON-1": 3, "NANTES-2": 1}, {"NANTES-2": 1})
    assert [(f.sku, f.channel_qty, f.expected_qty, f.publishable_qty) for f in facts] == [
        ("W @ LYON-1", 0, 3, 3),  # no figure on the channel: none there
        ("W @ NANTES-2", 1, 1, 1),
    ]
    assert [drift.classify(f) for f in facts] == [drift.CHANNEL_EDIT, drift.IN_SYNC]
    never = drift.store_facts(variant, None, {"LYON-1": 2}, {"LYON-1": 5})
    assert drift.classify(never[0]) == drift.UNKNOWN


def test_a_store_code_that_would_break_the_detail_text_is_refused():
    assert store_code_refusal("LYON-1") is None and store_code_refusal("") is None
    assert store_code_refusal("x" * 64) is None and store_code_refusal("nowhere") is None
    assert store_code_refusal("x" * 65) == "is longer than 64 characters (Google's limit)"
    assert store_code_refusal("A;B=C") == "holds ; = (not allowed: ; = +)"
    assert store_code_refusal("1+1") == "holds + (not allowed: ; = +)"
    assert store_code_refusal("NOW") == "is the word now (reserved)"
