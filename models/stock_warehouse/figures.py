"""The stock figures of a warehouse for a few variants (an order, a change): on hand,
reserved, non-sellable, incoming and the waiting demand, in a few grouped queries."""

from collections import defaultdict

from odoo import api, models
from odoo.fields import Domain

from ...core.allocation import Stock, net_of_waiting

TODO_MOVE_STATES = ("waiting", "confirmed", "assigned", "partially_available")
# on hand and reserved of the warehouse's internal locations per variant, split by sellable
QUANT_FIGURES = """
SELECT q.product_id, q.location_id = ANY(%(non_sellable)s), COALESCE(SUM(q.quantity), 0),
       COALESCE(SUM(q.reserved_quantity), 0)
  FROM stock_quant q
  JOIN stock_location l ON l.id = q.location_id
 WHERE q.product_id = ANY(%(products)s) AND l.usage = 'internal'
   AND l.parent_path LIKE %(path)s
 GROUP BY 1, 2
"""

# the confirmed receipts per variant and (UTC) day into the sellable locations under the
# warehouse's view (archived ones included, as `child_of`), from outside the stock
CHANNEL_INCOMING = """
SELECT m.product_id, date_trunc('day', m.date)::date, SUM(m.product_qty)
  FROM stock_move m
  JOIN stock_location d ON d.id = m.location_dest_id
  JOIN stock_location s ON s.id = m.location_id
 WHERE m.product_id = ANY(%(products)s) AND m.state = ANY(%(states)s)
   AND d.parent_path LIKE %(path)s AND NOT m.location_dest_id = ANY(%(non_sellable)s)
   AND s.usage NOT IN ('internal', 'transit')
 GROUP BY 1, 2
 ORDER BY 1, 2
"""
# the outgoing moves per variant and unit from the internal locations under the view: the
# first of a delivery chain in the warehouse (no origin move from an internal location),
# bound out of the stock or, as a pick, for a customer
CHANNEL_WAITING_DEMAND = """
SELECT m.product_id, m.product_uom, SUM(m.product_qty), SUM(m.quantity)
  FROM stock_move m
  JOIN stock_location s ON s.id = m.location_id
  JOIN stock_location d ON d.id = m.location_dest_id
  LEFT JOIN stock_location f ON f.id = m.location_final_id
 WHERE m.product_id = ANY(%(products)s) AND m.state = ANY(%(states)s)
   AND s.parent_path LIKE %(path)s AND s.usage = 'internal'
   AND NOT EXISTS (
       SELECT 1
         FROM stock_move_move_rel r
         JOIN stock_move o ON o.id = r.move_orig_id
         JOIN stock_location ol ON ol.id = o.location_id
        WHERE r.move_dest_id = m.id AND ol.usage = 'internal')
   AND (d.usage NOT IN ('internal', 'transit') OR f.usage = 'customer')
 GROUP BY 1, 2
"""


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    @api.model
    def _channel_stock_domain(self, products):
        return Domain("product_id", "in", products.ids) & Domain(
            "location_id", "child_of", self.view_location_id.ids
        )

    def _channel_stock_figures(self, products, known=None):
        """{product_id: core.allocation.Stock} of this warehouse, in a few grouped queries
        (`known`: {"quants": _channel_quant_figures' figures, "pending":
        _channel_pending_reserved's, "held": the holds'} when read already, see
        _channel_batch_figures).

        on hand and reserved come from the quants of the warehouse's internal locations;
        reserved counts only sellable locations, non-sellable is the on hand of the
        locations flagged non-sellable; incoming are the confirmed receipts into sellable
        locations of the warehouse, per scheduled day, less the units that orders
        confirmed beyond the stock already wait for (the earliest receipts serve them).
        Held are the units of the active customer holds (stock.channel.hold) of the
        warehouse.
        """
        self.ensure_one()
        # only the columns read here (not every column of the warehouse and its view)
        self.fetch(["view_location_id", "company_id"])  # company: the ledger rows' check
        self.view_location_id.fetch(["parent_path"])
        non_sellable_ids = self.view_location_id._channel_non_sellable_ids()
        known = known or {}
        on_hand, reserved, non_sellable = known.get("quants") or self._channel_quant_figures(
            products, non_sellable_ids
        )
        incoming = self._channel_incoming(products, non_sellable_ids)
        waiting = self._channel_waiting_demand(products)
        held = known.get("held")
        held = self.env["stock.channel.hold"]._held(self, products) if held is None else held
        pending = known.get("pending")
        pending = self._channel_pending_reserved(products) if pending is None else pending
        figures, same = {}, {}  # variants with the same figures share one Stock
        for product_id in products.ids:
            receipts = incoming.get(product_id)
            key = (
                on_hand.get(product_id, 0.0),
                reserved.get(product_id, 0.0) + pending.get(product_id, 0.0),
                non_sellable.get(product_id, 0.0),
                net_of_waiting(receipts, waiting.get(product_id, 0.0)) if receipts else (),
                held.get(product_id, 0.0),
            )
            found = same.get(key)
            if found is None:
                found = same[key] = Stock(*key)
            figures[product_id] = found
        return figures

    def _channel_pending_reserved(self, products):
        """{product_id: units} reserved in this warehouse by orders answered but not
        confirmed yet (the ledger rows confirming, stock.channel.reservation)."""
        return self.env["stock.channel.reservation"]._pending(self, products)

    def _channel_quant_figures(self, products, non_sellable_ids):
        """({product_id: on hand}, {product_id: reserved in sellable locations},
        {product_id: on hand in the non-sellable ones}) of the warehouse's quants."""
        on_hand = defaultdict(float)
        reserved = defaultdict(float)
        non_sellable = defaultdict(float)
        # the quants of the internal locations under the warehouse's view (as a domain
        # `location_id child_of view` would, archived locations included), one query on ids
        self.env["stock.quant"].flush_model(
            ["product_id", "location_id", "quantity", "reserved_quantity"]
        )
        self.env["stock.location"].flush_model(["usage", "parent_path"])
        self.env.cr.execute(QUANT_FIGURES, {
            "products": products.ids, "path": f"{self.view_location_id.parent_path}%",
            "non_sellable": list(non_sellable_ids),
        })  # fmt: skip
        for product_id, outside, qty, reserved_qty in self.env.cr.fetchall():
            on_hand[product_id] += qty
            if outside:
                non_sellable[product_id] += qty
            else:
                reserved[product_id] += reserved_qty
        return on_hand, reserved, non_sellable

    def _channel_incoming(self, products, non_sellable_ids):
        """{product_id: [(day, quantity)]} of the confirmed receipts into the sellable
        locations of the warehouse, in one query (CHANNEL_INCOMING)."""
        incoming = defaultdict(list)
        # days in UTC, whoever asks: a user's time zone would move a receipt across the
        # horizon (the publishable quantity is the same for every reader and the dispatcher)
        self._channel_flush_moves()
        self.env.cr.execute(CHANNEL_INCOMING, {
            "products": products.ids, "states": list(TODO_MOVE_STATES),
            "path": f"{self.view_location_id.parent_path}%",
            "non_sellable": list(non_sellable_ids),
        })  # fmt: skip
        for product_id, day, qty in self.env.cr.fetchall():
            incoming[product_id].append((day, qty))
        return incoming

    def _channel_flush_moves(self):
        """The moves' and locations' columns the figures' queries read, flushed."""
        self.env["stock.move"].flush_model(
            ["product_id", "state", "location_id", "location_dest_id", "location_final_id",
             "date", "product_qty", "quantity", "product_uom", "move_orig_ids"]
        )  # fmt: skip
        self.env["stock.location"].flush_model(["usage", "parent_path"])

    def _channel_waiting_demand(self, products):
        """{product_id: units of the warehouse's outgoing moves not reserved}: the orders
        confirmed beyond the stock on hand, which the next receipts serve (the reserved
        part is in the quants' reserved quantity already). Only the first move of a
        delivery chain in the warehouse counts: the pick of a 2- or 3-step delivery (bound
        for a customer), not the later steps that wait for it (their units are the
        pick's); a delivery waiting for a receipt (made to order) counts."""
        waiting = defaultdict(float)
        self._channel_flush_moves()
        self.env.cr.execute(CHANNEL_WAITING_DEMAND, {
            "products": products.ids, "states": list(TODO_MOVE_STATES),
            "path": f"{self.view_location_id.parent_path}%",
        })  # fmt: skip
        rows = self.env.cr.fetchall()
        Uom, variants = self.env["uom.uom"].sudo(), products.sudo()
        for product_id, uom_id, qty, reserved in rows:
            product = variants.browse(product_id).with_prefetch(variants._prefetch_ids)
            uom = Uom.browse(uom_id)
            reserved = uom._compute_quantity(reserved, product.uom_id, round=False)
            waiting[product_id] += max(0.0, qty - reserved)
        return waiting
