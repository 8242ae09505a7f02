"""Kits: a kit's publishable quantity from its components' (no Odoo)."""

import math
from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from core.allocation import STEP_PUBLISHABLE, Result, Stock
from core.kits import (
    STEP_KIT_COMPONENT,
    STEP_KIT_LIMIT,
    demand,
    flatten,
    kit_quantity,
    kit_result,
)

A, B, C = 1, 2, 3


def result(publishable, on_hand=None, rule="default"):
    on_hand = publishable if on_hand is None else on_hand
    return Result(
        publishable=publishable, sellable=publishable, stock=Stock(on_hand=on_hand), rule=rule
    )


def test_a_kit_is_limited_by_its_scarcest_component_and_says_so():
    res = kit_result({A: 2, B: 1}, {A: result(7), B: result(5)}, {A: "Strap", B: "Buckle"})
    assert res.publishable == 3
    assert res.limited_by == "Strap"
    texts = [step["text"] for step in res.steps]
    assert texts == [
        "Strap: 7 \u00f7 2 per kit = 3",
        "Buckle: 5 \u00f7 1 per kit = 5",
        "limited by Strap: 7 \u00f7 2 = 3",
        "publishable 3",
    ]
    assert [step["step"] for step in res.steps] == [
        STEP_KIT_COMPONENT,
        STEP_KIT_COMPONENT,
        STEP_KIT_LIMIT,
        STEP_PUBLISHABLE,
    ]
    assert "limited by Strap" in res.rule


def test_a_kit_waiting_for_an_arriving_component_gets_its_date():
    soon, later = date(2026, 12, 10), date(2026, 12, 14)
    strap = replace(result(7), future=5, available_at=later)  # 2 now, 5 arriving
    buckle = replace(result(5), future=1, available_at=soon)  # 4 now, 1 arriving
    res = kit_result({A: 2, B: 1}, {A: strap, B: buckle})
    assert (res.publishable, res.future, res.available_at) == (3, 2, later)
    on_hand = kit_result({A: 2, B: 1}, {A: result(7), B: buckle})  # 3 kits now
    assert (on_hand.publishable, on_hand.future, on_hand.available_at) == (3, 0, None)


def test_the_limit_moves_to_the_component_that_drops():
    res = kit_result({A: 2, B: 1}, {A: result(7), B: result(2)}, {A: "Strap", B: "Buckle"})
    assert (res.publishable, res.limited_by) == (2, "Buckle")


def test_a_missing_component_result_counts_as_none_available():
    res = kit_result({A: 2, B: 1}, {A: result(7)}, {A: "Strap", B: "Buckle"})
    assert (res.publishable, res.limited_by) == (0, "Buckle")


def test_optional_components_do_not_limit_and_an_empty_kit_publishes_zero():
    assert kit_quantity({A: 0, B: 1}, {A: 0, B: 4}) == (4, B)
    assert kit_quantity({}, {A: 4}) == (0, None)
    assert kit_result({}, {}).publishable == 0


def test_fractional_quantities_per_kit_in_the_component_unit():
    # 0.5 m of cable per kit, 3.2 m publishable -> 6 kits; float noise tolerated
    assert kit_quantity({A: 0.5}, {A: 3.2}) == (6, A)
    assert kit_quantity({A: 0.1}, {A: 0.3}) == (3, A)


def test_the_kit_stock_in_kit_units_keeps_on_hand_minus_reserved_equal_sellable():
    results = {A: Result(publishable=6, sellable=6, stock=Stock(on_hand=10, reserved=4))}
    res = kit_result({A: 2}, results)
    assert (res.stock.on_hand, res.stock.reserved, res.sellable) == (5, 2, 3)
    assert res.stock.sellable == res.sellable


def test_nested_kits_multiply_out_and_repeated_components_sum():
    tree = {"gift": {"watch": 1, A: 1}, "watch": {A: 2, B: 1}}
    assert flatten(tree, "gift") == {A: 3, B: 1}


def test_a_loop_in_the_kits_does_not_hang():
    tree = {"x": {"y": 1, A: 1}, "y": {"x": 1}}
    assert flatten(tree, "x") == {A: 1}


def test_an_order_of_a_kit_and_its_component_sums_the_component():
    tree = {"kit": {A: 3, B: 1}}
    assert demand([("kit", 2), (A, 1)], tree) == {A: 7, B: 2}


per_kit = st.dictionaries(st.integers(0, 5), st.integers(1, 5).map(float), min_size=1, max_size=4)
available = st.dictionaries(st.integers(0, 5), st.integers(0, 100), max_size=6)


@settings(deadline=None)  # a loaded machine: the arithmetic is what is checked, not time
@given(per_kit, available)
def test_kits_never_need_more_than_is_available(per, avail):
    kits, limiting = kit_quantity(per, avail)
    for component, need in per.items():
        assert kits * need <= avail.get(component, 0)
    # and one more kit would not fit: the limiting component is short for it
    assert (kits + 1) * per[limiting] > avail.get(limiting, 0)
    assert kits == min(math.floor(avail.get(c, 0) / n) for c, n in per.items())


direct = st.dictionaries(st.integers(0, 5), st.integers(0, 10), max_size=4)


@settings(deadline=None)
@given(per_kit, direct, st.integers(0, 5))
def test_demand_is_additive(per, alone, kits):
    tree = {"kit": per}
    lines = [("kit", kits), *alone.items()]
    needed = demand(lines, tree)
    for component in set(per) | set(alone):
        expected = kits * per.get(component, 0) + alone.get(component, 0)
        assert math.isclose(needed.get(component, 0), expected)
