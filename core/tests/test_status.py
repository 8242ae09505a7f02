"""The unified order status: line and order statuses, the status body (no Odoo)."""

import dataclasses
import json

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core import status as orders
from core.status import (
    ACCEPTED,
    CANCELLED,
    CLOSED,
    CREATED,
    DELIVERED,
    EXCEPTION_STATUSES,
    IN_PREPARATION,
    RETURNED,
    SHIPPED,
    STATUS_SELECTION,
    TO_CHECK,
    TO_COMPLETE,
    LineFacts,
    Shipment,
    Tracking,
)

# -- line status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (LineFacts(2), CREATED),
        (LineFacts(2, confirmed=True), ACCEPTED),
        (LineFacts(2, confirmed=True, picked=True), IN_PREPARATION),
        (LineFacts(2, 1, confirmed=True), IN_PREPARATION),
        (LineFacts(2, 2, confirmed=True), SHIPPED),
        (LineFacts(2, 3, confirmed=True), SHIPPED),
        (LineFacts(2, 2, confirmed=True, delivered_confirmed=True), DELIVERED),
        (LineFacts(2, 1, confirmed=True, delivered_confirmed=True), IN_PREPARATION),
        (LineFacts(2, 2, 2, confirmed=True), RETURNED),
        (LineFacts(2, 1, 1, confirmed=True), RETURNED),
        (LineFacts(2, 2, 1, confirmed=True), SHIPPED),
        (LineFacts(2, 0, 1, confirmed=True), ACCEPTED),
        (LineFacts(2, confirmed=True, shortfall=True), TO_CHECK),
        (LineFacts(2, 2, 2, confirmed=True, shortfall=True), RETURNED),
        (LineFacts(2, 2, confirmed=True, shortfall=True), TO_CHECK),
        (LineFacts(2, 2, 2, cancelled=True), CANCELLED),
        (LineFacts(2, cancelled=True, shortfall=True), CANCELLED),
        (LineFacts(0), CREATED),
        (LineFacts(0.1 + 0.2, 0.3, confirmed=True), SHIPPED),  # float noise
    ],
)
def test_line_status_rules_in_order(facts, status):
    assert orders.line_status(facts) == status


quantities = st.floats(0, 1000, allow_nan=False)
facts = st.builds(
    LineFacts,
    ordered=quantities,
    delivered=quantities,
    returned=quantities,
    cancelled=st.booleans(),
    confirmed=st.booleans(),
    picked=st.booleans(),
    shortfall=st.booleans(),
    delivered_confirmed=st.booleans(),
)


@given(facts)
def test_a_cancelled_line_is_always_cancelled(line):
    assert orders.line_status(dataclasses.replace(line, cancelled=True)) == CANCELLED


@given(facts)
def test_line_status_is_a_line_status_and_to_check_only_on_a_shortfall(line):
    status = orders.line_status(line)
    assert status in orders.LINE_STATUSES
    assert status not in (CLOSED, TO_COMPLETE)
    if status == TO_CHECK:
        assert line.shortfall
    if status in (SHIPPED, DELIVERED):
        assert line.delivered >= line.ordered - orders.EPSILON > 0


# -- order status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "options", "status"),
    [
        ([], {}, CREATED),
        ([SHIPPED], {"cancelled": True}, CANCELLED),
        ([SHIPPED], {"cancelled": True, "exception": TO_CHECK}, CANCELLED),
        ([SHIPPED], {"exception": TO_COMPLETE}, TO_COMPLETE),
        ([], {"exception": TO_CHECK}, TO_CHECK),
        ([CANCELLED, CANCELLED], {}, CANCELLED),
        ([ACCEPTED, TO_CHECK, SHIPPED], {}, TO_CHECK),
        ([RETURNED, RETURNED, CANCELLED], {}, RETURNED),
        ([DELIVERED, RETURNED], {}, DELIVERED),
        ([DELIVERED, RETURNED], {"locked": True}, CLOSED),
        ([DELIVERED, CANCELLED], {"locked": True}, CLOSED),
        ([RETURNED], {"locked": True}, RETURNED),
        ([SHIPPED, DELIVERED, RETURNED], {}, SHIPPED),
        ([SHIPPED], {"locked": True}, SHIPPED),
        ([SHIPPED, ACCEPTED], {}, IN_PREPARATION),
        ([IN_PREPARATION, CREATED], {}, IN_PREPARATION),
        ([RETURNED, ACCEPTED], {}, IN_PREPARATION),
        ([ACCEPTED, ACCEPTED, CANCELLED], {}, ACCEPTED),
        ([ACCEPTED, CREATED], {}, CREATED),
        ([CREATED], {"exception": None}, CREATED),
    ],
)
def test_order_status_rules_in_order(lines, options, status):
    assert orders.order_status(lines, **options) == status


