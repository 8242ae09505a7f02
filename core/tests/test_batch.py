"""core.batch.Shared: each distinct allocation and combination computed once (no Odoo)."""

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.allocation import DEFAULT_RULE, Rule, Stock, Velocity, allocate
from core.batch import Shared
from core.promise import Market, Source, combine, qualifies

TODAY = date(2026, 12, 7)
SOURCES = [Source(1, "Paris", safety_stock=1), Source(2, "Lyon")]
QUALIFIED = {s.key: qualifies(s, Market()) for s in SOURCES}


def test_same_inputs_compute_once_and_share_the_result():
    shared, calls = Shared(), []
    rules = {10: DEFAULT_RULE, 11: Rule(share_percent=50)}

    def compute(stock):
        calls.append(stock)
        return allocate(stock, rules, today=TODAY)

    first = shared.allocation(1, Stock(on_hand=5), rules, None, lambda: compute(Stock(on_hand=5)))
    again = shared.allocation(1, Stock(on_hand=5), dict(rules), None, lambda: compute(None))
    other = shared.allocation(1, Stock(on_hand=6), rules, None, lambda: compute(Stock(on_hand=6)))
    assert first is again and first is not other
    assert len(calls) == 2


def test_a_shared_result_cannot_be_changed_in_place():
    """Shared among variants, a Result is frozen, its steps a tuple: a later step (kits,
    exclusions, caps) builds a new one, the others sharing it unaffected."""
    shared = Shared()
    rules = {10: DEFAULT_RULE}
    stock = Stock(on_hand=5)
    result = shared.allocation(1, stock, rules, None, lambda: allocate(stock, rules, today=TODAY))
    result = result[10]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.publishable = 0
    with pytest.raises(AttributeError):
        result.steps.append({})
    capped = dataclasses.replace(result, publishable=3, steps=[*result.steps, {"step": "x"}])
    assert isinstance(capped.steps, tuple) and len(capped.steps) == len(result.steps) + 1
    assert result.publishable == 5


def test_a_different_rule_warehouse_or_velocity_is_another_computation():
    shared = Shared()
    stock = Stock(on_hand=5)
    seen = set()
    for warehouse, rule, velocity in [
        (1, DEFAULT_RULE, None),
        (2, DEFAULT_RULE, None),
        (1, Rule(safety_buffer=1), None),
        (1, DEFAULT_RULE, {10: Velocity(5, 60)}),
    ]:
        rules = {10: rule}
        result = shared.allocation(warehouse, stock, rules, velocity, lambda r=rules: {"r": r})
        seen.add(id(result))
    assert len(seen) == 4


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2)), min_size=1, max_size=30))
def test_shared_results_equal_the_results_computed_one_by_one(figures):
    """Per variant (Paris, Lyon on hand): the shared path's combined Result equals the
    one computed alone, explain steps included."""
    shared = Shared()
    rules = {10: DEFAULT_RULE, 11: Rule(ring_fenced_qty=1)}
    for paris, lyon in figures:
        per_warehouse = {}
        for key, qty in ((1, paris), (2, lyon)):
            stock = Stock(on_hand=qty)
            per_warehouse[key] = shared.allocation(
                key, stock, rules, None, lambda s=stock: allocate(s, rules, today=TODAY)
            )
        got = shared.combined(per_warehouse, _combine)
        alone = _combine({k: allocate(Stock(on_hand=q), rules, today=TODAY)
                          for k, q in ((1, paris), (2, lyon))})  # fmt: skip
        assert got == alone


def _combine(per_warehouse):
    return combine(SOURCES, QUALIFIED, {k: per_warehouse[k][10] for k in per_warehouse})
