"""What a reconciliation reads beside the quantities: each store's figure (Google
Merchant Center's local inventory), judged per (variant, store), and the item issues
the channel reports now (alerts opened or resolved without a push)."""

from odoo import models

from ...core import alerts
from ...core import drift as drift_core
from ...core.connectors.types import store_quantities

# the runs that read every variant of the channel
FULL_RUNS = ("full", "manual")


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _store_drift_facts(self, connector, read, facts):
        """[(product_id, SkuFacts)] of each store of the variants the channel knows (in
        `read`), named "SKU @ STORE": what Odoo last gave the store (the line's detail)
        and gives it now (_store_figures: one batch) against what the channel holds
        (connector.read_stores: one list per product, within its limits)."""
        if not connector.sends_detail:
            return []
        variants = {pid: fact for pid, fact in facts if fact.sku in read}
        products = self.env["product.product"].browse(list(variants))
        now = self._store_figures(products) if products else {}
        wanted = [variants[pid].sku for pid, stores in now.items() if stores]
        if not wanted:
            return []
        held = connector.read_stores(wanted)
        self.env["stock.channel.quantity"].flush_model(["published_at", "published_detail"])
        self.env.cr.execute(
            "SELECT product_id, published_detail FROM stock_channel_quantity "
            "WHERE channel_id = %s AND product_id = ANY(%s) AND published_at IS NOT NULL",
            [self.id, products.ids],
        )
        published = {pid: store_quantities(detail) for pid, detail in self.env.cr.fetchall()}
        return [
            (pid, fact)
            for pid, variant in variants.items()
            if now.get(pid)
            for fact in drift_core.store_facts(
                variant,
                published.get(pid),
                {store.code: max(int(store.quantity or 0), 0) for store in now[pid]},
                held.get(variant.sku, {}),
            )
        ]

    def _read_item_issues(self, connector, skus, read, run=None):
        """The item issues the channel reports now of the variants it knows ({product_id:
        sku}, those in `read`): an issue raised since the last push's verdict becomes an
        alert, one gone resolves it. A full or manual `run`: the variants it does not know
        (any more) have no issue there."""
        if not connector.reports_item_issues:
            return
        known = {pid: sku for pid, sku in skus.items() if sku in read}
        found = {}
        if known:
            issues = connector.read_item_issues(list(known.values()))
            found = {pid: issues[sku] for pid, sku in known.items() if sku in issues}
        if run and run.kind in FULL_RUNS:
            found.update({pid: "" for pid in skus if pid not in known})
        self.env["stock.channel.alert"]._item_issues(self, found)

    def _resolve_unread_issues(self, connector, products):
        """A full or manual run's end: the open item issues of the variants it did not
        read (unbound, no longer the channel's) resolved."""
        if not connector.reports_item_issues:
            return
        Alert = self.env["stock.channel.alert"].sudo()
        stale = Alert.search(
            [
                ("channel_id", "=", self.id),
                ("kind", "=", alerts.ITEM_ISSUE),
                ("state", "=", "open"),
                ("product_id", "not in", products.ids),
            ]
        )
        for alert in stale:
            alert._close(
                self.env._(
                    "%(variant)s: no longer published on %(channel)s.",
                    variant=alert.product_id.display_name,
                    channel=self.display_name,
                )
            )
