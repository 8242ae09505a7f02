"""An oversell incident: an order line Odoo could not serve, its cause, the oversell rate."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import events, oversell
from ..core.allocation import STEP_RING_FENCED_OTHERS
from ..core.dispatch import utcnow
from .access import check_manager_of

WEB_ORDERS = ["|", ("order_id.state", "not in", ("draft", "sent")),
              ("order_id.channel_exception", "!=", False)]  # fmt: skip


class StockChannelIncident(models.Model):
    """The oversell ledger: units a channel sold that Odoo could not serve, and why."""

    _name = "stock.channel.incident"
    _description = "Oversell Incident"
    _order = "detected_at desc, id desc"
    _rec_name = "order_ref"

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    product_id = fields.Many2one("product.product", string="Variant", required=True, index=True)
    sale_order_id = fields.Many2one("sale.order", string="Order", ondelete="set null", index=True)
    sale_line_id = fields.Many2one("sale.order.line", string="Order Line", ondelete="set null")
    order_ref = fields.Char(string="Order Reference", required=True)
    ordered_at = fields.Datetime(help="When the channel took the order.")
    qty_short = fields.Float(string="Short", digits="Product Unit", required=True)
    detected_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    cause = fields.Selection(oversell.INCIDENT_CAUSES, required=True, index=True)
    gap_seconds = fields.Integer(
        string="Gap (s)",
        help="Latency: how long before the order Odoo had committed the lower quantity "
        "that the channel had not received yet.",
    )
    accepted_qty = fields.Integer(
        string="Channel Showed", help="The quantity the channel had accepted last before the order."
    )
    resolved_at = fields.Datetime()
    resolution = fields.Selection(oversell.RESOLUTIONS)
    note = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        incidents = super().create(vals_list)
        # an oversell moves the oversell rate
        self.env["stock.channel.event"]._announce(events.OVERSELL_RECORDED, incidents)
        return incidents

    # ------------------------------------------------------------------
    # Recording
    # ------------------------------------------------------------------
    @api.model
    def _record_shortfalls(self, order, channel, shortfalls, taken_later=False):
        """One incident per variant of `order` short of stock ({product: (needed,
        available)}), unless one is open for that order and variant already.
        `taken_later`: the order had its units when it arrived, a later sale took them."""
        self = self.sudo()
        existing = self.search(
            [
                ("sale_order_id", "=", order.id),
                ("product_id", "in", [p.id for p in shortfalls]),
                ("resolved_at", "=", False),
            ]
        ).product_id
        results = channel.sudo()._compute_publishable(order.order_line.product_id)
        vals = []
        for product, (needed, available) in shortfalls.items():
            if product in existing:
                continue
            facts = self._oversell_facts(
                order, channel, product, needed, available, results, taken_later
            )
            cause, gap = oversell.classify(facts)
            line = order.order_line.filtered(lambda ln, p=product: ln.product_id == p)[:1]
            vals.append(
                {
                    "channel_id": channel.id,
                    "product_id": product.id,
                    "sale_order_id": order.id,
                    "sale_line_id": line.id,
                    "order_ref": order.channel_order_ref or order.name,
                    "ordered_at": facts.ordered_at,
                    "qty_short": oversell.qty_short(needed, available),
                    "cause": cause,
                    "gap_seconds": gap or 0,
                    "accepted_qty": facts.accepted_qty or 0,
                }
            )
        return self.create(vals)

    @api.model
    def _on_changes_flushed(self, order_ids, **payload):
        """The transaction's changes flushed at its commit, the channel orders whose
        status moved among them: the oversell ledger looks for units they lost."""
        self._record_lost_units(order_ids)

    @api.model
    def _record_lost_units(self, order_ids):
        """Confirmed channel orders whose reserved units are gone (another sale took them,
        a count removed them...): an incident per variant left short."""
        orders = self.env["sale.order"].sudo().browse(list(order_ids)).exists()
        orders = orders.filtered(lambda o: o.channel_id and o.state == "sale")
        taken = self._sold_since(orders)
        for order in orders.filtered(lambda o: not o.channel_id.allow_backorder):
            shortfalls = {}
            for line in order.order_line.filtered(lambda ln: not ln.display_type):
                facts = line._channel_line_facts(False)
                if facts.shortfall and facts.confirmed and not facts.cancelled:
                    needed = facts.ordered - facts.delivered
                    shortfalls[line.product_id] = (needed, _reserved(line))
            for product, shortfall in shortfalls.items():
                self._record_shortfalls(
                    order,
                    order.channel_id,
                    {product: shortfall},
                    taken_later=(order.id, product.id) in taken,
                )

    def _sold_since(self, orders):
        """{(order id, product id)}: a later sale (a done delivery to a customer from the
        order's warehouse, not the order's own: a POS sale, another order) took units of
        the order's variant after it arrived; one query for all the orders."""
        if not orders:
            return set()
        Move = self.env["stock.move"].sudo()
        moves = Move.search(
            [
                ("state", "=", "done"),
                ("product_id", "in", orders.order_line.product_id.ids),
                ("location_dest_usage", "=", "customer"),
                ("location_usage", "=", "internal"),
                ("date", ">=", min(_second(order.create_date) for order in orders)),
            ]
        )
        taken = set()
        for order in orders:
            own = order.picking_ids.move_ids
            warehouse = order.warehouse_id
            for move in moves - own:
                # a move's date has no microseconds: the same second counts as after
                arrived = _second(order.create_date)
                if move.date >= arrived and move.location_id.warehouse_id == warehouse:
                    taken.add((order.id, move.product_id.id))
        return taken

    def _oversell_facts(self, order, channel, product, needed, available, results, taken_later):
        # found short as it arrives (or is paid): the order's time, to the microsecond;
        # its units taken later: when it arrived
        ordered_at = order.create_date if taken_later else utcnow()
        accepted_qty, accepted_at = self._accepted_before(channel, product, ordered_at)
        # a count is dated to the second: compared at that precision
        accepted_at = accepted_at and accepted_at.replace(microsecond=0)
        result = results.get((channel.id, product.id))
        others = sum(
            -step["qty"]
            for step in (result.steps if result else [])
            if step["step"] == STEP_RING_FENCED_OTHERS
        )
        return oversell.OversellFacts(
            ordered_at=ordered_at,
            qty_needed=needed,
            qty_available=available,
            accepted_qty=accepted_qty,
            accepted_at=accepted_at,
            lower_committed_at=self._lower_committed_at(channel, product, ordered_at, needed),
            counted_down_at=self._counted_down_at(channel, product, accepted_at, ordered_at),
            fenced_for_others=others,
            sellable=result.sellable if result else 0,
            backorder=self.env.context.get("channel_backorder", False),
            taken_later=taken_later,
        )

    def _accepted_before(self, channel, product, when):
        """(quantity, when) the channel accepted last for `product` before `when`."""
        self.env["stock.channel.sync.log"].flush_model()
        self.env.cr.execute(
            """SELECT (item->>'quantity')::int, l.acked_at
                 FROM stock_channel_sync_log l, jsonb_array_elements(l.items) item
                WHERE l.channel_id = %s AND l.state IN ('sent', 'done') AND l.acked_at <= %s
                  AND item->>'product_id' = %s
             ORDER BY l.acked_at DESC, l.id DESC LIMIT 1""",
            [channel.id, when, str(product.id)],
        )
        row = self.env.cr.fetchone()
        return row if row else (None, None)

    def _lower_committed_at(self, channel, product, when, needed):
        """When Odoo had queued a quantity below `needed` that the channel had not
        accepted by `when` (a push still queued then, or accepted after)."""
        cr = self.env.cr
        cr.execute(
            """SELECT min(l.event_at)
                 FROM stock_channel_sync_log l, jsonb_array_elements(l.items) item
                WHERE l.channel_id = %s AND l.event_at <= %s
                  AND (l.acked_at IS NULL OR l.acked_at > %s)
                  AND item->>'product_id' = %s AND (item->>'quantity')::int < %s""",
            [channel.id, when, when, str(product.id), needed],
        )
        logged = cr.fetchone()[0]
        self.env["stock.channel.outbox"].flush_model()
        cr.execute(
            """SELECT min(event_at) FROM stock_channel_outbox
                WHERE channel_id = %s AND product_id = %s AND state = 'pending'
                  AND event_at <= %s""",
            [channel.id, product.id, when],
        )
        queued = cr.fetchone()[0]
        return min(filter(None, (logged, queued)), default=None)

    def _counted_down_at(self, channel, product, after, until):
        """The last inventory count that lowered `product` in the channel's warehouse
        after the channel's last accepted quantity."""
        domain = [
            ("product_id", "=", product.id),
            ("is_inventory", "=", True),
            ("state", "=", "done"),
            ("location_dest_usage", "=", "inventory"),
            ("date", "<=", until),
            ("location_id.warehouse_id", "=", channel.warehouse_id.id),
        ]
        if after:
            domain.append(("date", ">=", after))
        move = self.env["stock.move"].sudo().search(domain, order="date desc", limit=1)
        return move.date or None

    # ------------------------------------------------------------------
    # Resolution
    # ------------------------------------------------------------------
    @api.model
    def _resolve_orders(self, orders, resolution):
        self.sudo().search(
            [("sale_order_id", "in", orders.ids), ("resolved_at", "=", False)]
        ).write({"resolved_at": fields.Datetime.now(), "resolution": resolution})

    def _resolve_cancelled(self):
        """The units were refused to the channel (the order's line is cancelled there)."""
        self.write({"resolved_at": fields.Datetime.now(), "resolution": "cancelled"})

    def action_resolve(self):
        """A person resolved it (e.g. substituted): the resolution is required."""
        check_manager_of(self)
        if self.filtered(lambda incident: not incident.resolution):
            raise UserError(self.env._("Choose a resolution first."))
        self.sudo().filtered(lambda i: not i.resolved_at).resolved_at = fields.Datetime.now()
        return True

    # ------------------------------------------------------------------
    # KPI
    # ------------------------------------------------------------------
    @api.model
    def _oversell_rates(self, channels, days=7):
        """{channel_id: (oversold lines, order lines)} over the last `days`, in grouped queries
        for all `channels` (a webshop: its website's orders, not carts; carts only: None)."""
        since = fields.Datetime.now() - timedelta(days=days)
        short = dict(
            self.sudo()._read_group(
                [("channel_id", "in", channels.ids), ("detected_at", ">=", since)],
                ["channel_id"],
                ["sale_line_id:count_distinct"],
            )
        )
        Line = self.env["sale.order.line"].sudo()
        recent = [("create_date", ">=", since), ("display_type", "=", False)]
        webshops = channels.filtered(lambda ch: ch.channel_type == "website" and ch.website_id)
        by_channel = _count_lines(Line, recent, "order_id.channel_id", (channels - webshops).ids)
        by_website = (
            _count_lines(Line, recent + WEB_ORDERS, "order_id.website_id", webshops.website_id.ids)
            if webshops
            else {}
        )
        return {
            ch.id: (
                short.get(ch, 0),
                by_website.get(ch.website_id, 0) if ch in webshops else by_channel.get(ch, 0),
            )
            for ch in channels
        }


def _count_lines(Line, recent, field, ids):
    """{record of `field`: count of the `recent` order lines whose `field` is in `ids`}."""
    return dict(Line._read_group([*recent, (field, "in", ids)], [field], ["__count"]))


def _reserved(line):
    """The units of an order line reserved in stock (its moves not done yet)."""
    moves = line.move_ids.filtered(
        lambda m: m.state not in ("done", "cancel") and m.location_id.usage == "internal"
    )
    return sum(moves.mapped("quantity"))


def _second(moment):
    """`moment` to the second (a Datetime field's precision)."""
    return moment.replace(microsecond=0)
