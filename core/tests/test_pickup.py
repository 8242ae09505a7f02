"""Click & collect decisions (no Odoo): stores that hold the cart, the ready words."""

from datetime import datetime

from core.pickup import (
    hours_text,
    kit_shortfalls,
    opening_state,
    ready_words,
    shortfalls,
    stock_values,
)

MONDAY_10 = datetime(2026, 12, 7, 10, 0)  # a Monday


def test_a_store_holding_every_line_has_no_shortfall():
    assert shortfalls({1: 3, 2: 1}, {1: 3, 2: 5}) == {}


def test_a_kit_is_short_where_one_of_its_components_is():
    plans = {9: {1: 2, 2: 1}}  # kit 9: 2 of 1 and 1 of 2
    assert kit_shortfalls(plans, {}, {1: 4, 2: 5}) == {}
    short = shortfalls({1: 4, 2: 2}, {1: 3, 2: 5})  # 2 kits
    assert kit_shortfalls(plans, short, {1: 3, 2: 5}) == {9: 1}


def test_a_kit_not_for_pickup_or_of_a_component_not_for_pickup_is_short():
    plans = {9: {1: 2, 2: 1}}
    assert kit_shortfalls(plans, {}, {1: 4, 2: 5}, blocked={9}) == {9: 0}
    short = shortfalls({1: 2, 2: 1}, {1: 4, 2: 5}, blocked={2})
    assert kit_shortfalls(plans, short, {1: 4, 2: 5}, blocked={2}) == {9: 0}


def test_a_store_short_of_one_line_says_what_it_holds():
    assert shortfalls({1: 3, 2: 1}, {1: 2, 2: 5}) == {1: 2}
    assert shortfalls({1: 1}, {}) == {1: 0}
    assert shortfalls({1: 1}, {1: -4}) == {1: 0}


def test_a_product_not_for_pickup_is_short_everywhere():
    assert shortfalls({1: 1, 2: 1}, {1: 9, 2: 9}, blocked={2}) == {2: 0}


def test_preparation_times_read_as_a_person_says_them():
    assert (hours_text(2), hours_text(1.5), hours_text(0.5)) == ("2 h", "1.5 h", "30 min")


def test_open_now_inside_an_interval_and_the_next_opening():
    intervals = [
        (datetime(2026, 12, 7, 9), datetime(2026, 12, 7, 12)),
        (datetime(2026, 12, 7, 13), datetime(2026, 12, 7, 18)),
        (datetime(2026, 12, 8, 9), datetime(2026, 12, 8, 12)),
    ]
    assert opening_state(intervals, MONDAY_10) == (True, datetime(2026, 12, 7, 13))
    assert opening_state(intervals, datetime(2026, 12, 7, 12, 30)) == (
        False,
        datetime(2026, 12, 7, 13),
    )
    assert opening_state(intervals, datetime(2026, 12, 8, 12)) == (False, None)
    assert opening_state([], MONDAY_10) == (False, None)
    # open, but closing before a 2 h preparation is done: ready after the next opening
    assert opening_state(intervals, datetime(2026, 12, 7, 11), 2) == (
        False,
        datetime(2026, 12, 7, 13),
    )
    assert opening_state(intervals, MONDAY_10, 2) == (True, datetime(2026, 12, 7, 13))


def test_ready_in_2_h_when_the_store_is_open_and_holds_the_cart():
    assert ready_words(True, True, 2) == "Ready in 2 h"
    assert ready_words(True, True, 0.5) == "Ready in 30 min"


def test_no_words_when_the_store_does_not_hold_the_cart():
    assert ready_words(False, True, 2) == ""
    assert ready_words(False, False, 2, datetime(2026, 12, 8, 9), MONDAY_10) == ""


def test_a_closed_store_is_ready_after_its_next_opening():
    ready = ready_words(True, False, 2, datetime(2026, 12, 7, 14), MONDAY_10)
    assert ready == "Ready today from 16:00"
    ready = ready_words(True, False, 2, datetime(2026, 12, 8, 9), MONDAY_10)
    assert ready == "Ready tomorrow from 11:00"
    ready = ready_words(True, False, 2, datetime(2026, 12, 11, 9), MONDAY_10)
    assert ready == "Ready on Friday from 11:00"


def test_a_store_closed_for_more_than_a_week_keeps_odoos_words():
    assert ready_words(True, False, 2, datetime(2026, 12, 15, 9), MONDAY_10) == ""
    assert ready_words(True, False, 2, None, MONDAY_10) == ""


def test_in_store_figures_as_website_sale_collect_shows_them():
    assert stock_values(0, True, 5) == {"in_stock": False, "show_quantity": False, "quantity": 0}
    assert stock_values(3, True, 5) == {"in_stock": True, "show_quantity": True, "quantity": 3}
    assert stock_values(9, True, 5)["show_quantity"] is False
    assert stock_values(3)["show_quantity"] is False
