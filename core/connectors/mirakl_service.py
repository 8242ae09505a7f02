"""Customer service on a Mirakl order from Odoo's status body. Mirakl refunds order
lines: a line not shipped yet is cancelled (OR30 ``PUT /api/orders/cancel``, part or all
of it, the customer refunded by the operator), a shipped one refunded (OR28 ``PUT
/api/orders/refund``), each with the operator's reason code (the channel's *Refund Reason
Code*, from RE02). Mirakl keeps no reference of the seller's: a refund of the body is
taken as sent when its line already holds a cancellation or refund of the same quantity
and amount not matched by another (replays and retries send nothing twice). An amount
alone, with no line, is refused in words. The delivery address is the operator's.
https://developer.mirakl.com/content/product/mmp/rest/seller/openapi3/orders/or28.md
"""

from decimal import Decimal

from ..errors import PermanentError

CANCEL_STATES = frozenset({"SHIPPING"})
# the order states its refunds are sent in (before: they wait for the debit)
ORDER_STATES = frozenset({"SHIPPING", "SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"})
REFUND_STATES = frozenset({"SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"})
NO_LINE = (
    "Mirakl refunds order lines: refund {key} names none, so it cannot be sent; make it "
    "in the operator's back office."
)
UNKNOWN = "Mirakl order {order} has no line {line} (refund {key})."
STATE = "Mirakl order line {line} is {state}: refund {key} cannot be sent to it."
NO_REASON = (
    "set the channel's Refund Reason Code (one of the operator's refund reasons, "
    "listed by RE02) to send refund {key} to Mirakl."
)


def mark_shipped(order):
    """The order's lines as OR24 (just sent) leaves them: shipped."""
    for line in order.get("order_lines") or []:
        if line.get("order_line_state") == "SHIPPING":
            line["order_line_state"] = "SHIPPED"


def _done(line):
    """[(quantity, amount)] of the line's cancellations and refunds, as Mirakl has them."""
    rows = (line.get("cancelations") or []) + (line.get("refunds") or [])
    return [(int(row.get("quantity") or 0), Decimal(str(row.get("amount") or 0))) for row in rows]


def plan(order, body, reason_code, refused=None):
    """(cancelations, refunds): [(refund key, OR30 or OR28 row)] for the body's refunds
    Mirakl does not have yet. A refund Mirakl cannot take is a PermanentError, or, given
    a dict ``refused``, its message there under the refund's key (each on its own)."""
    lines = {str(line.get("order_line_id")): line for line in order.get("order_lines") or []}
    unmatched = {line_id: _done(line) for line_id, line in lines.items()}
    rows = {True: [], False: []}
    for refund in body.get("refunds") or []:
        try:
            row = _plan_one(order, lines, unmatched, refund, reason_code)
        except PermanentError as error:
            if refused is None:
                raise
            refused[refund["key"]] = error.message
            continue
        if row:
            rows[row[0]].append((refund["key"], row[1]))
    return rows[True], rows[False]


def _plan_one(order, lines, unmatched, refund, reason_code):
    """(is a cancelation, row) of one refund, or None when Mirakl has it."""
    words = {"key": refund["key"], "line": refund.get("line_id"), "order": order.get("order_id")}
    line = lines.get(str(refund.get("line_id")))
    if not refund.get("line_id"):
        raise PermanentError(NO_LINE.format(**words))
    if line is None:
        raise PermanentError(UNKNOWN.format(**words))
    wanted = (int(refund.get("quantity") or 0), Decimal(refund["amount"]))
    if wanted in unmatched[str(line["order_line_id"])]:
        unmatched[str(line["order_line_id"])].remove(wanted)
        return None  # Mirakl has it
    if not reason_code:
        raise PermanentError(NO_REASON.format(**words))
    state = line.get("order_line_state")
    if state not in CANCEL_STATES | REFUND_STATES:
        raise PermanentError(STATE.format(state=state, **words))
    return state in CANCEL_STATES, _row(line, refund, reason_code)


def _row(line, refund, reason_code):
    row = {
        "order_line_id": str(line["order_line_id"]),
        "quantity": int(refund.get("quantity") or 0),
        "amount": float(Decimal(refund["amount"])),
        "reason_code": reason_code,
    }
    if refund.get("currency"):
        row["currency_iso_code"] = refund["currency"]
    return row
