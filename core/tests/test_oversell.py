"""Oversell incidents: cause classification, oversell rate, units short (no Odoo)."""

import dataclasses
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import oversell
from core.oversell import (
    BACKORDER,
    CHANNEL_IGNORED,
    INCIDENT_CAUSES,
    LATENCY,
    MANUAL,
    RESOLUTIONS,
    RING_FENCE,
    TAKEN,
    UNKNOWN,
    OversellFacts,
)

ORDERED = datetime(2026, 11, 23, 10, 0, 0)
# A line of 2 units, none available, nothing known: each test adds what it needs.
BASE = OversellFacts(ordered_at=ORDERED, qty_needed=2, qty_available=0)


def _facts(**changes):
    return dataclasses.replace(BASE, **changes)


def _before(seconds):
    return ORDERED - timedelta(seconds=seconds)


# -- vocabulary ------------------------------------------------------------------------------


def test_causes_and_resolutions_are_distinct_codes():
    causes = [code for code, _label in INCIDENT_CAUSES]
    assert len(causes) == len(set(causes)) == 7
    assert [code for code, _label in RESOLUTIONS] == ["restocked", "cancelled", "substituted"]


# -- classify, one test per rule -------------------------------------------------------------


def test_rule_0_units_taken_by_a_later_sale_beat_every_other_cause():
    # what the channel showed and when Odoo pushed does not matter: the order got its
    # units when it arrived
    facts = _facts(
        taken_later=True, backorder=True, accepted_qty=1, accepted_at=_before(60),
        lower_committed_at=_before(3), counted_down_at=_before(30),
    )  # fmt: skip
    assert oversell.classify(facts) == (TAKEN, None)
    assert oversell.classify(_facts(lower_committed_at=_before(3)))[0] == LATENCY


def test_rule_1_backorder():
    assert oversell.classify(_facts(backorder=True)) == (BACKORDER, None)


def test_rule_1_backorder_beats_every_other_cause():
    facts = _facts(
        backorder=True,
        accepted_qty=0,
        counted_down_at=_before(5),
        lower_committed_at=_before(5),
        fenced_for_others=3,
        sellable=5,
    )
    assert oversell.classify(facts) == (BACKORDER, None)


def test_rule_2_channel_sold_below_its_accepted_quantity():
    assert oversell.classify(_facts(accepted_qty=1, accepted_at=_before(60))) == (
        CHANNEL_IGNORED,
        None,
    )


def test_rule_2_accepted_zero_is_ignored():
    assert oversell.classify(_facts(accepted_qty=0)) == (CHANNEL_IGNORED, None)


def test_rule_2_accepted_enough_is_not_ignored():
    assert oversell.classify(_facts(accepted_qty=2))[0] == UNKNOWN


def test_rule_2_beats_manual_and_latency():
    facts = _facts(accepted_qty=1, counted_down_at=_before(5), lower_committed_at=_before(5))
    assert oversell.classify(facts) == (CHANNEL_IGNORED, None)


def test_rule_3_counted_down_after_the_last_accepted_quantity():
    facts = _facts(accepted_qty=5, accepted_at=_before(600), counted_down_at=_before(60))
    assert oversell.classify(facts) == (MANUAL, None)


def test_rule_3_counted_down_with_no_accepted_quantity_known():
    assert oversell.classify(_facts(counted_down_at=_before(60))) == (MANUAL, None)


def test_rule_3_counted_down_at_the_order_and_at_the_acceptance():
    facts = _facts(accepted_qty=5, accepted_at=ORDERED, counted_down_at=ORDERED)
    assert oversell.classify(facts) == (MANUAL, None)


def test_rule_3_counted_down_before_the_channel_accepted_is_not_manual():
    facts = _facts(accepted_qty=5, accepted_at=_before(60), counted_down_at=_before(600))
    assert oversell.classify(facts)[0] == UNKNOWN


def test_rule_3_counted_down_after_the_order_is_not_manual():
    facts = _facts(counted_down_at=ORDERED + timedelta(seconds=1))
    assert oversell.classify(facts)[0] == UNKNOWN


def test_rule_3_manual_beats_latency():
    facts = _facts(counted_down_at=_before(60), lower_committed_at=_before(30))
    assert oversell.classify(facts) == (MANUAL, None)


def test_rule_4_latency_with_its_gap():
    assert oversell.classify(_facts(lower_committed_at=_before(42))) == (LATENCY, 42)


def test_rule_4_latency_gap_is_whole_seconds():
    committed = ORDERED - timedelta(seconds=7, microseconds=900_000)
    assert oversell.classify(_facts(lower_committed_at=committed)) == (LATENCY, 7)


def test_rule_4_committed_at_the_order_is_a_zero_gap():
    assert oversell.classify(_facts(lower_committed_at=ORDERED)) == (LATENCY, 0)


def test_rule_4_committed_after_the_order_is_not_latency():
    facts = _facts(lower_committed_at=ORDERED + timedelta(seconds=1))
    assert oversell.classify(facts) == (UNKNOWN, None)


def test_rule_4_latency_beats_ring_fence():
    facts = _facts(lower_committed_at=_before(3), fenced_for_others=4, sellable=5)
    assert oversell.classify(facts) == (LATENCY, 3)


def test_rule_5_units_ring_fenced_for_other_channels():
    assert oversell.classify(_facts(fenced_for_others=4, sellable=2)) == (RING_FENCE, None)


def test_rule_5_not_enough_sellable_is_not_ring_fence():
    assert oversell.classify(_facts(fenced_for_others=4, sellable=1.5)) == (UNKNOWN, None)


def test_rule_5_no_fence_is_not_ring_fence():
    assert oversell.classify(_facts(sellable=10)) == (UNKNOWN, None)


def test_rule_6_nothing_known_is_unknown():
    assert oversell.classify(BASE) == (UNKNOWN, None)


@given(
    accepted=st.one_of(st.none(), st.integers(0, 10)),
    counted=st.one_of(st.none(), st.integers(-600, 600)),
    committed=st.one_of(st.none(), st.integers(-600, 600)),
    fenced=st.integers(0, 5),
    sellable=st.integers(0, 10),
    backorder=st.booleans(),
)
def test_classify_answers_a_known_cause_and_a_gap_only_for_latency(
    accepted, counted, committed, fenced, sellable, backorder
):
    facts = _facts(
        accepted_qty=accepted,
        counted_down_at=None if counted is None else _before(counted),
        lower_committed_at=None if committed is None else _before(committed),
        fenced_for_others=fenced,
        sellable=sellable,
        backorder=backorder,
    )
    cause, gap = oversell.classify(facts)
    assert cause in {code for code, _label in INCIDENT_CAUSES}
    assert (gap is not None) == (cause == LATENCY)
    assert gap is None or gap >= 0


# -- rate and units short --------------------------------------------------------------------


@pytest.mark.parametrize(("short", "lines", "rate"), [(0, 5, 0.0), (1, 8, 12.5), (4, 4, 100.0)])
def test_oversell_rate_is_a_percent(short, lines, rate):
    assert oversell.oversell_rate(short, lines) == rate


def test_oversell_rate_not_measured_without_lines():
    assert oversell.oversell_rate(0, 0) is None


@pytest.mark.parametrize(
    ("needed", "available", "short"),
    [(3, 1, 2), (3, 3, 0), (3, 5, 0), (3, -2, 3), (0, 0, 0), (2.5, 1, 1.5)],
)
def test_qty_short(needed, available, short):
    assert oversell.qty_short(needed, available) == short
