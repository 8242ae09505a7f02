"""Critical stock alerts: a done move took a variant's publishable quantity below its rule's."""

import logging

from markupsafe import Markup

from odoo import api, models
from odoo.tools import format_datetime

from ...core import alerts

_logger = logging.getLogger(__name__)


class StockChannelAlert(models.Model):
    _inherit = "stock.channel.alert"

    # ------------------------------------------------------------------
    # Critical stock
    # ------------------------------------------------------------------
    @api.model
    def _evaluate_critical(self, channels, since):
        """Critical stock of `channels`: the variants moved (done moves) since `since`
        in their warehouses, and those of the open alerts, against the critical quantity
        of the rule in force; publishable quantities in one batch."""
        Rule = self.env["stock.channel.policy.rule"].sudo()
        opened = self.search(
            [
                ("channel_id", "in", channels.ids),
                ("state", "=", "open"),
                ("kind", "=", alerts.CRITICAL_STOCK),
            ]
        )
        watched = channels.filtered(lambda ch: ch.active and ch.alert_active)
        pairs = self._critical_pairs(watched, since, opened)
        if not pairs:
            return
        Channel, Product = self.env["stock.channel"].sudo(), self.env["product.product"]
        in_play = Channel.browse({pair[0] for pair in pairs})
        results = in_play._compute_publishable(Product.browse({pair[1] for pair in pairs}))
        find = Rule._rule_finder(in_play)
        open_by_pair = {(a.channel_id.id, a.product_id.id): a for a in opened}
        for channel_id, product_id in sorted(pairs):
            channel, product = Channel.browse(channel_id), Product.browse(product_id)
            rule = find(channel, product) if channel in watched else Rule
            alert = open_by_pair.get((channel_id, product_id), self)
            publishable = results[channel_id, product_id].publishable
            alert._critical_transition(channel, product, publishable, rule.critical_qty, since)

    @api.model
    def _critical_pairs(self, watched, since, opened):
        """{(channel_id, product_id)} to look at: the variants of the `opened` alerts,
        and those moved since `since` in the warehouse of a `watched` channel with a
        rule's critical quantity."""
        Rule = self.env["stock.channel.policy.rule"].sudo()
        critical = Rule.search([("channel_id", "in", watched.ids), ("critical_qty", ">", 0)])
        moved = self._moved_products(critical.channel_id.warehouse_id, since)
        pairs = {(a.channel_id.id, a.product_id.id) for a in opened}
        for channel in critical.channel_id:
            pairs.update((channel.id, pid) for pid in moved.get(channel.warehouse_id.id, ()))
        return pairs

    def _critical_transition(self, channel, product, publishable, critical_qty, since):
        """Open, resolve or keep the critical stock alert of self (none: an empty
        recordset) for `product` on `channel` (see core.alerts.critical_transition)."""
        action = alerts.critical_transition(publishable, critical_qty, bool(self))
        if action == alerts.OPEN:
            self._open_critical(channel, product, publishable, critical_qty, since)
        elif action == alerts.RESOLVE:
            self._close(
                self.env._(
                    "Critical stock of %(variant)s over: %(qty)s publishable.",
                    variant=product.display_name,
                    qty=publishable,
                ),
                publishable,
            )
        elif action == alerts.KEEP:
            self._refresh(publishable)

    @api.model
    def _moved_products(self, warehouses, since):
        """{warehouse_id: {product_id}} of the done moves dated since `since` from or to
        a location of `warehouses` (the date of a done move is when it was done)."""
        moved = {}
        if not warehouses:
            return moved
        Move = self.env["stock.move"].sudo()
        domain = [("state", "=", "done"), ("date", ">=", since)]
        for side in ("location_id", "location_dest_id"):
            for warehouse, product in Move._read_group(
                [*domain, (f"{side}.warehouse_id", "in", warehouses.ids)],
                [f"{side}.warehouse_id", "product_id"],
            ):
                moved.setdefault(warehouse.id, set()).add(product.id)
        return moved

    @api.model
    def _open_critical(self, channel, product, publishable, critical_qty, since):
        """Critical stock: the alert names the variant, the channel, and the move that
        took it below (its author and reason)."""
        detail = self._critical_cause(channel, product, since)
        summary = self.env._("Critical stock: %(variant)s", variant=product.display_name)
        note = Markup("<p>%s</p><p>%s</p><p><a href='%s'>%s</a></p>") % (
            self.env._(
                "%(variant)s: %(qty)s publishable on %(channel)s, below its critical quantity "
                "%(critical)s.",
                variant=product.display_name,
                qty=publishable,
                channel=channel.display_name,
                critical=critical_qty,
            ),
            detail,
            f"{channel.get_base_url()}/odoo/product.product/{product.id}",
            self.env._("Open the variant"),
        )
        vals = {
            "kind": alerts.CRITICAL_STOCK,
            "product_id": product.id,
            "figure": publishable,
            "figure_text": str(publishable),
            "threshold_text": str(critical_qty),
            "detail": detail,
        }
        return self._create_with_activity(channel, vals, summary, note)

    @api.model
    def _critical_cause(self, channel, product, since):
        """Who took the variant below, and why: the last done move of the variant in the
        channel's warehouse since `since` (an inventory count: its reason)."""
        warehouse = channel.warehouse_id
        move = (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("product_id", "=", product.id),
                    ("state", "=", "done"),
                    ("date", ">=", since),
                    "|",
                    ("location_id.warehouse_id", "=", warehouse.id),
                    ("location_dest_id.warehouse_id", "=", warehouse.id),
                ],
                order="date desc, id desc",
                limit=1,
            )
        )
        if not move:
            return self.env._("No stock move since the last check (reservations).")
        author = move.write_uid.name or ""
        date = format_datetime(self.env, move.date, tz=channel.user_id.tz or "UTC")
        if move.is_inventory:
            return self.env._(
                "Inventory count by %(author)s on %(date)s, reason: %(reason)s.",
                author=author,
                date=date,
                reason=move.inventory_name or self.env._("none given"),
            )
        return self.env._(
            "%(reference)s by %(author)s on %(date)s (%(qty)s %(uom)s).",
            reference=move.reference or move.origin or move.display_name,
            author=author,
            date=date,
            qty=move.quantity,
            uom=move.product_uom.name,
        )
