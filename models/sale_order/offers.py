"""Stores competing for an order (stock.channel.offer): offered to the best stores after
sourcing, the first to accept wins, when nobody answers the next stores, then the
warehouse."""

from dataclasses import replace

from odoo import fields, models
from odoo.exceptions import UserError

from ...core import offers, sourcing
from ...core.status import TO_CHECK


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_offer_state = fields.Selection(
        offers.ORDER_STATES, string="Store Offer", readonly=True, copy=False, index=True
    )
    channel_offer_ids = fields.One2many(
        "stock.channel.offer", "order_id", string="Store Offers", readonly=True, copy=False
    )

    def _channel_after_sourcing(self, decision):
        """A channel offering its orders to stores: the order (confirmed, reserved at its
        best candidate) is offered at once to the best stores able to serve it."""
        res = super()._channel_after_sourcing(decision)
        for order in self:
            if order.channel_id.offer_to_stores and order.state == "sale":
                order._channel_offer_next()
        return res

    def _action_cancel(self):
        """A cancelled order is no longer offered: its open offers are withdrawn."""
        res = super()._action_cancel()
        self.sudo().channel_offer_ids.filtered(lambda o: o.state == offers.OFFERED).write(
            {"state": offers.WITHDRAWN}
        )
        return res

    def _channel_reallocate(self, warehouse, reason):
        """Reallocated by someone else than a store accepting it (customer service): its
        open offers are withdrawn, the order is no longer offered."""
        res = super()._channel_reallocate(warehouse, reason)
        if not self.env.context.get("channel_offer_accepting"):
            pending = self.sudo().channel_offer_ids.filtered(lambda o: o.state == offers.OFFERED)
            if pending:
                pending.write({"state": offers.WITHDRAWN})
                self.sudo().channel_offer_state = False
                self._channel_explain_append(self.env._("offers to stores withdrawn"))
        return res

    def _channel_offer_next(self):
        """The next round: the next stores able to serve it (not offered it yet), or, when
        none is left after a round, the warehouse (the first candidate not a store)."""
        self.ensure_one()
        ranked, stores, usable = self._channel_offer_ranking()
        tried = set(self.channel_offer_ids.warehouse_id.ids)
        channel = self.channel_id
        keys = offers.next_stores(ranked, stores, tried, channel.offer_count)
        if keys:
            self._channel_offer_to(self.env["stock.warehouse"].browse(keys))
        elif self.channel_offer_ids:
            self._channel_offer_fallback(offers.fallback(ranked, stores, usable))

    def _channel_offer_ranking(self):
        """(candidate warehouse ids ranked by the channel's strategy, the ids of the
        stores taking offers able to serve the whole order, the ids of the candidates able
        to: promise met, capacity left, the whole order in stock), under the variant locks.
        The units and the place the order holds where it is count there (its own)."""
        channel = self.channel_id
        needs = {p.id: qty for p, qty in self._channel_needed_quantities().items()}
        products = self.env["product.product"].browse(list(needs))
        self.env["stock.channel.variant.lock"].sudo()._acquire(products)
        here = self._channel_ship_warehouse().id
        candidates = sourcing.rank(
            [
                _holding(c, needs) if c.key == here else c
                for c in self._channel_source_candidates(channel)
            ],
            needs,
            channel.sudo().sourcing_strategy,
        )
        takes = set(channel.sudo().source_ids.filtered("offer_orders").warehouse_id.ids)
        usable = {c.key for c in candidates if c.usable() and c.covers(needs)}
        return [c.key for c in candidates], takes & usable, usable

    def _channel_offer_to(self, stores):
        now = fields.Datetime.now()
        until = offers.expires_at(now, self.channel_id.offer_minutes)
        last = max(self.channel_offer_ids.mapped("round") or [0])
        self.env["stock.channel.offer"].sudo().create(
            [
                {
                    "order_id": self.id,
                    "channel_id": self.channel_id.id,
                    "company_id": self.company_id.id,
                    "warehouse_id": store.id,
                    "round": last + 1,
                    "offered_at": now,
                    "expires_at": until,
                }
                for store in stores
            ]
        )
        self.sudo().channel_offer_state = offers.ORDER_OFFERED
        at = fields.Datetime.context_timestamp(self, until).strftime("%H:%M")
        self._channel_explain_append(offers.offered_line(stores.mapped("name"), at))

    def _channel_offer_fallback(self, warehouse_id):
        """No store took it: the warehouse ships it (moved there when it is not there yet
        and holds the stock; otherwise it stays where sourcing reserved it). No warehouse
        able to ship it (promise, capacity, stock): it stays, the order is to check."""
        warehouse = self.env["stock.warehouse"].browse(warehouse_id)
        here = self._channel_ship_warehouse()
        if not warehouse:
            line = self.env._(
                "no store took it and no warehouse can ship it (promise, capacity or stock):"
                " to check, reserved at %(here)s",
                here=here.name,
            )
            self.sudo()._channel_set_exception(TO_CHECK, line)
            self.sudo().channel_offer_state = offers.ORDER_FALLBACK
            self._channel_explain_append(line)
            return
        line = self.env._("no store took it: ships from %(wh)s", wh=(warehouse or here).name)
        if warehouse and warehouse != here:
            try:
                with self.env.cr.savepoint():
                    self._channel_reallocate(warehouse, self.env._("no store took it"))
            except UserError as error:
                line = self.env._(
                    "no store took it, %(wh)s cannot ship it (%(why)s): ships from %(here)s",
                    wh=warehouse.name,
                    why=error.args[0],
                    here=here.name,
                )
        self.sudo().channel_offer_state = offers.ORDER_FALLBACK
        self._channel_explain_append(line)

    def _channel_offer_claim(self):
        """Atomically mark the order accepted when it is still offered: True for the one
        store that wins (two stores accepting in the same second: exactly one)."""
        self.ensure_one()
        self.flush_recordset(["channel_offer_state"])
        self.env.cr.execute(
            "UPDATE sale_order SET channel_offer_state = %s"
            " WHERE id = %s AND channel_offer_state = %s RETURNING id",
            (offers.ORDER_ACCEPTED, self.id, offers.ORDER_OFFERED),
        )
        won = bool(self.env.cr.fetchone())
        self.invalidate_recordset(["channel_offer_state"])
        return won

    def _channel_ship_warehouse(self):
        """The warehouse the order ships from (its goods lines', where sourcing put them,
        else its own)."""
        self.ensure_one()
        goods = self.order_line.filtered(lambda line: line.product_id.type == "consu")
        return goods.warehouse_id[:1] or self.warehouse_id


def _holding(candidate, needs):
    """`candidate` with the order's own reserved units (`needs`) counted as available,
    and its own place in the day's load free."""
    available = dict(candidate.available)
    for product_id, qty in needs.items():
        available[product_id] = available.get(product_id, 0) + qty
    load = max(0, candidate.load - max(candidate.need, 1))
    return replace(candidate, available=available, load=load)
