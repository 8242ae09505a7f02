"""The stock figures of many warehouses and variants at once (the publishable batch):
the quants of every warehouse in one query per chunk."""

from collections import defaultdict

from odoo import fields, models

from ...core.intake import CONFIRMING

# the internal locations under the given views (archived ones included, as `child_of`)
INTERNAL_UNDER = """
SELECT id, parent_path FROM stock_location WHERE usage = 'internal' AND parent_path LIKE ANY(%s)
"""
# _channel_pending_reserved of several warehouses in one query, per warehouse and variant
PENDING_BATCH = """
SELECT warehouse_id, product_id, SUM(quantity) FROM stock_channel_reservation
 WHERE state = %(state)s AND warehouse_id = ANY(%(warehouses)s)
   AND product_id = ANY(%(products)s)
 GROUP BY 1, 2
"""
# QUANT_FIGURES of several warehouses in one query (the publishable batch), per warehouse
# (its 1-based index), variant and sellable or not, of the (location, warehouse index,
# non-sellable there) triples of their internal locations
QUANT_FIGURES_BATCH = """
SELECT w.idx, q.product_id, w.outside, COALESCE(SUM(q.quantity), 0)::float8,
       COALESCE(SUM(q.reserved_quantity), 0)::float8
  FROM stock_quant q
  JOIN unnest(%(locations)s::int[], %(indexes)s::int[], %(outside)s::bool[])
       AS w(location_id, idx, outside) ON w.location_id = q.location_id
 WHERE q.product_id = ANY(%(products)s)
 GROUP BY 1, 2, 3
"""


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    def _channel_batch_figures(self, products, state=None):
        """[{product_id: Stock}] of `products` in each warehouse of self, in order: what
        _channel_stock_figures gives for each, the quants of them all read by one query
        (QUANT_FIGURES_BATCH: the same sums, per warehouse and sellable or not), the
        units reserved by orders confirming too (PENDING_BATCH), only in the warehouses
        that have some, the holds only in those that have some (`state`:
        _channel_batch_state(), read once for a batch)."""
        state = state or self._channel_batch_state()
        quants = [(defaultdict(float), defaultdict(float), defaultdict(float)) for _wh in self]
        self.env["stock.quant"].flush_model(
            ["product_id", "location_id", "quantity", "reserved_quantity"]
        )
        self.env.cr.execute(QUANT_FIGURES_BATCH, {"products": products.ids, **state["quants"]})
        for index, product_id, outside, qty, reserved_qty in self.env.cr.fetchall():
            on_hand, reserved, non_sellable = quants[index - 1]
            on_hand[product_id] += qty
            if outside:
                non_sellable[product_id] += qty
            else:
                reserved[product_id] += reserved_qty
        pending = {warehouse_id: {} for warehouse_id in self.ids}
        if state["pending"]:
            self.env.cr.execute(PENDING_BATCH, {
                "state": CONFIRMING, "warehouses": state["pending"], "products": products.ids,
            })  # fmt: skip
            for warehouse_id, product_id, qty in self.env.cr.fetchall():
                pending[warehouse_id][product_id] = qty
        known = [
            {"quants": figures, "pending": pending[warehouse.id],
             "held": None if warehouse.id in state["held"] else {}}  # None: read them
            for warehouse, figures in zip(self, quants, strict=True)
        ]  # fmt: skip
        return [
            warehouse._channel_stock_figures(products, known=parts)
            for warehouse, parts in zip(self, known, strict=True)
        ]

    def _channel_batch_state(self):
        """What _channel_batch_figures reads once for a batch: {"quants": the internal
        locations of the warehouses of self (_channel_locations), "pending": the ids of
        those with units reserved by orders confirming, "held": of those with customer
        holds in force (none comes into force later: a hold only ends)}."""
        self.env["stock.channel.reservation"].flush_model(["state", "warehouse_id"])
        self.env.cr.execute(
            "SELECT DISTINCT warehouse_id FROM stock_channel_reservation"
            " WHERE state = %s AND warehouse_id = ANY(%s)",
            [CONFIRMING, self.ids],
        )
        pending = [warehouse_id for (warehouse_id,) in self.env.cr.fetchall()]
        holds = self.env["stock.channel.hold"].sudo()._read_group(
            [("warehouse_id", "in", self.ids), "|", ("date_until", "=", False),
             ("date_until", ">=", fields.Date.today())],
            ["warehouse_id"],
        )  # fmt: skip
        held = {warehouse.id for (warehouse,) in holds}
        return {"quants": self._channel_locations(), "pending": pending, "held": held}

    def _channel_locations(self):
        """{"locations", "indexes", "outside"}: the internal locations under the view of
        each warehouse of self (as QUANT_FIGURES finds them), the warehouse's 1-based
        index, whether the location is one of its non-sellable ones."""
        views = [warehouse.view_location_id.parent_path for warehouse in self]
        self.env["stock.location"].flush_model(["usage", "parent_path"])
        self.env.cr.execute(INTERNAL_UNDER, [[f"{view}%" for view in views]])
        found = self.env.cr.fetchall()
        triples = {"locations": [], "indexes": [], "outside": []}
        for index, warehouse in enumerate(self, start=1):
            non_sellable_ids = warehouse.view_location_id._channel_non_sellable_ids()
            for location_id, path in found:
                if path.startswith(views[index - 1]):
                    triples["locations"].append(location_id)
                    triples["indexes"].append(index)
                    triples["outside"].append(location_id in non_sellable_ids)
        return triples
