"""The order intake's fast path decisions (core.intake), without Odoo."""

import pytest

from core.inbound import DONE, DUPLICATE, EXCEPTION, KIND_CANCEL, KIND_ORDER, RECEIVED, WAITING
from core.intake import (
    YOUNG_BATCH,
    OrderMessages,
    Shape,
    burst_depth,
    claim_size,
    claimable,
    confirmation_defers,
    inline_reason,
    ledger_differences,
    needed_units,
    order_messages,
    orders_burst,
    reserved_answer,
    round_pause,
    shortfalls,
)


def _compare(_product, a, b):
    return (a > b) - (a < b)


def test_a_simple_order_may_be_answered_from_its_reservation():
    assert inline_reason(Shape()) is None


def test_orders_the_fast_path_cannot_decide_simply_go_inline_with_the_reason():
    assert inline_reason(Shape(kits=True)) == "a line is a kit"
    assert inline_reason(Shape(sourcing=True)) == "the channel sources its orders"
    assert inline_reason(Shape(line_by_line=True)) == "the channel accepts orders line by line"
    assert inline_reason(Shape(address_later=True)) == "the address comes later"
    assert inline_reason(Shape(cancelled=True)) == "a cancellation is waiting"
    assert inline_reason(Shape(not_storable=True)) == "a line is not a storable product"
    assert inline_reason(Shape(held_before=True)) == "the order was held for a person"


def test_lines_of_one_variant_add_up():
    assert needed_units([("A", 1), ("B", 2), ("A", 3)]) == {"A": 4, "B": 2}


def test_a_shortfall_is_a_variant_needing_more_than_available():
    needed = {"A": 2, "B": 1, "C": 1}
    assert shortfalls(needed, {"A": 2, "B": 0}, _compare) == {"B": (1, 0), "C": (1, 0.0)}
    assert shortfalls({"A": 2}, {"A": 5}, _compare) == {}


def test_the_answer_names_the_order_and_accepts_each_line():
    assert reserved_answer("S00042", ["l1", "l2"]) == {
        "order": "S00042",
        "status": "accepted",
        "lines": [{"id": "l1", "status": "accepted"}, {"id": "l2", "status": "accepted"}],
    }


def test_the_confirmation_sells_what_the_ledger_reserved():
    assert ledger_differences({("A", 1): 2.0}, {("A", 1): 2.0}) is None
    why = ledger_differences({("B", 2): 2.0}, {("A", 1): 2.0})
    assert "B x 2" in why and "A x 2" in why and "was reserved" in why
    # two variants of the same name are not the same variant
    assert ledger_differences({("A", 2): 2.0}, {("A", 1): 2.0})


def test_a_claim_passes_over_orders_of_variants_another_worker_confirms():
    candidates = [(1, [10, 11]), (2, [12]), (3, [11]), (4, [13, 12]), (5, []), (6, [14])]
    assert claimable(candidates, {11}, 3) == [2, 4, 5], "filled with later orders"
    assert claimable(candidates, set(), 2) == [1, 2], "the oldest first"
    assert claimable(candidates, {10, 11, 12, 13, 14}, 40) == [5]
    assert claimable([], {1}, 40) == []


def test_the_other_messages_of_an_order_read_in_one_pass():
    assert order_messages([]) == OrderMessages()
    rows = [
        # id, kind, state, no sale order, in exception, same order, replaced by it
        (7, KIND_ORDER, EXCEPTION, True, True, True, False),  # held: replaced now
        (5, KIND_ORDER, RECEIVED, True, False, True, False),  # never judged: replaced
        (6, KIND_ORDER, DONE, False, False, True, False),
        (8, KIND_CANCEL, WAITING, True, False, True, False),
    ]
    assert order_messages(rows) == OrderMessages(False, (5, 7), True, True)
    done_cancel = (9, KIND_CANCEL, DONE, True, False, True, False)
    assert order_messages([done_cancel]).cancelled_before_import
    cancelled_after = (9, KIND_CANCEL, DONE, False, False, True, False)
    assert not order_messages([cancelled_after]).cancelled_before_import


def test_a_version_replaced_before_counts_as_held_only_if_it_was():
    replaced = (4, KIND_ORDER, DUPLICATE, True, True, True, True)
    assert order_messages([replaced]) == OrderMessages(replaced_held=True)
    clean = (4, KIND_ORDER, DUPLICATE, True, False, True, True)
    assert order_messages([clean]) == OrderMessages()
    # another order's cancellation that this message replaced decides nothing else
    other = (3, KIND_CANCEL, WAITING, True, False, False, True)
    assert order_messages([other]) == OrderMessages()


def test_a_burst_is_the_rate_times_the_window_of_messages():
    assert burst_depth(20, 3) == 60
    assert burst_depth(0.1, 3) == 1
    assert burst_depth(0) is None


def test_the_confirmation_waits_while_orders_arrive_at_the_rate():
    # the 60th newest message is 2 s old: 60 messages in 3 s, 20 a second
    assert confirmation_defers(2.0, 5.0, rate=20, max_wait=600, window=3)
    # it is 4 s old: slower than 20 a second
    assert not confirmation_defers(4.0, 5.0, rate=20, max_wait=600, window=3)
    # fewer messages than a burst ever stored
    assert not confirmation_defers(None, 5.0, rate=20, max_wait=600, window=3)


def test_a_burst_of_orders_is_seen_whatever_waits():
    # the pushes look at the arrivals alone: no reserved order needs to wait
    assert orders_burst(2.0, rate=20, window=3)
    assert orders_burst(3.0, rate=20, window=3)
    assert not orders_burst(3.1, rate=20, window=3)
    assert not orders_burst(None, rate=20, window=3)
    assert not orders_burst(0.0, rate=0, window=3)


def test_a_young_backlog_is_claimed_in_small_batches():
    assert claim_size(40, 1.0, rate=20, window=3) == YOUNG_BATCH
    assert claim_size(3, 1.0, rate=20, window=3) == 3
    assert claim_size(40, 3.0, rate=20, window=3) == 40  # the backlog of a burst over
    assert claim_size(40, None, rate=20, window=3) == 40
    assert claim_size(40, 1.0, rate=0, window=3) == 40  # never waits: full batches


def test_a_round_during_a_burst_is_followed_by_the_next_a_pace_after_it_began():
    assert round_pause(100.0, 100.3, 1.0) == pytest.approx(0.7)
    assert round_pause(100.0, 101.5, 1.0) == 0.0  # the round took longer than the pace
    assert round_pause(100.0, 100.3, 1.0, deadline=100.5) == pytest.approx(0.2)
    assert round_pause(100.0, 100.6, 1.0, deadline=100.5) == 0.0


def test_the_confirmation_never_waits_for_nothing_nor_beyond_its_bound():
    assert not confirmation_defers(1.0, None, rate=20, max_wait=600, window=3)
    assert not confirmation_defers(1.0, 600.0, rate=20, max_wait=600, window=3)
    assert confirmation_defers(1.0, 599.0, rate=20, max_wait=600, window=3)
    assert not confirmation_defers(1.0, 5.0, rate=0, max_wait=600, window=3)
