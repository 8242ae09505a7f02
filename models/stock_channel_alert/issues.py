"""Item issues: what a channel says is wrong with a variant it took (Google Merchant
Center's item-level issues: a disapproval), one alert per variant, resolved by a later
verdict without an issue. A whole feed flagged is no flood: past ITEM_ISSUE_ACTIVITIES
variants of one issue in one run, the alerts come without an activity, and one activity
on the channel says how many variants have it."""

import logging

from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import api, models

from ...core import alerts
from .alert import ACTIVITY_TYPE

_logger = logging.getLogger(__name__)
# the alerts of one issue in one run (a verdict batch, a reconciliation chunk) that get
# their activity; past it, one activity on the channel counts the variants
ITEM_ISSUE_ACTIVITIES = 20


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
        opened_by_issue = {}  # issue -> variants opened this run
        for product in products:
            alert = by_product.get(product.id, self.sudo().browse())
            issue = issues[product.id] or ""
            action = alerts.issue_transition(issue, (alert.detail or "") if alert else None)
            if action is None:  # nothing changed: no savepoint, no query
                continue
            try:  # no flush: the caller's pending work stays its own
                with self.env.cr.savepoint(flush=False):
                    if action == alerts.OPEN:
                        count = len(opened_by_issue.get(issue, ()))
                        quiet = count >= ITEM_ISSUE_ACTIVITIES
                        self.sudo()._open_item_issue(channel, product, issue, quiet=quiet)
                        opened_by_issue.setdefault(issue, []).append(product.id)
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
        for issue, opened_ids in opened_by_issue.items():
            if len(opened_ids) > ITEM_ISSUE_ACTIVITIES:
                self.sudo()._item_issue_digest(channel, issue, len(opened_ids))

    def _item_issue_digest(self, channel, issue, count):
        """One activity on `channel` for `count` variants opened with `issue` in a run."""
        summary = self.env._(
            "%(channel)s: %(count)s variants with an item issue",
            channel=channel.display_name,
            count=f"{count:,}",
        )
        note = Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (
            self.env._(
                "%(channel)s reports an issue with %(count)s variants: %(issue)s",
                channel=channel.display_name,
                count=f"{count:,}",
                issue=issue,
            ),
            f"{channel.get_base_url()}/odoo/action-stock_channel_sync.action_stock_channel_alert",
            self.env._("Open the alerts"),
        )
        user = channel.user_id or channel.create_uid
        channel.activity_schedule(ACTIVITY_TYPE, summary=summary, note=note, user_id=user.id)

    def _open_item_issue(self, channel, product, issue, quiet=False):
        """The alert of `product`'s issue, with its activity (`quiet`: without one, a
        digest counts it)."""
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
        if quiet:
            user = channel.user_id or channel.create_uid
            return self.create(dict(vals, channel_id=channel.id, summary=summary, user_id=user.id))
        return self._create_with_activity(channel, vals, summary, note)
