"""core.batch: each distinct allocation and combination computed once, the quantities
without their explain, the explain (equal to the full path's) when read (no Odoo)."""

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import allocation
from core.allocation import DEFAULT_RULE, Ceiling, Result, Rule, Stock, Velocity, allocate
from core.batch import Batch, Combined, Own, Shared
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


# --- Batch: the quantities without the explain, the explain when read -------------------

CHANNELS = (10, 11, 12)  # the batch's channels; 13 only shares the warehouses (fences)
WAREHOUSES = (1, 2, 3)
batch_rules = st.builds(
    Rule,
    share_percent=st.sampled_from([100.0, 50.0, 33.3, 0.0, 99.9]),
    safety_buffer=st.integers(0, 4),
    max_exposure=st.integers(0, 8),
    ring_fenced_qty=st.integers(0, 4),
    include_incoming_days=st.integers(0, 10),
    backorder_qty=st.integers(0, 5),
    min_publish_threshold=st.integers(0, 4),
    latency_buffer=st.booleans(),
    label=st.sampled_from(["", "rule A", "rule B"]),
)
batch_stocks = st.builds(
    Stock,
    on_hand=st.sampled_from([0.0, 1.0, 2.0, 3.5, 7.0, 12.0, 40.0]),
    reserved=st.sampled_from([0.0, 1.0, 2.0]),
    non_sellable=st.sampled_from([0.0, 1.0]),
    incoming=st.lists(
        st.tuples(
            st.integers(-2, 12).map(lambda d: TODAY + timedelta(days=d)),
            st.sampled_from([1.0, 2.0, 5.0]),
        ),
        max_size=3,
    ).map(tuple),
    held=st.sampled_from([0.0, 0.0, 1.0]),
)
ceilings = st.none() | st.builds(Ceiling, st.integers(0, 6), st.just("max"), st.just("bol.com"))


@st.composite
def sourced(draw):
    """A channel's combiner: its warehouse (Own) or sources, some qualified (Combined)."""
    if draw(st.booleans()):
        return Own(draw(st.sampled_from(WAREHOUSES)))
    keys = draw(st.permutations(WAREHOUSES))[: draw(st.integers(1, 3))]
    sources = [
        Source(key, f"WH{key}", safety_stock=draw(st.integers(0, 2)),
               fallback=draw(st.booleans()), fallback_threshold=draw(st.integers(0, 6)))
        for key in keys
    ]  # fmt: skip
    oks = {key: draw(st.booleans()) for key in keys}
    qualified = {key: (ok, 1, "" if ok else f"WH{key}: too far") for key, ok in oks.items()}
    return Combined(sources, qualified, draw(ceilings))


def _keys(combiners, warehouse):
    return tuple(
        channel
        for channel, how in combiners.items()
        if (
            how.warehouse == warehouse
            if isinstance(how, Own)
            else how.qualified.get(warehouse, (0,))[0]
        )
    )


def _old_path(combiners, inputs, backorder, ceilings, today):
    """The full path as _compute_publishable ran it before Batch: allocate every channel
    at each warehouse, then each channel's combiner."""
    per_warehouse = {
        warehouse: allocate(stock, rules, allow_backorder=backorder, today=today,
                            velocity=velocity, ceilings=ceilings)
        for warehouse, stock, rules, _keys, velocity in inputs
    }  # fmt: skip
    return {channel: how.full(channel, per_warehouse) for channel, how in combiners.items()}


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_batch_results_equal_the_full_path_explain_included(data):
    """Numbers first, explain when read: every Result of a Batch equals the full path's
    (allocate, combine, cap), figures, steps and sources, for random figures, rules,
    fences, backorders, ceilings, velocities and sources."""
    combiners = {channel: data.draw(sourced()) for channel in CHANNELS}
    backorder = {channel: data.draw(st.booleans()) for channel in (*CHANNELS, 13)}
    caps = {c: data.draw(ceilings) for c, how in combiners.items() if isinstance(how, Own)}
    work = Batch(combiners, backorder, caps, TODAY)
    for _variant in range(data.draw(st.integers(1, 3))):
        inputs = []
        for warehouse in WAREHOUSES:
            rules = {channel: data.draw(batch_rules) for channel in (*CHANNELS, 13)}
            velocity = data.draw(st.none() | st.just({
                channel: Velocity(data.draw(st.sampled_from([0.0, 50.0, 900.0, 3000.0])), 95.0)
                for channel in CHANNELS
            }))  # fmt: skip
            stock = data.draw(batch_stocks)
            inputs.append((warehouse, stock, rules, _keys(combiners, warehouse), velocity))
        got = work.results(tuple(inputs))
        expected = _old_path(combiners, inputs, backorder, caps, TODAY)
        for channel in CHANNELS:
            numbers = dataclasses.replace(got[channel], steps=(), sources=())
            assert numbers == dataclasses.replace(expected[channel], steps=(), sources=())
            assert got[channel] == expected[channel]
            assert list(got[channel].steps) == list(expected[channel].steps)
            assert got[channel].sources == expected[channel].sources


