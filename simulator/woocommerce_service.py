"""Customer service on a WooCommerce order, for the simulator, as the REST API v3
documents it:

* ``PUT /orders/<id>`` with ``shipping`` (first_name, last_name, company, address_1,
  address_2, city, state, postcode, country, phone) updates those fields of the order's
  shipping address.
  https://developer.woocommerce.com/docs/apis/rest-api/v3/orders/
* ``GET``/``POST /orders/<id>/refunds``: a refund's ``amount`` (a string; when missing,
  the sum of its line items' ``refund_total``), ``reason``, ``line_items`` ([{id,
  quantity, refund_total}]) and ``api_refund`` (default true: the payment gateway refunds
  the money; false: the refund is only recorded). A refund above what the order has left
  to refund is refused as WooCommerce does: 500 ``woocommerce_rest_cannot_create_order_
  refund`` "Invalid refund amount." (wc_create_refund); so is an automatic refund when the
  shop's gateway cannot make one. The order's ``refunds`` lists {id, reason, total}.
  https://developer.woocommerce.com/docs/apis/rest-api/v3/order-refunds/
"""

from decimal import Decimal, InvalidOperation

from .common import Reply

SHIPPING_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
    "phone",
)
CANNOT_REFUND = "woocommerce_rest_cannot_create_order_refund"
INVALID_AMOUNT = "Invalid refund amount."
NO_GATEWAY_REFUND = "The payment gateway for this order does not support automatic refunds."
CENT = Decimal("0.01")


def _decimal(value):
    try:
        return Decimal(str(value if value not in (None, "") else "0")).quantize(CENT)
    except (InvalidOperation, ValueError):
        return None


def _error(status, code, message):
    return Reply(status, {"code": code, "message": message, "data": {"status": status}})


class WooCommerceService:
    """Mixed into the WooCommerce marketplace (its lock, accounts, orders and ids)."""

    @staticmethod
    def _update_shipping(order, data):
        shipping = data.get("shipping")
        if isinstance(shipping, dict):
            current = order.setdefault("shipping", {})
            for key in SHIPPING_FIELDS:
                if key in shipping:
                    current[key] = str(shipping[key] or "")

    def _refunds(self, shop, order, method, data):
        refunds = self.refunds.setdefault((shop, order["id"]), [])
        if method == "GET":
            return Reply(200, list(reversed(refunds)))  # newest first
        if method != "POST" or not isinstance(data, dict):
            return _error(400, "rest_invalid_param", "Invalid parameter(s): body")
        lines = [line for line in data.get("line_items") or [] if isinstance(line, dict)]
        if data.get("amount") in (None, ""):
            amount = sum((_decimal(line.get("refund_total")) or 0 for line in lines), CENT * 0)
        else:
            amount = _decimal(data["amount"])
        refunded = sum((Decimal(r["amount"]) for r in refunds), CENT * 0)
        remaining = (_decimal(order.get("total")) or 0) - refunded
        if amount is None or amount < 0 or amount > remaining:
            return _error(500, CANNOT_REFUND, INVALID_AMOUNT)
        api_refund = data.get("api_refund")
        api_refund = api_refund if isinstance(api_refund, bool) else True
        if api_refund and not self.account(shop).gateway_refunds:
            return _error(500, CANNOT_REFUND, NO_GATEWAY_REFUND)
        refund = {
            "id": self.next_id(shop),
            "date_created_gmt": self._woo_time(),
            "amount": str(amount),
            "reason": str(data.get("reason") or ""),
            "refunded_by": 1,
            "refunded_payment": api_refund,
            "line_items": [_refund_line(line) for line in lines],
        }
        refunds.append(refund)
        order.setdefault("refunds", []).append(
            {"id": refund["id"], "reason": refund["reason"], "total": f"-{amount}"}
        )
        order["date_modified_gmt"] = refund["date_created_gmt"]
        return Reply(201, refund)


def _refund_line(line):
    """A refund's line item: what was refunded, negative, as WooCommerce lists it."""
    quantity = int(line.get("quantity") or 0)
    total = _decimal(line.get("refund_total")) or Decimal("0.00")
    return {
        "id": line.get("id"),
        "quantity": -quantity,
        "total": str(-total),
        "meta_data": [{"key": "_refunded_item_id", "value": str(line.get("id"))}],
    }
