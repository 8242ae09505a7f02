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
        item names no line of `order` or more than was shipped and not yet returned."""
        wanted = defaultdict(float)
        lines = {line.channel_line_ref: line for line in order.order_line if line.channel_line_ref}
        for item in items:
            line = lines.get(item["id"])
            if not line:
                return None, self._reject(404, f"order {order.name} has no line {item['id']!r}")
            wanted[line] += item["quantity"]
        for line, qty in wanted.items():
            returnable = line._channel_returnable_qty()
            if qty > returnable:
                return None, self._reject(
                    409,
                    self.env._(
                        "line %(line)s: %(qty)s to return, only %(max)s shipped and not returned",
                        line=line.channel_line_ref,
                        qty=f"{qty:g}",
                        max=f"{returnable:g}",
                    ),
                )
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