def test_the_explain_is_computed_only_when_read_and_once():
    calls = []
    combiners = {10: Own(1)}
    work = Batch(combiners, {}, {}, TODAY)
    explained = work.explained
    work.explained = lambda *args: calls.append(args) or explained(*args)
    result = work.results(((1, Stock(on_hand=5), {10: DEFAULT_RULE}, (10,), None),))[10]
    assert result.publishable == 5 and not calls
    assert [step["text"] for step in result.steps][-1] == "publishable 5"
    assert len(result.steps) == 5 and result.steps[0]["step"] == "on_hand"
    assert len(calls) == 1


def test_a_deferred_explain_reads_as_a_tuple():
    work = Batch({10: Own(1)}, {}, {}, TODAY)
    stock = Stock(on_hand=5, reserved=1)
    result = work.results(((1, stock, {10: DEFAULT_RULE}, (10,), None),))[10]
    full = allocate(stock, {10: DEFAULT_RULE}, today=TODAY)[10]
    assert result == full and full == result
    assert result.steps == full.steps and full.steps == result.steps
    assert result.steps[-1] == full.steps[-1] and result.steps[:2] == full.steps[:2]
    assert bool(result.steps) and list(reversed(result.steps)) == list(reversed(full.steps))
    assert repr(result) == repr(full)
    with pytest.raises(AttributeError):
        result.steps.append({})
    excluded = dataclasses.replace(result, publishable=0, steps=[*result.steps[:-1]])
    assert isinstance(excluded.steps, tuple) and len(excluded.steps) == len(full.steps) - 1


# --- the chunk-wide path: fixed rules, twins -------------------------------------------

RULE_POOL = (DEFAULT_RULE, Rule(share_percent=50.0, label="rule A"), Rule(ring_fenced_qty=2))


@st.composite
def twin_combiners(draw):
    """Channels drawing from a few shared source lists (twins when the same list), or
    their own warehouse."""
    specs = [draw(sourced()) for _spec in range(2)]
    combiners = {}
    for channel in CHANNELS:
        how = draw(st.sampled_from(specs))
        if isinstance(how, Combined) and draw(st.booleans()):  # its sources in another order
            how = Combined(draw(st.permutations(how.sources)), how.qualified, how.ceiling)
        combiners[channel] = how
    return combiners


