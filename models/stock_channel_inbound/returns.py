"""Channel returns: a return picking into the warehouse's Quarantine per delivery."""

from collections import defaultdict

from odoo import models

from ...core.inbound import DONE, DUPLICATE, KIND_RETURN


class StockChannelInbound(models.Model):
    """Returns: a return picking into the warehouse's Quarantine per delivered picking,
    never more than was shipped and not yet returned."""

    _inherit = "stock.channel.inbound"

    def _returned_quantities(self, order, items):
        """({order line: quantity to return}, None), or (None, the rejection) when an
        item names no line of `order` or more than was shipped and not yet returned. A
        channel line split over sources (several order lines) returns from its parts in
        turn."""
        asked = defaultdict(float)
        parts = defaultdict(lambda: order.order_line.browse())
        for line in order.order_line.filtered("channel_line_ref"):
            parts[line.channel_line_ref] |= line
        for item in items:
            if item["id"] not in parts:
                return None, self._reject(404, f"order {order.name} has no line {item['id']!r}")
            asked[item["id"]] += item["quantity"]
        wanted = defaultdict(float)
        for ref, qty in asked.items():
            returnable = {line: line._channel_returnable_qty() for line in parts[ref]}
            if qty > sum(returnable.values()):
                return None, self._reject(
                    409,
                    self.env._(
                        "line %(line)s: %(qty)s to return, only %(max)s shipped and not returned",
                        line=ref,
                        qty=f"{qty:g}",
                        max=f"{sum(returnable.values()):g}",
                    ),
                )
            for line, units in returnable.items():
                take = min(qty, units)
                if take > 0:
                    wanted[line] += take
                    qty -= take
        return wanted, None

    def _process_return(self):
        request, rejected = self._parsed_of_url(self._connector().parse_return, "order_id")
        if rejected:
            return rejected
        self.external_id = request["id"]
        earlier = self.search(
            self._message_domain(
                KIND_RETURN, request["id"], ("state", "=", DONE), ("id", "!=", self.id)
            ),
            limit=1,
        )
        if earlier:
            self.write({"state": DUPLICATE, "duplicate_of_id": earlier.id})
            return earlier.http_status or 200, earlier.response
        order = self._find_order(request["order_id"])
        if not order:
            return self._reject(404, f"unknown order {request['order_id']!r}")
        self.sale_order_id = order
        wanted, rejected = self._returned_quantities(order, request["lines"])
        if rejected:
            return rejected
        pickings = order._channel_create_returns(wanted, request.get("reason"))
        return self._set_outcome(DONE, order, returns=pickings.mapped("name"))

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------
