"""Property and example tests of the allocation arithmetic (no Odoo)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.allocation import (
    STEP_CHANNEL_MAX,
    STEP_PUBLISHABLE,
    Ceiling,
    Rule,
    Stock,
    allocate,
    fenced_shares,
    orderable,
    publishable,
    shop_limit,
    shop_split,
    shop_words,
    whole_units,
)

TODAY = date(2026, 11, 23)

units = st.integers(min_value=0, max_value=10_000)
rules = st.builds(
    Rule,
    share_percent=st.floats(min_value=0, max_value=100, allow_nan=False),
    safety_buffer=st.integers(0, 500),
    max_exposure=st.integers(0, 5_000),
    ring_fenced_qty=st.integers(0, 500),
    include_incoming_days=st.integers(0, 30),
    backorder_qty=st.integers(0, 50),
    min_publish_threshold=st.integers(0, 50),
)
incomings = st.lists(
    st.tuples(st.integers(0, 60).map(lambda d: TODAY + timedelta(days=d)), units), max_size=4
)


def _stock(on_hand, reserved=0, non_sellable=0, incoming=()):
    return Stock(on_hand=on_hand, reserved=reserved, non_sellable=non_sellable, incoming=incoming)


@given(units, units, units, incomings, st.dictionaries(st.integers(1, 5), rules, min_size=1))
def test_never_negative_and_never_above_sellable_except_backorder(
    on_hand, reserved, non_sellable, incoming, channel_rules
):
    stock = _stock(on_hand, reserved, non_sellable, tuple(incoming))
    results = allocate(
        stock, channel_rules, allow_backorder=dict.fromkeys(channel_rules, True), today=TODAY
    )
    for key, result in results.items():
        rule = channel_rules[key]
        assert result.publishable >= 0
        assert isinstance(result.publishable, int)
        ceiling = stock.sellable + stock.incoming_within(rule.include_incoming_days, TODAY)
        if stock.sellable == 0 and rule.backorder_qty:
            assert result.publishable == rule.backorder_qty
        else:
            assert result.publishable <= ceiling
        last = result.steps[-1]
        assert (last["step"], last["qty"], last["rule"]) == (
            STEP_PUBLISHABLE,
            result.publishable,
            "",
        )
        assert last["text"] == f"publishable {result.publishable}"


@given(units, units, rules)
def test_monotone_in_sellable(sellable, more, rule):
    low = publishable(_stock(sellable), rule, today=TODAY).publishable
    high = publishable(_stock(sellable + more), rule, today=TODAY).publishable
    assert low <= high


@given(units, rules)
def test_cap_and_threshold_are_respected(on_hand, rule):
    qty = publishable(_stock(on_hand), rule, today=TODAY).publishable
    if rule.max_exposure:
        assert qty <= rule.max_exposure
    if rule.min_publish_threshold:
        assert qty == 0 or qty >= rule.min_publish_threshold


@given(units, st.dictionaries(st.integers(1, 6), st.integers(0, 3_000), min_size=1))
def test_fenced_shares_never_exceed_sellable(sellable, quotas):
    shares = fenced_shares(sellable, quotas)
    assert sum(shares.values()) <= max(sellable, sum(quotas.values()))
    if sum(quotas.values()) > sellable:
        assert sum(shares.values()) <= sellable
    assert all(0 <= shares[k] <= quotas[k] for k in quotas)


@given(units, st.integers(1, 500), st.integers(0, 500))
def test_ring_fenced_units_never_reach_other_channels(on_hand, fence, others):
    results = allocate(
        _stock(on_hand), {"a": Rule(ring_fenced_qty=fence), "b": Rule(), "c": Rule()}, today=TODAY
    )
    own = fenced_shares(on_hand, {"a": fence, "b": 0, "c": 0})["a"]
    assert results["b"].publishable == on_hand - own
    assert results["a"].publishable == on_hand


def test_each_step_of_a_full_rule():
    rule = Rule(
        share_percent=50,
        safety_buffer=2,
        max_exposure=20,
        ring_fenced_qty=3,
        include_incoming_days=7,
        min_publish_threshold=2,
        label="policy v3",
    )
    stock = _stock(
        60,
        reserved=5,
        non_sellable=4,
        incoming=((TODAY + timedelta(days=3), 10), (TODAY + timedelta(days=9), 99)),
    )
    result = publishable(stock, rule, own_fence=3, others_fence=6, today=TODAY)
    # sellable 51; shared 51-3-6 = 42; +10 incoming = 52; 50 % = 26; -2 = 24; +3 = 27; cap 20
    assert result.sellable == 51
    assert result.publishable == 20
    assert [s["step"] for s in result.steps] == [
        "on_hand", "reserved", "non_sellable", "sellable", "ring_fenced_others", "incoming",
        "share", "safety_buffer", "ring_fenced_own", "max_exposure", "publishable",
    ]  # fmt: skip


def test_threshold_and_backorder():
    assert publishable(_stock(3), Rule(min_publish_threshold=5), today=TODAY).publishable == 0
    backorder = Rule(backorder_qty=4)
    assert publishable(_stock(0), backorder, allow_backorder=True, today=TODAY).publishable == 4
    assert publishable(_stock(0), backorder, allow_backorder=False, today=TODAY).publishable == 0
    assert publishable(_stock(1), backorder, allow_backorder=True, today=TODAY).publishable == 1


def test_a_channel_that_takes_at_most_999_is_given_999_and_the_explain_says_why():
    bol = Ceiling(999, "bol.com takes at most 999")
    results = allocate(_stock(1500), {"bol": Rule(), "web": Rule()}, ceilings={"bol": bol},
                       today=TODAY)  # fmt: skip
    assert (results["bol"].publishable, results["web"].publishable) == (999, 1500)
    steps = [(s["step"], s["qty"], s["rule"]) for s in results["bol"].steps]
    assert steps[-2:] == [(STEP_CHANNEL_MAX, -501, bol.why), (STEP_PUBLISHABLE, 999, "")]
    assert STEP_CHANNEL_MAX not in [s["step"] for s in results["web"].steps]
    below = publishable(_stock(40), Rule(), ceiling=bol, today=TODAY)
    assert below.publishable == 40 and STEP_CHANNEL_MAX not in [s["step"] for s in below.steps]
    backorder = publishable(_stock(0), Rule(backorder_qty=5000), allow_backorder=True,
                            ceiling=bol, today=TODAY)  # fmt: skip
    assert backorder.publishable == 999


def test_whole_units_round_down_and_tolerate_float_noise():
    assert whole_units(2.9999999999) == 3
    assert whole_units(2.5) == 2
    assert whole_units(-4) == 0


def test_rule_errors():
    assert Rule(share_percent=101).errors() == ["share_percent must be between 0 and 100"]
    assert Rule(safety_buffer=-1).errors() == ["safety_buffer must not be negative"]
    assert not Rule().errors()


def test_explanation_shows_no_negative_zero():
    steps = publishable(_stock(5), Rule(), today=TODAY).steps
    assert [str(s["qty"]) for s in steps[:3]] == ["5", "0.0", "0.0"]


@given(units, units, st.dictionaries(st.integers(1, 5), rules, min_size=1))
def test_orders_take_at_most_what_other_fences_leave(on_hand, reserved, channel_rules):
    stock = _stock(on_hand, reserved)
    fences = fenced_shares(
        stock.sellable, {key: rule.ring_fenced_qty for key, rule in channel_rules.items()}
    )
    for key in channel_rules:
        left = orderable(stock, channel_rules, key)
        assert 0 <= left <= stock.sellable
        assert left + sum(fences.values()) - fences[key] <= stock.sellable
        # a channel's own fence never limits its own orders
        assert left >= fences[key]


def test_the_shop_sells_the_orderable_quantity_and_only_the_channels_backorders():
    stock = _stock(10)
    channel_rules = {"web": Rule(backorder_qty=3), "market": Rule(ring_fenced_qty=4)}
    can_take = orderable(stock, channel_rules, "web")
    assert can_take == 6
    assert shop_limit(can_take, channel_rules["web"], allow_backorder=False) == 6
    assert shop_limit(can_take, channel_rules["web"], allow_backorder=True) == 9
    # within the warehouse's free quantity, never negative
    assert shop_limit(can_take, channel_rules["web"], allow_backorder=False, free=4) == 4
    assert shop_limit(can_take, Rule(), allow_backorder=True, free=-2) == 0


def test_shop_split_is_the_shop_limit_in_stock_and_on_backorder():
    rule = Rule(backorder_qty=3)
    assert shop_split(2, rule, allow_backorder=True) == (2, 3)
    assert shop_split(2, rule, allow_backorder=False) == (2, 0)
    assert shop_split(6, rule, allow_backorder=True, free=4) == (4, 3)
    assert shop_split(0, Rule(backorder_qty=-1), allow_backorder=True, free=-2) == (0, 0)


@given(units, rules, st.booleans(), st.one_of(st.none(), st.integers(-5, 10_000)))
def test_shop_split_adds_up_to_the_shop_limit(can_take, rule, allow, free):
    assert sum(shop_split(can_take, rule, allow, free=free)) == shop_limit(
        can_take, rule, allow, free=free
    )


def test_the_shop_speaks_in_the_channels_words():
    assert shop_words(2, 3, lead_days=5) == "2 in stock, 3 more ship in 5 days"
    assert shop_words(2, 3) == "2 in stock, 3 more on backorder"
    assert shop_words(2, 0, lead_days=5) == "2 in stock"
    assert shop_words(0, 3, lead_days=1) == "3 ship in 1 day"
    assert shop_words(0, 3) == "3 on backorder"
    assert shop_words(0, 0, lead_days=5) == "Out of stock"
    assert shop_words(1.5, 0) == "1.5 in stock"


def test_orderable_ignores_caps_and_shares():
    stock = _stock(10)
    channel_rules = {"a": Rule(share_percent=10, max_exposure=1), "b": Rule(ring_fenced_qty=4)}
    assert orderable(stock, channel_rules, "a") == 6
    assert orderable(stock, channel_rules, "b") == 10
