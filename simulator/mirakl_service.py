"""Customer service on a Mirakl order, for the simulator, as Mirakl's seller API
documents it:

* OR30 ``PUT /api/orders/cancel`` ``{"cancelations": [{order_line_id, quantity, amount,
  reason_code, currency_iso_code?, shipping_amount?}]}``: cancels (and so refunds) part
  or all of a line not shipped yet; a line cancelled whole is CANCELED.
* OR28 ``PUT /api/orders/refund`` ``{"refunds": [{order_line_id, quantity, amount,
  reason_code, currency_iso_code?, shipping_amount?}]}``: refunds part of a shipped line
  (the refund waits for the operator: WAITING_REFUND).
  https://developer.mirakl.com/content/product/mmp/rest/seller/openapi3/orders/or28.md

Each is kept on its line (``cancelations``, ``refunds``: id, quantity, amount,
reason_code, created_date) and refused (400) for an unknown line, a line in the wrong
state, or more units or money than the line has left; the whole request is refused when
one of its rows is (nothing applied).
"""

from decimal import Decimal, InvalidOperation

from .mirakl_orders import (
    CANCELED,
    LINE_NOT_FOUND,
    ORDER_INVALID_STATE,
    SHIPPING,
    VALIDATION_ERROR,
    mirakl_error,
    no_content,
)

# the line states each call takes: OR30 before shipment, OR28 after it
CANCEL_STATES = frozenset({SHIPPING, "WAITING_DEBIT_PAYMENT"})
REFUND_STATES = frozenset({"SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"})
CALLS = {"cancel": ("cancelations", CANCEL_STATES), "refund": ("refunds", REFUND_STATES)}
TOO_MUCH = "REFUND_AMOUNT_TOO_HIGH"


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _taken(line):
    """(units, amount) already cancelled or refunded on a line."""
    rows = line["cancelations"] + line["refunds"]
    units = sum(int(row["quantity"]) for row in rows)
    amount = sum((Decimal(str(row["amount"])) for row in rows), Decimal(0))
    return units, amount


class MiraklService:
    """Mixed into MiraklOrders (its orders, clock and ids)."""

    def _or_lines(self, account, call, data):
        """OR30 (``call`` "cancel") or OR28 ("refund") of a decoded body."""
        key, states = CALLS[call]
        rows = data.get(key) if isinstance(data, dict) else None
        if not isinstance(rows, list) or not rows:
            return mirakl_error(400, f"{key} is required", VALIDATION_ERROR)
        lines = {
            line["order_line_id"]: (record, line)
            for record in self.orders.get(account, {}).values()
            for line in record["order"]["order_lines"]
        }
        checked = []
        for row in rows:
            found = lines.get((row or {}).get("order_line_id"))
            problem = self._row_problem(row, found, states, checked)
            if problem:
                return problem
            checked.append((found, row))
        now = self._tick()
        for (record, line), row in checked:
            self._apply_row(key, record, line, row, now)
        return no_content()

    @staticmethod
    def _row_problem(row, found, states, checked):
        if not found:
            return mirakl_error(400, "Order line not found", LINE_NOT_FOUND)
        _record, line = found
        if line["order_line_state"] not in states:
            return mirakl_error(
                400, f"The order line is {line['order_line_state']}", ORDER_INVALID_STATE
            )
        quantity, amount = row.get("quantity"), _decimal(row.get("amount"))
        if not isinstance(quantity, int) or quantity < 0 or amount is None or amount < 0:
            return mirakl_error(400, "quantity and amount are required", VALIDATION_ERROR)
        units, money = _taken(line)
        for (_r, other), earlier in checked:
            if other is line:
                units += earlier["quantity"]
                money += Decimal(str(earlier["amount"]))
        if units + quantity > line["quantity"] or money + amount > Decimal(str(line["price"])):
            return mirakl_error(
                400, "The amount or quantity exceeds what the order line has left", TOO_MUCH
            )
        return None

    def _apply_row(self, key, record, line, row, now):
        entry = {
            "id": f"{line['order_line_id']}-{key[0].upper()}{len(line[key]) + 1}",
            "quantity": row["quantity"],
            "amount": float(row["amount"]),
            "shipping_amount": float(row.get("shipping_amount") or 0),
            "reason_code": row.get("reason_code"),
            "created_date": now,
        }
        if key == "refunds":
            entry["state"] = "WAITING_REFUND"
        line[key].append(entry)
        line["last_updated_date"] = record["order"]["last_updated_date"] = now
        if key == "cancelations" and _taken(line)[0] >= line["quantity"]:
            line["order_line_state"] = CANCELED
        record["calls"].append(f"{key}:{line['order_line_id']}")
