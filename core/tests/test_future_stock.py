"""Future stock with its date: the units counted receipts add and the day they are in
(core.allocation: Result.future, Result.available_at, covered_on, shop_words)."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.allocation import (
    Rule,
    Stock,
    allocate,
    covered_on,
    day_words,
    net_of_waiting,
    publishable,
    shop_limit,
    shop_words,
)

TODAY = date(2026, 12, 7)


def _in(days):
    return TODAY + timedelta(days=days)


def test_nothing_on_hand_a_receipt_of_5_in_3_days_is_published_with_its_date():
    stock = Stock(incoming=((_in(3), 5.0),))
    result = publishable(stock, Rule(include_incoming_days=7), today=TODAY)
    assert (result.publishable, result.future, result.available_at) == (5, 5, _in(3))


def test_a_receipt_beyond_the_horizon_is_not_counted_and_has_no_date():
    stock = Stock(incoming=((_in(3), 5.0),))
    result = publishable(stock, Rule(include_incoming_days=2), today=TODAY)
    assert (result.publishable, result.future, result.available_at) == (0, 0, None)


def test_only_the_units_beyond_stock_on_hand_wait_for_the_receipt():
    stock = Stock(on_hand=2.0, incoming=((_in(3), 3.0),))
    result = publishable(stock, Rule(include_incoming_days=7), today=TODAY)
    assert (result.publishable, result.future, result.available_at) == (5, 3, _in(3))


def test_on_hand_only_has_no_date():
    result = publishable(Stock(on_hand=4.0), Rule(include_incoming_days=7), today=TODAY)
    assert (result.publishable, result.future, result.available_at) == (4, 0, None)


def test_the_receipt_that_completes_the_units_gives_the_date():
    stock = Stock(incoming=((_in(5), 4.0), (_in(1), 2.0), (_in(3), 2.0)))
    # capped at 3: the receipts of day 1 (2) and day 3 (2) cover them, day 3
    result = publishable(stock, Rule(include_incoming_days=7, max_exposure=3), today=TODAY)
    assert (result.publishable, result.available_at) == (3, _in(3))
    result = publishable(stock, Rule(include_incoming_days=7), today=TODAY)
    assert (result.publishable, result.available_at) == (8, _in(5))


def test_a_cap_reached_by_stock_on_hand_leaves_no_date():
    stock = Stock(on_hand=5.0, incoming=((_in(3), 5.0),))
    result = publishable(stock, Rule(include_incoming_days=7, max_exposure=4), today=TODAY)
    assert (result.publishable, result.future, result.available_at) == (4, 0, None)


def test_an_overdue_receipt_is_expected_today():
    stock = Stock(incoming=((_in(-2), 3.0),))
    result = publishable(stock, Rule(include_incoming_days=7), today=TODAY)
    assert (result.publishable, result.available_at) == (3, TODAY)


def test_a_threshold_met_only_with_the_receipts_takes_the_last_one():
    assert covered_on(((_in(1), 1.0), (_in(2), 1.0)), 3, 7, TODAY) == _in(2)
    assert covered_on((), 3, 7, TODAY) is None
    assert covered_on(((_in(1), 1.0),), 0, 7, TODAY) is None


def test_orders_waiting_for_goods_take_the_earliest_receipts():
    receipts = ((_in(5), 4.0), (_in(1), 2.0))
    assert net_of_waiting(receipts, 0) == ((_in(1), 2.0), (_in(5), 4.0))
    assert net_of_waiting(receipts, 3) == ((_in(5), 3.0),)
    assert net_of_waiting(receipts, 9) == ()


def test_shop_words_say_when_the_future_units_ship():
    assert day_words(date(2026, 12, 12)) == "12 Dec"
    day = date(2026, 12, 12)
    assert shop_words(2, 0, future=3, available_at=day) == "2 in stock, 3 more ship from 12 Dec"
    assert shop_words(0, 0, future=3, available_at=day) == "3 ship from 12 Dec"
    assert shop_words(2, 3, lead_days=5, future=1, available_at=day) == (
        "2 in stock, 1 more ship from 12 Dec, 3 more ship in 5 days"
    )
    # the backorder phrases are kept
    assert shop_words(2, 3, lead_days=5) == "2 in stock, 3 more ship in 5 days"
    assert shop_words(0, 3) == "3 on backorder"
    assert shop_words(0, 0, future=3) == "Out of stock"  # no date: nothing to promise


def test_the_shop_limit_adds_the_future_units():
    assert shop_limit(2, Rule(), allow_backorder=False, future=3) == 5
    assert shop_limit(2, Rule(), allow_backorder=False, future=-1) == 2


units = st.integers(min_value=0, max_value=500)
rules = st.builds(
    Rule,
    share_percent=st.floats(min_value=0, max_value=100, allow_nan=False),
    safety_buffer=st.integers(0, 50),
    max_exposure=st.integers(0, 500),
    ring_fenced_qty=st.integers(0, 50),
    include_incoming_days=st.integers(0, 30),
    backorder_qty=st.integers(0, 20),
    min_publish_threshold=st.integers(0, 20),
)
incomings = st.lists(
    st.tuples(st.integers(-5, 40).map(_in), st.integers(0, 200).map(float)), max_size=5
)


@given(units, units, incomings, st.dictionaries(st.integers(1, 4), rules, min_size=1))
def test_a_date_only_when_receipts_add_units_and_it_is_one_of_theirs(
    on_hand, reserved, incoming, channel_rules
):
    stock = Stock(on_hand=float(on_hand), reserved=float(reserved), incoming=tuple(incoming))
    allow = {key: key % 2 == 0 for key in channel_rules}
    results = allocate(stock, channel_rules, allow_backorder=allow, today=TODAY)
    without = allocate(
        stock,
        {key: replace(rule, include_incoming_days=0) for key, rule in channel_rules.items()},
        allow_backorder=allow,
        today=TODAY,
    )
    for key, result in results.items():
        rule, now_qty = channel_rules[key], without[key].publishable
        assert (result.available_at is None) == (result.publishable <= now_qty)
        assert result.future == max(0, result.publishable - now_qty)
        if result.available_at is not None:
            horizon = _in(rule.include_incoming_days)
            dates = {max(when, TODAY) for when, qty in incoming if when <= horizon and qty > 0}
            assert result.available_at in dates


@given(incomings, st.floats(0, 1000, allow_nan=False))
def test_waiting_orders_never_leave_more_than_was_incoming(incoming, waiting):
    left = net_of_waiting(tuple(incoming), waiting)
    total = sum(qty for _when, qty in incoming)
    assert abs(sum(qty for _when, qty in left) - max(0.0, total - waiting)) < 1e-6
    assert all(qty > 0 for _when, qty in left)
