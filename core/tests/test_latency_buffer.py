"""The latency-adaptive buffer: units selling during the channel's p95 push latency."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.allocation import (
    STEP_LATENCY_BUFFER,
    STEP_SAFETY_BUFFER,
    Rule,
    Stock,
    Velocity,
    allocate,
    publishable,
)

TODAY = date(2026, 11, 23)
DAY = 86400


def _steps(result):
    return {step["step"]: step for step in result.steps}


@pytest.mark.parametrize(
    ("per_day", "seconds", "units"),
    [
        (2.0, DAY / 2, 1),  # exactly 1 unit
        (2.0, DAY / 2 + 1, 1),  # a little more than 1: 1
        (12.5, 95, 0),  # a slow seller on a fast channel: no cushion
        (1 / 7, DAY / 2, 0),  # one sale a week, 12 h latency: 0.07 unit, no cushion
        (24.0, 3600 * 0.5, 1),  # half a unit: rounded up
        (24.0, 3600 * 2.5, 3),  # 2.5 units
        (24.0, 3600 * 2.4, 2),
        (0.1 / 7 * 3, DAY * 7 / 3 * 10, 1),  # 1.0 computed through floats
        (100.0, DAY * 3, 300),
    ],
)
def test_units_are_rounded_to_the_nearest(per_day, seconds, units):
    assert Velocity(per_day, seconds).units == units


@pytest.mark.parametrize(
    "velocity", [Velocity(), Velocity(0.0, 3600.0), Velocity(5.0, 0.0), Velocity(-1.0, 60.0)]
)
def test_no_units_without_sales_or_latency(velocity):
    assert velocity.units == 0


def test_describe_says_where_the_units_come_from():
    assert Velocity(12.5, 95.0).describe() == "12.5 units/day x p95 95 s"
    assert Velocity(2.0, 43200.0).describe() == "2 units/day x p95 43200 s"
    assert Velocity(1 / 7, 0.1234).describe() == "0.14 units/day x p95 0.12 s"


def test_step_after_the_safety_buffer_names_the_rule_and_the_figures():
    rule = Rule(safety_buffer=2, latency_buffer=True, label="Standard v3, all products")
    result = publishable(Stock(on_hand=20), rule, today=TODAY, velocity=Velocity(48.0, 7200.0))
    assert result.publishable == 14  # 20 - 2 - (48 / 86400 * 7200 = 4)
    codes = [step["step"] for step in result.steps]
    assert codes.index(STEP_LATENCY_BUFFER) == codes.index(STEP_SAFETY_BUFFER) + 1
    step = _steps(result)[STEP_LATENCY_BUFFER]
    assert (step["step"], step["qty"], step["rule"]) == (
        STEP_LATENCY_BUFFER,
        -4,
        "Standard v3, all products: 48 units/day x p95 7200 s",
    )
    assert step["text"] == "latency buffer 4: 18 \u2192 14 (48 units/day x p95 7200 s)"


def test_buffer_never_goes_below_zero_and_comes_before_the_own_fence():
    rule = Rule(latency_buffer=True, ring_fenced_qty=3)
    result = publishable(
        Stock(on_hand=5), rule, own_fence=3, today=TODAY, velocity=Velocity(100.0, DAY)
    )
    assert result.publishable == 3, "the ring-fenced units stay"
    step = _steps(result)[STEP_LATENCY_BUFFER]
    assert (step["qty"], step["rule"]) == (-2, "100 units/day x p95 86400 s")


def test_option_on_without_figures_shows_a_zero_step():
    rule = Rule(latency_buffer=True, label="r")
    result = publishable(Stock(on_hand=10), rule, today=TODAY)
    assert result.publishable == 10
    step = _steps(result)[STEP_LATENCY_BUFFER]
    assert (step["step"], step["qty"], step["rule"]) == (
        STEP_LATENCY_BUFFER,
        0,
        "r: 0 units/day x p95 0 s",
    )


@given(
    st.integers(0, 1_000),
    st.integers(0, 50),
    st.floats(0, 1_000, allow_nan=False),
    st.floats(0, 7 * DAY, allow_nan=False),
)
def test_rule_without_the_option_ignores_the_velocity(on_hand, buffer, per_day, seconds):
    rule = Rule(safety_buffer=buffer, label="r")
    plain = publishable(Stock(on_hand=on_hand), rule, today=TODAY)
    fast = publishable(
        Stock(on_hand=on_hand), rule, today=TODAY, velocity=Velocity(per_day, seconds)
    )
    assert fast == plain
    assert STEP_LATENCY_BUFFER not in _steps(fast)


@given(st.integers(0, 1_000), st.floats(0, 1_000, allow_nan=False), st.floats(0, DAY))
def test_option_takes_exactly_the_units_off(on_hand, per_day, seconds):
    velocity = Velocity(per_day, seconds)
    plain = publishable(Stock(on_hand=on_hand), Rule(), today=TODAY).publishable
    buffered = publishable(
        Stock(on_hand=on_hand), Rule(latency_buffer=True), today=TODAY, velocity=velocity
    ).publishable
    assert buffered == max(0, plain - velocity.units)


def test_allocate_passes_each_channel_its_own_velocity():
    stock = Stock(on_hand=100)
    rules = {
        "web": Rule(latency_buffer=True),
        "market": Rule(latency_buffer=True),
        "pos": Rule(),
        "shop": Rule(latency_buffer=True),
    }
    velocity = {
        "web": Velocity(2.0, 60.0),  # 0.0014 unit: no cushion
        "market": Velocity(30.0, 3 * 3600.0),  # 3.75 units: 4
        "pos": Velocity(1_000.0, DAY),  # the rule has no latency buffer
    }  # "shop": no figures, nothing held back
    results = allocate(stock, rules, today=TODAY, velocity=velocity)
    assert {key: res.publishable for key, res in results.items()} == {
        "web": 100,
        "market": 96,
        "pos": 100,
        "shop": 100,
    }
    assert _steps(results["market"])[STEP_LATENCY_BUFFER]["rule"] == ("30 units/day x p95 10800 s")


def test_defaults_give_the_results_without_the_option():
    stock = Stock(on_hand=40, reserved=3)
    rules = {1: Rule(share_percent=50, safety_buffer=2), 2: Rule(ring_fenced_qty=5)}
    assert allocate(stock, rules, today=TODAY) == allocate(stock, rules, today=TODAY, velocity={})
    assert allocate(stock, rules, today=TODAY)[1].publishable == 14  # (37 - 5) / 2 - 2