fraction_stocks = st.builds(Stock, on_hand=st.sampled_from([0.1, 0.2, 0.3, 0.7]))
whole_stocks = st.builds(
    Stock,
    on_hand=st.sampled_from([0.0, 1.0, 3.0, 7.0, -2.0]),
    reserved=st.sampled_from([0.0, 1.0]),
    held=st.sampled_from([0.0, 1.0]),
)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fixed_results_equal_results_and_the_full_path(data):
    """A chunk whose rules are the same for every variant (Batch.fixed_results), the
    channels sharing sources and rules (twins): the same Results as Batch.results and the
    full path, explain and sources included, whether equal figures share a Stock or not."""
    combiners = data.draw(twin_combiners())
    backorder = {channel: data.draw(st.booleans()) for channel in (*CHANNELS, 13)}
    caps = {c: data.draw(ceilings) for c, how in combiners.items() if isinstance(how, Own)}
    ids = list(range(data.draw(st.integers(1, 6))))
    pool = data.draw(
        st.lists(batch_stocks | whole_stocks | fraction_stocks, min_size=1, max_size=3)
    )
    columns = []
    for warehouse in WAREHOUSES:
        rules = {channel: data.draw(st.sampled_from(RULE_POOL)) for channel in (*CHANNELS, 13)}
        if data.draw(st.booleans()):  # one rule for every channel there
            rules = dict.fromkeys(rules, data.draw(st.sampled_from(RULE_POOL)))
        stocks = {}
        for product_id in ids:
            stock = data.draw(st.sampled_from(pool))
            stocks[product_id] = stock if data.draw(st.booleans()) else dataclasses.replace(stock)
        columns.append((warehouse, stocks, rules, _keys(combiners, warehouse)))
    fast = dict(Batch(combiners, backorder, caps, TODAY).fixed_results(ids, columns))
    one_by_one = Batch(combiners, backorder, caps, TODAY)
    for product_id in ids:
        inputs = tuple((w, stocks[product_id], rules, keys, None)
                       for w, stocks, rules, keys in columns)  # fmt: skip
        slow = one_by_one.results(inputs)
        expected = _old_path(combiners, inputs, backorder, caps, TODAY)
        for channel in CHANNELS:
            got = fast[product_id][channel]
            assert got == slow[channel] == expected[channel]
            assert list(got.steps) == list(expected[channel].steps)
            assert got.sources == expected[channel].sources


def test_twins_sum_their_sources_once_each_its_own_explain(monkeypatch):
    """Channels counting the same sources in the same order, under the same rules, are
    summed once per variant, each Result its own explain (11: another handling time);
    another order is another sum; a channel of the same sources and rules as another
    (13, as 10) has the same Result."""
    calls = []
    figures = Combined.figures
    monkeypatch.setattr(Combined, "figures", lambda *args: calls.append(args[1]) or figures(*args))
    sources = [Source(1, "Paris"), Source(2, "Lyon")]
    slower = [Source(1, "Paris", handling_days=2), Source(2, "Lyon")]
    qualified = {s.key: qualifies(s, Market()) for s in sources}
    combiners = {
        10: Combined(sources, qualified, None),
        11: Combined(slower, {s.key: qualifies(s, Market()) for s in slower}, None),
        12: Combined(sources[::-1], qualified, None),
        13: Combined(sources, qualified, None),
    }
    rules = dict.fromkeys(combiners, DEFAULT_RULE)
    columns = [(w, {7: Stock(on_hand=w + 2.5)}, rules, tuple(rules)) for w in (1, 2)]
    work = Batch(combiners, {}, {}, TODAY)
    [(_product, results)] = list(work.fixed_results([7], columns))
    assert calls == [10, 12]  # 3.5 + 4.5 is not always 4.5 + 3.5 in floats
    assert results[10].publishable == results[11].publishable == results[12].publishable == 7
    assert results[10].steps != results[11].steps  # Paris (0 days), Paris (2 days)
    assert results[13] is results[10]
    assert [c.key for c in results[10].sources] == [1, 2]
    assert [c.key for c in results[12].sources] == [2, 1]
    calls.clear()
    columns = [(w, {7: Stock(w + 2.0, 1.0)}, rules, tuple(rules)) for w in (1, 2)]
    [(_product, results)] = list(Batch(combiners, {}, {}, TODAY).fixed_results([7], columns))
    assert calls == [10]  # whole figures: the same sums in any order
    numbers = [dataclasses.replace(results[c], steps=(), sources=()) for c in (10, 12)]
    assert numbers[0] == numbers[1] and results[10].sources != results[12].sources
    assert results[12].stock == Stock(on_hand=7.0, reserved=2.0)


