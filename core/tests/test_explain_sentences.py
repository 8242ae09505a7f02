"""The explain's sentences: each step said with its figures (no Odoo)."""

from datetime import date

from core.allocation import (
    STEP_BACKORDER,
    STEP_SHARE,
    Ceiling,
    Rule,
    Stock,
    Velocity,
    publishable,
    step_text,
)
from core.dispatch import explain_inputs, explain_sentences, short_list

TODAY = date(2026, 11, 23)


def _texts(result):
    return [step["text"] for step in result.steps]


def test_each_step_says_its_figures():
    stock = Stock(on_hand=12, reserved=2, non_sellable=1, incoming=((TODAY, 4),))
    rule = Rule(share_percent=50, safety_buffer=2, include_incoming_days=7)
    assert _texts(publishable(stock, rule, today=TODAY)) == [
        "on hand 12",
        "reserved \u2212 2",
        "non-sellable (quarantine) \u2212 1",
        "sellable 9",
        "incoming within 7 days + 4",
        "share 50 % of 13 = 6",
        "safety buffer 2: 6 \u2192 4",
        "publishable 4",
    ]


def test_a_small_share_under_the_minimum_says_both():
    rule = Rule(share_percent=50, min_publish_threshold=2)
    texts = _texts(publishable(Stock(on_hand=3), rule, today=TODAY))
    assert "share 50 % of 3 = 1" in texts
    assert "minimum 2 \u2192 0 (1 is below it)" in texts
    assert texts[-1] == "publishable 0"


def test_a_backorder_says_what_it_adds_and_a_cap_who_caps():
    rule = Rule(backorder_qty=5)
    texts = _texts(publishable(Stock(), rule, allow_backorder=True, today=TODAY))
    assert texts[-2:] == ["backorder + 5", "publishable 5"]
    amazon = Ceiling(999, "Amazon takes at most 999", who="Amazon")
    texts = _texts(publishable(Stock(on_hand=1500), Rule(), ceiling=amazon, today=TODAY))
    assert texts[-2] == "cap 999 (Amazon's maximum): 1500 \u2192 999"


def test_caps_fences_and_the_latency_buffer_say_their_figures():
    rule = Rule(max_exposure=10, ring_fenced_qty=0, latency_buffer=True)
    velocity = Velocity(units_per_day=86400, p95_seconds=2)
    result = publishable(Stock(on_hand=20), rule, others_fence=5, velocity=velocity, today=TODAY)
    texts = _texts(result)
    assert "ring-fenced for other channels \u2212 5" in texts
    assert "latency buffer 2: 15 \u2192 13 (86400 units/day x p95 2 s)" in texts
    assert "maximum exposure 10: 13 \u2192 10" in texts


def test_a_step_without_its_figures_says_its_change():
    assert step_text(STEP_SHARE, -2) == "share \u2212 2"
    assert step_text(STEP_BACKORDER, 5) == "backorder + 5"
    assert step_text("on_hand", 12.0) == "on hand 12"


def test_a_push_keeps_its_sentences_and_an_old_record_is_said_from_its_steps():
    result = publishable(Stock(), Rule(backorder_qty=5), allow_backorder=True, today=TODAY)
    explain = explain_inputs(result)
    assert explain_sentences(explain)[-2:] == ["backorder + 5", "publishable 5"]
    old = {"steps": [["sellable", 0], ["backorder", 5], ["publishable", 5]]}
    assert explain_sentences(old) == ["sellable 0", "backorder + 5", "publishable 5"]
    assert explain_sentences(None) == []


def test_long_lists_are_cut_after_five_names():
    assert short_list(["A", "B"]) == "A, B"
    names = [f"SKU{index}" for index in range(8)]
    assert short_list(names) == "SKU0, SKU1, SKU2, SKU3, SKU4 \u2026 +3 more"
