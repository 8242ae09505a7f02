"""The grid's pager counts a bounded number of variants past the page."""

from core.grid import COUNT_AHEAD, count_limit, page_total


def test_a_page_counts_a_fixed_number_of_variants_past_its_start():
    assert count_limit(0, 80) == COUNT_AHEAD
    assert count_limit(800, 80) == 800 + COUNT_AHEAD
    assert count_limit(0, 5000) == 5000


def test_the_total_is_exact_below_the_limit_and_capped_above():
    assert page_total(250, 0, 80) == (250, True)
    assert page_total(COUNT_AHEAD, 0, 80) == (COUNT_AHEAD, True)
    assert page_total(COUNT_AHEAD + 1, 0, 80) == (COUNT_AHEAD, False)