def test_order_status_refuses_unknown_statuses():
    with pytest.raises(ValueError, match="unknown line statuses"):
        orders.order_status([CLOSED])
    with pytest.raises(ValueError, match="unknown line statuses"):
        orders.order_status(["shipped!"])
    with pytest.raises(ValueError, match="is not one of"):
        orders.order_status([ACCEPTED], exception=SHIPPED)


line_statuses = st.lists(st.sampled_from(sorted(orders.LINE_STATUSES)), max_size=6)
exceptions = st.sampled_from([None, "", *sorted(EXCEPTION_STATUSES)])


@given(line_statuses, st.booleans(), exceptions, st.booleans())
def test_order_status_is_an_exception_only_when_a_line_or_the_order_is_one(
    lines, cancelled, exception, locked
):
    status = orders.order_status(lines, cancelled=cancelled, exception=exception, locked=locked)
    assert status in orders.STATUSES
    if status in EXCEPTION_STATUSES:
        assert status == exception or status in lines
    if cancelled:
        assert status == CANCELLED


@given(line_statuses, st.booleans())
def test_cancelled_lines_do_not_change_an_order_that_has_others(lines, locked):
    assume(any(status != CANCELLED for status in lines))
    without = [status for status in lines if status != CANCELLED]
    assert orders.order_status([*lines, CANCELLED], locked=locked) == orders.order_status(
        without, locked=locked
    )


@given(st.lists(facts, min_size=1, max_size=5))
def test_line_facts_to_order_status_never_raises(lines):
    statuses = [orders.line_status(line) for line in lines]
    assert orders.order_status(statuses) in orders.STATUSES


def test_status_selection_has_the_ten_codes_and_labels():
    assert [code for code, _label in STATUS_SELECTION] == [
        "created",
        "accepted",
        "in_preparation",
        "shipped",
        "delivered",
        "closed",
        "cancelled",
        "returned",
        "to_check",
        "to_complete",
    ]
    labels = dict(STATUS_SELECTION)
    assert labels[IN_PREPARATION] == "In Preparation"
    assert labels[TO_CHECK] == "To Check"
    assert EXCEPTION_STATUSES == {"to_check", "to_complete"}


# -- status body ------------------------------------------------------------------------------


def test_status_body_is_exact():
    parcel = Tracking("JD0001", "DHL", "DHL Parcel", "https://track.example/JD0001")
    body = orders.status_body(
        "M-1", SHIPPED, [("M-1-1", SHIPPED, 2.0), ("M-1-2", IN_PREPARATION, 1.5)], [parcel]
    )
    assert body == {
        "id": "M-1",
        "status": "shipped",
        "lines": [
            {"id": "M-1-1", "status": "shipped", "quantity": 2, "returned": 0},
            {"id": "M-1-2", "status": "in_preparation", "quantity": 1.5, "returned": 0},
        ],
        "tracking": [
            {
                "number": "JD0001",
                "carrier_code": "DHL",
                "service": "DHL Parcel",
                "url": "https://track.example/JD0001",
            }
        ],
        "shipments": [],
    }
    assert isinstance(body["lines"][0]["quantity"], int)
    assert orders.status_body("M-2", ACCEPTED, [])["tracking"] == []
    assert orders.status_body("M-2", ACCEPTED, [(7, ACCEPTED, 0.1 + 0.2 + 2.7)])["lines"] == [
        {"id": "7", "status": "accepted", "quantity": 3, "returned": 0}
    ]
    with pytest.raises(ValueError, match="unknown status"):
        orders.status_body("M-3", "sent", [])


