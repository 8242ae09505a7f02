"""Store offers (no Odoo): who is offered next, where the order goes when nobody answers."""

from datetime import datetime

from core.offers import expires_at, fallback, next_stores, offered_line


def test_the_best_stores_able_to_serve_are_offered_first():
    ranked = [1, 2, 3, 4, 5]
    assert next_stores(ranked, stores={2, 3, 5}, tried=set(), count=2) == [2, 3]


def test_the_next_round_skips_the_stores_already_offered():
    ranked = [1, 2, 3, 4, 5]
    assert next_stores(ranked, stores={2, 3, 5}, tried={2, 3}, count=2) == [5]
    assert next_stores(ranked, stores={2, 3, 5}, tried={2, 3, 5}, count=2) == []


def test_the_warehouse_is_the_first_candidate_that_is_not_a_store():
    assert fallback([2, 1, 3], stores={2, 3}, usable={1, 2, 3}) == 1
    assert fallback([2, 3], stores={2, 3}, usable={2, 3}) is None


def test_the_fallback_skips_a_source_that_cannot_ship_the_order():
    # 1 misses the promise (or is at capacity, or short): 4 ships it
    assert fallback([2, 1, 4], stores={2}, usable={2, 4}) == 4
    assert fallback([2, 1], stores={2}, usable={2}) is None


def test_an_offer_lasts_its_minutes_at_least_one():
    now = datetime(2026, 12, 7, 14, 17)
    assert expires_at(now, 15) == datetime(2026, 12, 7, 14, 32)
    assert expires_at(now, 0) == datetime(2026, 12, 7, 14, 18)


def test_the_explain_line_names_the_stores_and_the_deadline():
    line = offered_line(["Lyon store", "Lille store"], "14:32")
    assert line == "offered to Lyon store, Lille store until 14:32"
