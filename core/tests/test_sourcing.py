"""Order sourcing decisions (no Odoo): strategies, capacity, split, the explain."""

from hypothesis import given
from hypothesis import strategies as st

from core.sourcing import Candidate, choose, merge_body_lines, split_parts

PARIS = Candidate(key=1, name="Paris warehouse", available={10: 12}, cost_rank=1, sequence=1)
LYON = Candidate(key=2, name="Lyon store", available={10: 40}, cost_rank=0, sequence=2)


def test_ordered_takes_the_first_source_covering_the_order():
    decision = choose([LYON, PARIS], {10: 3}, "ordered", "none")
    assert decision.allocations == [(1, {10: 3})]
    assert decision.shortfall == {}
    assert decision.lines == [
        "Paris warehouse: promise met, 12 in stock, cost 1 \u2014 chosen",
        "Lyon store: promise met, 40 in stock, cost 0 \u2014 not needed",
    ]


def test_score_prefers_the_cheaper_source_then_the_less_loaded():
    assert choose([PARIS, LYON], {10: 3}, "score").keys == [2]
    busy = Candidate(key=2, name="Lyon store", available={10: 40}, load=9, capacity=10)
    calm = Candidate(key=3, name="Lille", available={10: 40}, load=1, capacity=10, sequence=9)
    assert choose([busy, calm], {10: 1}, "score").keys == [3]


def test_score_takes_the_nearest_source_at_the_same_cost():
    far = Candidate(key=2, name="Lyon store", available={10: 40}, days=3, sequence=1)
    near = Candidate(key=3, name="Lille", available={10: 40}, days=1, sequence=2)
    assert choose([far, near], {10: 1}, "score").keys == [3]
    assert choose([far, near], {10: 1}, "ordered").keys == [2]  # the list's order


def test_a_capacity_in_lines_takes_the_order_only_when_its_lines_fit():
    kw = {"name": "Paris", "available": {10: 9, 11: 9}, "capacity": 50, "unit": "lines"}
    assert not Candidate(key=1, load=49, need=30, **kw).usable()
    assert Candidate(key=1, load=20, need=30, **kw).usable()
    assert not Candidate(key=1, load=21, need=30, **kw).usable()
    assert Candidate(key=1, load=49, need=1, **kw).usable()
    orders = Candidate(key=1, name="Paris", load=9, capacity=10)
    assert orders.usable() and not Candidate(key=1, name="P", load=10, capacity=10).usable()


def test_score_puts_the_whole_order_before_the_cost():
    cheap = Candidate(key=2, name="Lyon store", available={10: 1}, cost_rank=0)
    assert choose([cheap, PARIS], {10: 3}, "score").keys == [1]


def test_a_source_missing_the_promise_is_never_chosen_even_with_more_stock():
    far = Candidate(key=3, name="Far", available={10: 99}, promise_met=False,
                    reason="Far: 4 days > promise 2")  # fmt: skip
    near = Candidate(key=1, name="Near", available={10: 1}, sequence=5)
    decision = choose([far, near], {10: 1}, "score")
    assert decision.keys == [1]
    assert "Far: 4 days > promise 2" in decision.lines


def test_a_source_at_capacity_is_skipped_and_said():
    full = Candidate(key=2, name="Lyon store", available={10: 9}, load=40, capacity=40)
    decision = choose([full, PARIS], {10: 1})
    assert decision.keys == [PARIS.key]
    assert "Lyon store: at capacity (40/40 orders today)" in decision.lines


def test_none_split_short_when_no_single_source_covers():
    a = Candidate(key=1, name="A", available={10: 2, 11: 0})
    b = Candidate(key=2, name="B", available={10: 0, 11: 2}, sequence=1)
    decision = choose([a, b], {10: 1, 11: 1}, split="none")
    assert decision.shortfall == {11: 1}
    assert decision.allocations == [(1, {10: 1, 11: 1})], "the best one, for backorders"


def test_line_split_ships_each_line_whole_from_one_source():
    a = Candidate(key=1, name="A", available={10: 2, 11: 0})
    b = Candidate(key=2, name="B", available={10: 0, 11: 2}, sequence=1)
    decision = choose([a, b], {10: 1, 11: 2}, split="line")
    assert decision.allocations == [(1, {10: 1}), (2, {11: 2})]
    assert decision.shortfall == {}