def test_shipments_say_what_left_in_each_and_make_the_parcels():
    parcel = Tracking("JD0002", "DHL")
    shipments = [
        Shipment("WH/OUT/1", (("L1", 1.0),)),
        Shipment("WH/OUT/2", (("L1", 1), ("L2", 2)), parcel),
    ]
    body = orders.status_body("M-4", SHIPPED, [("L1", SHIPPED, 2, 1)], shipments=shipments)
    assert body["lines"] == [{"id": "L1", "status": "shipped", "quantity": 2, "returned": 1}]
    assert body["tracking"] == [
        {"number": "JD0002", "carrier_code": "DHL", "service": "", "url": ""}
    ]
    assert body["shipments"] == [
        {"id": "WH/OUT/1", "lines": [{"id": "L1", "quantity": 1}], "tracking": None},
        {
            "id": "WH/OUT/2",
            "lines": [{"id": "L1", "quantity": 1}, {"id": "L2", "quantity": 2}],
            "tracking": body["tracking"][0],
        },
    ]


@given(st.lists(st.floats(0, 10**6, allow_nan=False), max_size=5))
def test_status_body_quantities_are_ints_when_whole(quantities_):
    body = orders.status_body("O", ACCEPTED, [(n, ACCEPTED, q) for n, q in enumerate(quantities_)])
    assert json.loads(json.dumps(body)) == body
    for line, qty in zip(body["lines"], quantities_, strict=True):
        assert line["quantity"] == pytest.approx(qty, abs=orders.EPSILON)
        assert isinstance(line["quantity"], int) == (abs(qty - round(qty)) <= orders.EPSILON)


# -- customer service: address and refunds ------------------------------------------------


def test_address_and_refunds_only_when_given():
    body = orders.status_body("M-5", ACCEPTED, [("L1", ACCEPTED, 1)])
    assert "address" not in body
    assert "refunds" not in body
    assert orders.status_body("M-5", ACCEPTED, [], address=None, refunds=[]) == {
        "id": "M-5",
        "status": "accepted",
        "lines": [],
        "tracking": [],
        "shipments": [],
    }


def test_address_is_exact():
    address = orders.Address("Ann Lee", "1 Rue X", "", "75001", "Paris", "fr", "+33 1")
    body = orders.status_body("M-6", ACCEPTED, [], address=address)
    assert body["address"] == {
        "name": "Ann Lee",
        "street": "1 Rue X",
        "street2": "",
        "zip": "75001",
        "city": "Paris",
        "country_code": "FR",
        "phone": "+33 1",
    }
    as_dict = orders.status_body("M-6", ACCEPTED, [], address={"name": "Ann Lee", "city": None})
    assert as_dict["address"]["city"] == ""
    assert list(as_dict["address"]) == list(orders.ADDRESS_KEYS)
    with pytest.raises(ValueError, match="unknown address keys"):
        orders.status_body("M-6", ACCEPTED, [], address={"town": "Paris"})


def test_refunds_are_exact():
    refunds = [
        orders.Refund("cs-1", 7, 1.0, 12.5, "eur", "damaged"),
        {"key": "cs-2", "line_id": None, "quantity": 0, "amount": "3.333", "currency": "EUR"},
    ]
    body = orders.status_body("M-7", SHIPPED, [], refunds=refunds)
    assert body["refunds"] == [
        {
            "key": "cs-1",
            "line_id": "7",
            "quantity": 1,
            "amount": "12.50",
            "currency": "EUR",
            "reason": "damaged",
        },
        {
            "key": "cs-2",
            "line_id": None,
            "quantity": 0,
            "amount": "3.333",
            "currency": "EUR",
            "reason": "",
        },
    ]
    assert json.loads(json.dumps(body)) == body
    assert orders.decimal_text(0.1 + 0.2) == "0.30"
    assert orders.decimal_text(1e3) == "1000.00"
    assert orders.decimal_text("0.125") == "0.125"
    with pytest.raises(ValueError, match="same key"):
        orders.status_body("M-7", SHIPPED, [], refunds=[refunds[0], refunds[0]])
    with pytest.raises(ValueError, match="needs a key"):
        orders.status_body("M-7", SHIPPED, [], refunds=[{"amount": 1}])
    with pytest.raises(ValueError, match="not an amount"):
        orders.status_body("M-7", SHIPPED, [], refunds=[{"key": "k", "amount": "abc"}])


def test_the_cancel_reason_goes_in_a_cancelled_orders_body_only():
    body = orders.status_body("O1", CANCELLED, [("1", CANCELLED, 1)], cancel_reason="R: fraud")
    assert body["cancel_reason"] == "R: fraud"
    accepted = orders.status_body("O1", ACCEPTED, [("1", ACCEPTED, 1)], cancel_reason="x")
    assert "cancel_reason" not in accepted
    assert "cancel_reason" not in orders.status_body("O1", CANCELLED, [("1", CANCELLED, 1)])