def test_channels_of_the_same_warehouse_and_rule_share_their_result():
    """Two channels drawing from their warehouse under the same rule, backorder flag and
    ceiling get the same Result (the same figures and explain); another ceiling, or
    another warehouse, its own."""
    ceiling = Ceiling(4, "max", "bol.com")
    combiners = {10: Own(1), 11: Own(1), 12: Own(1), 13: Own(2)}
    work = Batch(combiners, {}, {12: ceiling}, TODAY)
    rules = dict.fromkeys(combiners, DEFAULT_RULE)
    inputs = ((1, Stock(6.0), rules, (10, 11, 12), None), (2, Stock(6.0), rules, (13,), None))
    results = work.results(inputs)
    assert results[11] is results[10] and results[12] is not results[10]
    assert results[13] is not results[10] and results[13] == results[10]
    assert (results[10].publishable, results[12].publishable) == (6, 4)
    assert _old_path(combiners, inputs, {}, {12: ceiling}, TODAY) == results


LABELLED = Rule(label="rule A")


@pytest.mark.parametrize(
    "figures, labels, fallback, sums",
    [
        ((0.1, 0.2, 0.3), (DEFAULT_RULE,) * 3, False, 2),  # floats: the order matters
        ((1.0, 2.0, 3.0), (DEFAULT_RULE,) * 3, False, 1),  # whole: it does not
        ((1.0, 2.0, 3.0), (DEFAULT_RULE, LABELLED, DEFAULT_RULE), False, 2),  # labels joined
        ((1.0, 2.0, 3.0), (DEFAULT_RULE,) * 3, True, 2),  # a fallback counts by the total before
    ],
)
def test_loose_twins_only_when_the_order_of_the_sums_cannot_matter(
    monkeypatch, figures, labels, fallback, sums
):
    """0.1 + 0.2 + 0.3 is not 0.3 + 0.2 + 0.1 in floats, nor "A; B" "B; A", and a fallback
    counts by the total before it: channels counting the same sources in another order
    are summed once only when none of these is the case; each Result its full path's."""
    calls = []
    figures_of = Combined.figures
    monkeypatch.setattr(Combined, "figures", lambda *a: calls.append(a[1]) or figures_of(*a))
    sources = [
        Source(1, "Paris", fallback=fallback, fallback_threshold=2),
        Source(2, "Lyon"),
        Source(3, "Lille"),
    ]
    qualified = {s.key: qualifies(s, Market()) for s in sources}
    combiners = {
        10: Combined(sources, qualified, None),
        11: Combined(sources[::-1], qualified, None),
    }
    columns = [
        (w, {7: Stock(on_hand=q)}, {10: rule, 11: rule}, (10, 11))
        for w, q, rule in zip((1, 2, 3), figures, labels, strict=True)
    ]
    [(_product, results)] = list(Batch(combiners, {}, {}, TODAY).fixed_results([7], columns))
    inputs = tuple((w, stocks[7], rules, keys, None) for w, stocks, rules, keys in columns)
    expected = _old_path(combiners, inputs, {}, {}, TODAY)
    assert len(calls) == sums
    assert results == expected
    assert [(r.stock.on_hand, r.rule) for r in results.values()] == [
        (r.stock.on_hand, r.rule) for r in expected.values()
    ]


@given(
    st.integers(0, 50), st.integers(0, 50), batch_stocks, st.booleans(),
    st.sampled_from(["", "rule A"]), st.none() | st.just(TODAY),
)  # fmt: skip
def test_a_result_built_for_a_batch_is_a_result(publishable, sellable, stock, short, rule, day):
    """allocation.deferred_result: the Result the dataclass makes of the same values,
    frozen, compared, hashed, printed and replaced as one."""
    steps = ({"step": "publishable", "qty": publishable},)
    values = (publishable, sellable, stock, 1, 0, short, rule, steps, 2, day, "", "", ())
    fast, slow = allocation.deferred_result(*values), Result(*values)
    assert type(fast) is Result and fast == slow and repr(fast) == repr(slow)
    assert hash(dataclasses.replace(fast, steps=())) == hash(dataclasses.replace(slow, steps=()))
    assert dataclasses.astuple(fast) == dataclasses.astuple(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.publishable = 0
    assert dataclasses.replace(fast, publishable=0) == dataclasses.replace(slow, publishable=0)
