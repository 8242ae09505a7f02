"""The what-if of a policy change: counts, units moved, cover, stock-outs, oversell risk
on a constructed catalogue, each figure exact (no Odoo)."""

import pytest

from core import whatif
from core.whatif import ChannelFigures, WhatIf

# 3 channels (1, 2, 3) x 3 variants (10, 11, 12); the change moves 6 units of variant 10
# from channel 1 to channels 2 (2) and 3 (4), takes variant 11 off channel 1 (5 -> 0),
# leaves variant 12 alone
BEFORE = {
    (1, 10): 10, (2, 10): 10, (3, 10): 0,
    (1, 11): 5, (2, 11): 5, (3, 11): 5,
    (1, 12): 4, (2, 12): 0, (3, 12): 0,
}  # fmt: skip
AFTER = {**BEFORE, (1, 10): 4, (2, 10): 12, (3, 10): 4, (1, 11): 0}
DAILY = {(1, 10): 1.0, (1, 11): 0.5, (2, 10): 2.0, (3, 10): 0.5}
SELLABLE = {10: 20, 11: 12, 12: 3}


def test_the_figures_of_each_channel():
    summary = whatif.compute(BEFORE, AFTER, DAILY, SELLABLE)
    assert summary.channels[1] == ChannelFigures(
        variants=3, up=0, down=2, to_zero=1, from_zero=0, units_before=19, units_after=8,
        moved_in=0, moved_out=6, sales_per_day=1.5, stockouts_before=0, stockouts_after=2,
    )  # fmt: skip
    assert summary.channels[2] == ChannelFigures(
        variants=3, up=1, down=0, to_zero=0, from_zero=0, units_before=15, units_after=17,
        moved_in=2, moved_out=0, sales_per_day=2.0, stockouts_before=1, stockouts_after=1,
    )  # fmt: skip
    assert summary.channels[3] == ChannelFigures(
        variants=3, up=1, down=0, to_zero=0, from_zero=1, units_before=5, units_after=9,
        moved_in=4, moved_out=0, sales_per_day=0.5, stockouts_before=1, stockouts_after=0,
    )  # fmt: skip


def test_days_of_cover_are_the_units_over_the_daily_sales():
    channels = whatif.compute(BEFORE, AFTER, DAILY, SELLABLE).channels
    assert channels[1].cover_before == pytest.approx(19 / 1.5)
    assert channels[1].cover_after == pytest.approx(8 / 1.5)
    assert (channels[2].cover_before, channels[2].cover_after) == (7.5, 8.5)
    assert (channels[3].cover_before, channels[3].cover_after) == (10.0, 18.0)


def test_a_channel_that_sells_nothing_has_no_cover_and_no_stockout():
    summary = whatif.compute({(4, 10): 0}, {(4, 10): 3}, {}, {10: 3})
    figures = summary.channels[4]
    assert (figures.cover_before, figures.cover_after) == (None, None)
    assert (figures.stockouts_before, figures.stockouts_after) == (0, 0)


def test_units_moved_between_channels_summed_per_pair():
    summary = whatif.compute(BEFORE, AFTER, DAILY, SELLABLE)
    assert summary.moves == {(1, 2): 2, (1, 3): 4}


def test_moves_pair_losers_and_gainers_by_channel_id():
    assert whatif.pair_moves({5: -3, 2: -4, 7: 5, 3: 2}) == [(2, 3, 2), (2, 7, 2), (5, 7, 3)]
    assert whatif.pair_moves({1: -5}) == [], "units leaving the total move nowhere"
    assert whatif.pair_moves({1: -2, 2: 5}) == [(1, 2, 2)]


def test_oversell_risk_is_what_the_channels_together_publish_beyond_the_sellable():
    summary = whatif.compute(BEFORE, AFTER, DAILY, SELLABLE)
    # before: variant 11 publishes 15 of 12 (3), variant 12 4 of 3 (1); after: 12 only
    assert (summary.oversell_before, summary.oversell_after) == (4, 1)
    assert (summary.oversell_variants_before, summary.oversell_variants_after) == (2, 1)


def test_the_horizon_of_the_stockouts_is_a_setting():
    channels = whatif.compute(BEFORE, AFTER, DAILY, SELLABLE, horizon_days=5).channels
    # channel 1 after: variant 10 has 4 days (< 5), variant 11 none; channel 2: 5 then 6
    assert (channels[1].stockouts_before, channels[1].stockouts_after) == (0, 2)
    assert (channels[2].stockouts_before, channels[2].stockouts_after) == (0, 0)
    with pytest.raises(ValueError, match="positive"):
        WhatIf(horizon_days=0)


def test_chunks_add_up_to_the_whole():
    whole = whatif.compute(BEFORE, AFTER, DAILY, SELLABLE)
    work = WhatIf()
    for variant_id in (10, 11, 12):
        part = {key: qty for key, qty in BEFORE.items() if key[1] == variant_id}
        after = {key: qty for key, qty in AFTER.items() if key[1] == variant_id}
        work.add(part, after, DAILY, SELLABLE)
    assert work.summary() == whole


def test_a_key_missing_on_one_side_counts_zero():
    summary = whatif.compute({(1, 10): 3}, {(2, 10): 3}, {}, {10: 3})
    assert summary.channels[1].to_zero == 1
    assert summary.channels[2].from_zero == 1
    assert summary.moves == {(1, 2): 3}


def test_only_the_changed_pairs_are_rows():
    assert whatif.changed_rows(BEFORE, AFTER) == [
        (1, 10, 10, 4), (1, 11, 5, 0), (2, 10, 10, 12), (3, 10, 0, 4),
    ]  # fmt: skip
