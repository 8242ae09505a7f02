"""Sources and promise: qualification, fallbacks, safety stock, one Result (no Odoo)."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from core.allocation import DEFAULT_RULE, STEP_PUBLISHABLE, Ceiling, Stock, allocate
from core.promise import (
    STEP_SOURCE,
    STEP_SOURCE_LEFT_OUT,
    STEP_SOURCE_SAFETY,
    Market,
    Source,
    cap,
    combine,
    past_cutoff,
    qualifies,
)

TODAY = date(2026, 11, 23)
BENELUX = 7
PARIS = Source(1, "Paris warehouse", handling_days=1, zones=frozenset({BENELUX}), transit={7: 1})
LYON = Source(2, "Lyon store", handling_days=1, zones=frozenset({BENELUX}), transit={7: 2})
MARKET = Market(promise_days=2, zone=BENELUX, zone_name="Benelux")


def result_of(on_hand):
    return allocate(Stock(on_hand=on_hand), {1: DEFAULT_RULE}, today=TODAY)[1]


def test_days_are_handling_plus_transit():
    assert qualifies(PARIS, MARKET) == (True, 2, "")


def test_too_far_says_why():
    assert qualifies(LYON, MARKET) == (False, 3, "Lyon store: 3 days > promise 2")


def test_longer_promise_takes_the_far_source():
    assert qualifies(LYON, Market(3, BENELUX, "Benelux"))[0]


def test_no_promise_counts_every_source_shipping_there():
    assert qualifies(Source(3, "Far", handling_days=9), Market(0, BENELUX, "Benelux"))[0]


def test_zone_not_served():
    source = Source(2, "Lyon store", zones=frozenset({99}))
    assert qualifies(source, MARKET) == (False, None, "Lyon store: does not ship to Benelux")


def test_no_transit_time():
    source = Source(2, "Lyon store")
    assert qualifies(source, MARKET) == (False, None, "Lyon store: no transit time to Benelux")


def test_cutoff_adds_a_day():
    source = Source(1, "Paris warehouse", handling_days=1, cutoff_hour=14.0, transit={7: 1})
    assert qualifies(source, MARKET, local_hour=13.5)[:2] == (True, 2)
    assert qualifies(source, MARKET, local_hour=14.0) == (
        False,
        3,
        "Paris warehouse: 3 days > promise 2",
    )
    assert not past_cutoff(0, 23.9)


def test_combine_sums_the_qualifying_sources():
    sources = [PARIS, LYON]
    qualified = {1: (True, 2, ""), 2: (True, 3, "")}
    combined = combine(sources, qualified, {1: result_of(5), 2: result_of(4)})
    assert combined.publishable == 9
    assert combined.stock.on_hand == 9
    assert [c.publishable for c in combined.sources] == [5, 4]
    texts = [step["text"] for step in combined.steps]
    assert texts == ["Paris warehouse (2 days): + 5", "Lyon store (3 days): + 4", "publishable 9"]


def test_left_out_source_is_explained():
    qualified = {1: qualifies(PARIS, MARKET), 2: qualifies(LYON, MARKET)}
    combined = combine([PARIS, LYON], qualified, {1: result_of(5), 2: result_of(40)})
    assert combined.publishable == 5
    left = [s for s in combined.steps if s["step"] == STEP_SOURCE_LEFT_OUT]
    assert left[0]["text"] == "Lyon store: 3 days > promise 2"


def test_fallback_under_and_above_threshold():
    store = Source(2, "Lyon store", fallback=True, fallback_threshold=3)
    qualified = {1: (True, 1, ""), 2: (True, 1, "")}
    under = combine([PARIS, store], qualified, {1: result_of(2), 2: result_of(6)})
    assert under.publishable == 8
    above = combine([PARIS, store], qualified, {1: result_of(3), 2: result_of(6)})
    assert above.publishable == 3
    assert "not needed" in above.sources[1].reason


def test_safety_stock_at_source():
    source = Source(1, "Paris warehouse", safety_stock=2)
    combined = combine([source], {1: (True, 1, "")}, {1: result_of(5)})
    assert combined.publishable == 3
    codes = [step["step"] for step in combined.steps]
    assert codes == [STEP_SOURCE_SAFETY, STEP_SOURCE, STEP_PUBLISHABLE]
    assert combined.steps[0]["text"] == "safety stock at Paris warehouse 2: 5 \u2192 3"


def test_no_source_qualifies():
    combined = combine([LYON], {2: qualifies(LYON, MARKET)}, {2: result_of(5)})
    assert combined.publishable == 0
    assert combined.steps[-1]["text"] == "publishable 0"


@given(
    st.lists(
        st.tuples(
            st.integers(0, 50),  # on hand
            st.booleans(),  # qualifies
            st.booleans(),  # fallback
            st.integers(0, 20),  # threshold
            st.integers(0, 5),  # safety stock
        ),
        min_size=1,
        max_size=5,
    )
)
def test_combined_is_the_sum_of_what_is_counted(rows):
    sources = [
        Source(i, f"S{i}", fallback=fb, fallback_threshold=th, safety_stock=safety)
        for i, (_qty, _ok, fb, th, safety) in enumerate(rows)
    ]
    qualified = {i: (ok, 1, "" if ok else "no") for i, (_q, ok, *_rest) in enumerate(rows)}
    results = {i: result_of(qty) for i, (qty, *_rest) in enumerate(rows)}
    combined = combine(sources, qualified, results)
    assert combined.publishable == sum(c.publishable for c in combined.sources if c.counted)
    assert combined.publishable >= 0
    assert combined.publishable <= sum(qty for qty, ok, *_r in rows if ok)
    assert len(combined.sources) == len(rows)
    assert all(c.counted <= qualified[c.key][0] for c in combined.sources)
    assert combined.steps[-1]["qty"] == combined.publishable


def test_cap_applies_to_the_sum():
    qualified = {1: (True, 2, ""), 2: (True, 2, "")}
    combined = combine([PARIS, LYON], qualified, {1: result_of(600), 2: result_of(600)})
    capped = cap(combined, Ceiling(999, "bol.com takes at most 999", who="bol.com"))
    assert capped.publishable == 999
    assert capped.steps[-1]["qty"] == 999
    assert cap(combined, None) is combined


def test_backorder_counts_once_when_no_source_has_stock():
    """A channel taking backorders adds its backorder quantity once, not once per source,
    and not at all while a counted source has sellable units."""
    rule = DEFAULT_RULE.__class__(backorder_qty=5)

    def result(on_hand):
        return allocate(Stock(on_hand=on_hand), {1: rule}, allow_backorder={1: True}, today=TODAY)[
            1
        ]

    qualified = {1: (True, 2, ""), 2: (True, 2, "")}
    empty = combine([PARIS, LYON], qualified, {1: result(0), 2: result(0)})
    assert empty.publishable == 5
    assert [c.publishable for c in empty.sources] == [0, 0]
    assert "backorder + 5" in [step["text"] for step in empty.steps]
    one_has_stock = combine([PARIS, LYON], qualified, {1: result(0), 2: result(2)})
    assert one_has_stock.publishable == 2


def test_combined_keeps_held_units_and_the_latest_availability_date():
    rule = DEFAULT_RULE.__class__(include_incoming_days=10)
    later, sooner = date(2026, 11, 30), date(2026, 11, 25)

    def result(on_hand, held, when):
        stock = Stock(on_hand=on_hand, held=held, incoming=((when, 3),))
        return allocate(stock, {1: rule}, today=TODAY)[1]

    qualified = {1: (True, 2, ""), 2: (True, 2, "")}
    combined = combine([PARIS, LYON], qualified, {1: result(0, 0, later), 2: result(4, 1, sooner)})
    assert combined.stock.held == 1
    assert combined.future == 6
    assert combined.available_at == later
    assert combined.publishable == 9
