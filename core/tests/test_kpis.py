"""Order-flow KPIs: percentiles as percentile_cont, rates, never a made-up 0 (no Odoo)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.kpis import OrderFlowCounts, hours, order_flow_kpis, percentile, rate

# -- percentile ------------------------------------------------------------------------------


def test_percentile_interpolates_between_the_closest_ranks_as_postgresql():
    # SELECT percentile_cont(0.5|0.95) WITHIN GROUP (ORDER BY v) FROM (VALUES (1),(2),(3),(4))
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([4, 1, 3, 2], 0.95) == pytest.approx(3.85)
    assert percentile([100, 200, 300, 400, 1000], 0.95) == pytest.approx(880.0)


def test_percentile_of_one_value_and_the_bounds():
    assert percentile([7], 0.95) == 7
    assert percentile([5, 1, 9], 0) == 1
    assert percentile([5, 1, 9], 1) == 9


def test_percentile_of_nothing_is_not_measured():
    assert percentile([], 0.5) is None


def test_percentile_refuses_a_fraction_outside_0_1():
    with pytest.raises(ValueError):
        percentile([1, 2], 95)


@given(st.lists(st.floats(0, 1e9), min_size=1, max_size=50), st.floats(0, 1))
def test_percentile_stays_within_the_values(values, fraction):
    assert min(values) <= percentile(values, fraction) <= max(values)


# -- rates -----------------------------------------------------------------------------------


def test_rate_is_a_percent_and_none_without_anything_to_measure():
    assert rate(3, 4) == 75.0
    assert rate(0, 4) == 0.0
    assert rate(0, 0) is None


def test_hours():
    assert hours(5400) == 1.5
    assert hours(None) is None


# -- order_flow_kpis -------------------------------------------------------------------------


def test_order_flow_kpis_of_a_channel():
    counts = OrderFlowCounts(
        shipped=4,
        touchless=3,
        ship_seconds=(3600, 7200, 10800, 36000),
        tracking_decided=4,
        tracking_fresh=2,
        sla_decided=5,
        sla_kept=4,
    )
    kpis = order_flow_kpis(counts)
    assert kpis.touchless_rate == 75.0
    assert kpis.ship_p50_hours == 2.5
    assert kpis.ship_p95_hours == pytest.approx(8.95)  # rank 2.85: 3 + 0.85 x (10 - 3)
    assert kpis.sla_rate == 80.0
    assert kpis.tracking_rate == 50.0


def test_nothing_shipped_is_not_measured_never_zero():
    kpis = order_flow_kpis(OrderFlowCounts())
    assert kpis.touchless_rate is None
    assert kpis.ship_p50_hours is None
    assert kpis.ship_p95_hours is None
    assert kpis.sla_rate is None
    assert kpis.tracking_rate is None


def test_a_channel_without_status_pushes_has_no_tracking_freshness():
    counts = OrderFlowCounts(shipped=1, touchless=1, ship_seconds=(60,), tracking_decided=1)
    assert order_flow_kpis(counts, tracking=False).tracking_rate is None
    assert order_flow_kpis(counts, tracking=True).tracking_rate == 0.0
