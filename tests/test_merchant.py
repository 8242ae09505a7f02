"""Google Merchant Center in Odoo: the units on hand and each store's figures a push tells
(a store's change alone is pushed), the item issues a verdict says turned into alerts
naming the variant and resolved when gone, the read-back compared in the form Google
keeps."""

from odoo import fields
from odoo.tests import tagged

from ..core import alerts
from ..core.connectors.types import StoreStock
from .common import ChannelStockCase, set_settings


@tagged("post_install", "-at_install")
class TestMerchantFigures(ChannelStockCase):
    """A Merchant Center channel fed by the shop's warehouse and two stores with Google
    store codes, Lyon offering click & collect."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lyon = cls._store("Lyon Store", "LYS")
        cls.nantes = cls._store("Nantes Store", "NTS")
        cls.gmc = cls.env["stock.channel"].create(
            {"name": "Google", "code": "gmc", "channel_type": "marketplace",
             "warehouse_id": cls.warehouse.id, "connector": "merchant",
             "endpoint_url": "https://merchantapi.googleapis.com"}
        )  # fmt: skip
        set_settings(
            cls.gmc, service_account_key="{}", account_id="123", data_source="9",
            feed_label="FR", content_language="fr",
        )  # fmt: skip
        Source = cls.env["stock.channel.source"]
        Source.create({"channel_id": cls.gmc.id, "warehouse_id": cls.warehouse.id})
        Source.create({"channel_id": cls.gmc.id, "warehouse_id": cls.lyon.id,
                       "store_code": "LYON-1", "store_pickup": True})  # fmt: skip
        Source.create({"channel_id": cls.gmc.id, "warehouse_id": cls.nantes.id,
                       "store_code": "NANTES-2"})  # fmt: skip

    @classmethod
    def _store(cls, name, code):
        return cls.env["stock.warehouse"].create({"name": name, "code": code})

    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 5)
        self.set_stock(self.product, 3, self.lyon.lot_stock_id)
        self.set_stock(self.product, 1, self.nantes.lot_stock_id)

    def variant(self):
        Quantity = self.env["stock.channel.quantity"]
        return Quantity._for_push(self.gmc, self.product)[self.product.id]

    def took(self, variant):
        """Google took the push of `variant` (its quantity, date and detail)."""
        self.env["stock.channel.quantity"]._mark_published(
            self.gmc, {self.product.id: variant.publishable}, fields.Datetime.now(),
            dates={self.product.id: variant.available_at},
            details={self.product.id: variant.detail},
        )  # fmt: skip

    def test_a_push_tells_the_units_on_hand_and_each_store(self):
        variant = self.variant()
        self.assertEqual((variant.publishable, variant.on_hand), (9, 9))
        self.assertEqual(
            variant.stores, (StoreStock("LYON-1", 3, pickup=True), StoreStock("NANTES-2", 1))
        )
        self.assertEqual(variant.detail, "now=9;LYON-1=3+pickup;NANTES-2=1")
        self.assertFalse(variant.in_sync)  # never published
        self.took(variant)
        self.assertEqual(self.variant().published_detail, "now=9;LYON-1=3+pickup;NANTES-2=1")
        self.assertTrue(self.variant().in_sync)

    def test_a_change_in_one_store_is_pushed_when_the_total_stays(self):
        self.took(self.variant())
        self.outbox(self.gmc).unlink()  # pushed: nothing queued
        self.set_stock(self.product, 2, self.lyon.lot_stock_id)  # one unit moved to Nantes
        self.set_stock(self.product, 2, self.nantes.lot_stock_id)
        variant = self.variant()
        self.assertEqual(variant.publishable, 9)  # the same total
        self.assertEqual(
            variant.stores, (StoreStock("LYON-1", 2, pickup=True), StoreStock("NANTES-2", 2))
        )
        self.assertFalse(variant.in_sync)
        self.assertIn(self.product, self.outbox(self.gmc).product_id)

    def test_no_pickup_on_this_channel_and_an_empty_shelf_say_no_pickup(self):
        self.product.product_tmpl_id.channel_no_pickup_ids = self.gmc
        self.assertEqual(self.variant().stores[0], StoreStock("LYON-1", 3))
        self.product.product_tmpl_id.channel_no_pickup_ids = False
        self.set_stock(self.product, 0, self.lyon.lot_stock_id)
        self.assertEqual(self.variant().stores[0], StoreStock("LYON-1", 0))

    def test_other_connectors_are_told_no_detail(self):
        variant = self.env["stock.channel.quantity"]._for_push(self.market, self.product)
        variant = variant[self.product.id]
        self.assertEqual((variant.on_hand, variant.stores, variant.detail), (None, (), ""))

    def outbox(self, channel):
        self.env.cr.flush()  # the precommit hooks that queue the pushes, as a commit runs
        return self.env["stock.channel.outbox"].search([("channel_id", "=", channel.id)])

    # -- item issues ----------------------------------------------------------------

    def test_an_item_issue_is_an_alert_naming_the_variant_resolved_when_gone(self):
        Alert = self.env["stock.channel.alert"]
        issue = (
            "DISAPPROVED (SHOPPING_ADS): Mismatched availability [availability] "
            "(availability_mismatch)"
        )
        Alert._item_issues(self.gmc, {self.product.id: issue, self.product_b.id: ""})
        alert = Alert.search([("channel_id", "=", self.gmc.id), ("kind", "=", alerts.ITEM_ISSUE)])
        self.assertEqual(len(alert), 1)
        self.assertEqual(
            (alert.product_id, alert.state, alert.detail), (self.product, "open", issue)
        )
        self.assertEqual(alert.summary, "Item issue: [WIDGET] Widget")
        self.assertTrue(alert.activity_id)
        Alert._item_issues(self.gmc, {self.product.id: issue})  # the same: kept, not twice
        self.assertEqual(Alert.search_count([("kind", "=", alerts.ITEM_ISSUE)]), 1)
        Alert._item_issues(self.gmc, {self.product.id: ""})
        self.assertEqual(alert.state, "resolved")
        resolution = "[WIDGET] Widget: Google (gmc) no longer reports an issue."
        self.assertEqual(alert.resolution, resolution)

    def test_read_back_compares_in_stock_or_not(self):
        merchant = self.gmc._webhook_connector()
        self.assertEqual([merchant.read_form(q) for q in (0, 1, 9)], [0, 1, 1])
        self.assertEqual(self.market._webhook_connector().read_form(9), 9)