def test_unit_split_spreads_a_line_over_sources():
    a = Candidate(key=1, name="A", available={10: 2})
    b = Candidate(key=2, name="B", available={10: 3}, sequence=1)
    decision = choose([a, b], {10: 4}, split="unit")
    assert decision.allocations == [(1, {10: 2}), (2, {10: 2})]
    assert decision.lines[0] == "A: promise met, 2 in stock, cost 0 \u2014 chosen for 2 units"


def test_nothing_usable_everything_short():
    decision = choose([Candidate(key=1, name="A", promise_met=False)], {10: 1})
    assert decision.allocations == []
    assert decision.shortfall == {10: 1}


candidates_st = st.lists(
    st.builds(
        Candidate,
        key=st.integers(1, 50),
        name=st.just("S"),
        promise_met=st.booleans(),
        available=st.dictionaries(st.integers(1, 4), st.integers(0, 10), max_size=4),
        cost_rank=st.integers(0, 3),
        sequence=st.integers(0, 5),
        load=st.integers(0, 5),
        capacity=st.integers(0, 5),
    ),
    max_size=5,
    unique_by=lambda c: c.key,
)
needs_st = st.dictionaries(st.integers(1, 4), st.integers(1, 8), min_size=1, max_size=4)


@given(candidates_st, needs_st, st.sampled_from(["ordered", "score"]),
       st.sampled_from(["none", "line", "unit"]))  # fmt: skip
def test_never_more_than_available_unless_short(candidates, needs, strategy, split):
    decision = choose(candidates, needs, strategy, split)
    by_key = {c.key: c for c in candidates}
    for key, quantities in decision.allocations:
        candidate = by_key[key]
        assert candidate.usable(), "never a source off the promise or at capacity"
        for pid, qty in quantities.items():
            if pid not in decision.shortfall:
                assert qty <= candidate.available.get(pid, 0)
    allocated = {}
    for _key, quantities in decision.allocations:
        for pid, qty in quantities.items():
            allocated[pid] = allocated.get(pid, 0) + qty
    if decision.allocations:
        assert allocated == needs, "every unit placed (what is short as a backorder)"
    if not decision.shortfall:
        assert decision.allocations
    if split == "none":
        assert len(decision.allocations) <= 1
    if split == "line":
        placed = [pid for _key, quantities in decision.allocations for pid in quantities]
        assert len(placed) == len(set(placed)), "each line whole at one source"
    assert len(decision.lines) == len(candidates)


def test_split_parts_splits_a_line_across_sources():
    plan = split_parts([(1, 2), (2, 3)], [("a", 4), ("b", 1)])
    assert plan == [(1, "a", 2), (2, "a", 2), (2, "b", 1)]


@given(st.lists(st.integers(1, 5), min_size=1, max_size=3),
       st.lists(st.integers(1, 5), min_size=1, max_size=3))  # fmt: skip
def test_split_parts_keeps_every_line_quantity(part_units, line_units):
    total = sum(line_units)
    parts = [(index, units) for index, units in enumerate(part_units)]
    parts[-1] = (parts[-1][0], parts[-1][1] + max(0, total - sum(part_units)))
    lines = [(f"l{index}", units) for index, units in enumerate(line_units)]
    plan = split_parts(parts, lines)
    for name, units in lines:
        assert sum(qty for _key, line, qty in plan if line == name) == units


def test_the_parts_of_a_split_channel_line_add_up_in_the_status_body():
    lines = [
        {"id": "L1", "status": "shipped", "quantity": 2, "returned": 0},
        {"id": "L2", "status": "accepted", "quantity": 1, "returned": 0},
        {"id": "L1", "status": "in_preparation", "quantity": 2, "returned": 1},
    ]
    assert merge_body_lines(lines) == [
        {"id": "L1", "status": "in_preparation", "quantity": 4, "returned": 1},
        {"id": "L2", "status": "accepted", "quantity": 1, "returned": 0},
    ]
    cancelled = [{"id": "L", "status": "cancelled", "quantity": 1, "returned": 0}] * 2
    assert merge_body_lines(cancelled)[0]["status"] == "cancelled"
