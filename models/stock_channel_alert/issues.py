"""Item issues: what a channel says is wrong with a variant it took (Google Merchant
Center's item-level issues: a disapproval), one alert per variant, resolved by a later
verdict without an issue."""

import logging

from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import api, models

from ...core import alerts

_logger = logging.getLogger(__name__)


class StockChannelAlert(models.Model):
    _inherit = "stock.channel.alert"

    @api.model
    def _item_issues(self, channel, issues):
        """Apply the verdicts' issues of `channel`: {product_id: what the channel says
        ("" none)} of the variants it confirmed; the open alerts of these variants read
        in one search."""
        if not issues:
            return
        opened = self.sudo().search(
            [
                ("channel_id", "=", channel.id),
                ("kind", "=", alerts.ITEM_ISSUE),
                ("state", "=", "open"),
                ("product_id", "in", list(issues)),
            ]
        )
        by_product = {alert.product_id.id: alert for alert in opened}
        products = self.env["product.product"].sudo().browse(list(issues))
        for product in products:
            alert = by_product.get(product.id, self.sudo().browse())
            issue = issues[product.id] or ""
            action = alerts.issue_transition(issue, (alert.detail or "") if alert else None)
            try:  # no flush: the caller's pending work stays its own
                with self.env.cr.savepoint(flush=False):
                    if action == alerts.OPEN:
                        self.sudo()._open_item_issue(channel, product, issue)
                    elif action == alerts.KEEP:
                        alert.write({"detail": issue, "figure_text": issue[:80]})
                    elif action == alerts.RESOLVE:
                        alert._close(
                            self.env._(
                                "%(variant)s: %(channel)s no longer reports an issue.",
                                variant=product.display_name,
                                channel=channel.display_name,
                            )
                        )
            except UniqueViolation:  # another worker opened it meanwhile
                _logger.info("channel %s: item issue alert opened by another", channel.code)

    def _open_item_issue(self, channel, product, issue):
        summary = self.env._("Item issue: %(variant)s", variant=product.display_name)
        note = Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (
            self.env._(
                "%(channel)s reports an issue with %(variant)s: %(issue)s",
                channel=channel.display_name,
                variant=product.display_name,
                issue=issue,
            ),
            f"{channel.get_base_url()}/odoo/product.product/{product.id}",
            self.env._("Open the variant"),
        )
        vals = {
            "kind": alerts.ITEM_ISSUE,
            "product_id": product.id,
            "figure_text": issue[:80],
            "detail": issue,
        }
        return self._create_with_activity(channel, vals, summary, note)
