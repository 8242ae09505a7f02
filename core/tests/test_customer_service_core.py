"""Customer service's arithmetic and ordering, without Odoo (core.customer_service)."""

from datetime import datetime

from core import customer_service as cs
from core.connectors import get_connector
from core.status import json_quantity


class _Takes:
    supports_address_change = True
    supports_refund = False


def test_a_refund_takes_at_most_what_is_left_to_refund():
    assert cs.refund_error(1, 10, ordered=2, refunded=0) is None
    assert cs.refund_error(2, 10, ordered=2, refunded=1).startswith("at most 1 can still")
    assert cs.refund_error(0, 10, ordered=2, refunded=0) == "the quantity must be positive"
    assert cs.refund_error(1, -1, ordered=2, refunded=0) == "the amount cannot be negative"
    assert cs.refundable(2, 3) == 0


def test_only_the_unshipped_part_is_taken_off_the_line():
    assert cs.taken_off(2, ordered_now=5, delivered=0) == 2
    assert cs.taken_off(2, ordered_now=5, delivered=4) == 1
    assert cs.taken_off(2, ordered_now=5, delivered=5) == 0


def test_keys_amounts_and_quantities_on_the_wire():
    assert cs.refund_key("M-1", 7) == "M-1-R7"
    assert cs.money(10) == "10.00"
    assert json_quantity(2.0) == 2 and isinstance(json_quantity(2.0), int)
    assert json_quantity(1.5) == 1.5


def test_the_connector_says_what_its_platform_takes():
    assert cs.supports(_Takes, cs.ADDRESS)
    assert not cs.supports(_Takes, cs.REFUND)
    assert not cs.supports(_Takes, cs.REALLOCATE)
    assert not cs.supports(None, cs.ADDRESS)


def test_the_history_is_in_time_order_ties_kept_in_the_order_given():
    at = datetime(2026, 12, 7, 9, 0, 0)
    push = cs.Event(at.replace(microsecond=500), "push", "accepted")
    action = cs.Event(at, "action", "address changed")
    first = cs.Event(datetime(2026, 12, 7, 8, 0), "message", "order received")
    undated = cs.Event(None, "note", "no date")
    assert cs.timeline([push, action, first, undated]) == [undated, first, push, action]


def test_a_long_answer_is_clipped():
    assert cs.clip_result("") is False
    assert len(cs.clip_result("x" * 5000)) == cs.RESULT_KEPT_CHARS


def test_a_refund_needs_the_setting_its_platform_names():
    mirakl = get_connector("mirakl")
    assert cs.missing_setting(mirakl, cs.REFUND, {}) == "Refund Reason Code"
    assert cs.missing_setting(mirakl, cs.REFUND, {"refund_reason_code": "RC"}) is None
    assert cs.missing_setting(get_connector("shopify"), cs.REFUND, {}) is None


def test_an_answer_marks_only_what_its_push_carried():
    body = {"refunds": [{"key": "O-R1"}], "address": status_address()}
    assert cs.in_body(body, key="O-R1") and not cs.in_body(body, key="O-R2")
    assert cs.in_body(body, address=dict(status_address(), country_code="be"))
    assert not cs.in_body({"status": "accepted"}, address=status_address())
    assert cs.answered_state("O-R1", False, None) == (cs.SENT, None)
    assert cs.answered_state("O-R1", True, None) == (cs.FAILED, None)
    assert cs.answered_state("O-R1", True, {"O-R1": "no"}) == (cs.FAILED, "no")
    assert cs.answered_state("address", True, {"O-R1": "no"}) == (cs.SENT, None)


def test_a_like_prefix_escapes_the_wildcards():
    assert cs.like_prefix("S_1 (") == "S\\_1 (%"
    assert cs.like_prefix("50% (") == "50\\% (%"
    assert cs.like_prefix("a\\b") == "a\\\\b%"


def status_address():
    return {"name": "Ann", "street": "Meir 2", "street2": "", "zip": "2000",
            "city": "Antwerp", "country_code": "BE", "phone": ""}  # fmt: skip
