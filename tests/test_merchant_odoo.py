"""Google Merchant Center's item issues in Odoo: an unchanged verdict costs nothing, a
whole feed flagged is no flood of activities, a stale verdict changes no alert."""

from types import SimpleNamespace
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..core import alerts
from ..models.stock_channel_alert.issues import ITEM_ISSUE_ACTIVITIES
from .common import ChannelStockCase
from .test_merchant import merchant_channel

ISSUE = (
    "DISAPPROVED (SHOPPING_ADS): Mismatched value (page crawl) [availability] "
    "(landing_page_availability_mismatch)"
)


@tagged("post_install", "-at_install")
class TestMerchantItemIssues(ChannelStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gmc = merchant_channel(cls.env, cls.warehouse)
        cls.Alert = cls.env["stock.channel.alert"]

    def open_alerts(self):
        return self.Alert.search(
            [("channel_id", "=", self.gmc.id), ("kind", "=", alerts.ITEM_ISSUE),
             ("state", "=", "open")]
        )  # fmt: skip

    def test_an_unchanged_verdict_takes_no_savepoint(self):
        self.Alert._item_issues(self.gmc, {self.product.id: ISSUE})
        cursor = self.env.cr
        with patch.object(type(cursor), "savepoint", autospec=True,
                          side_effect=type(cursor).savepoint) as savepoint:  # fmt: skip
            # the same issue, and a variant without issue nor alert: nothing to do
            self.Alert._item_issues(self.gmc, {self.product.id: ISSUE, self.product_b.id: ""})
        self.assertEqual(savepoint.call_count, 0)
        self.assertEqual(self.open_alerts().product_id, self.product)

    def test_a_whole_feed_flagged_is_one_digest_not_a_flood(self):
        self.assertEqual(ITEM_ISSUE_ACTIVITIES, 20)
        products = self.env["product.product"].create(
            [{"name": f"Flagged {n}", "default_code": f"FLAG-{n}", "is_storable": True}
             for n in range(25)]
        )  # fmt: skip
        other = "DISAPPROVED (SHOPPING_ADS): Missing image [image_link] (image_missing)"
        issues = dict.fromkeys(products.ids, ISSUE) | {self.product.id: other}
        self.Alert._item_issues(self.gmc, issues)
        opened = self.open_alerts()
        self.assertEqual(len(opened), 26)
        flagged = opened.filtered(lambda a: a.detail == ISSUE)
        self.assertEqual(len(flagged.filtered("activity_id")), 20)
        self.assertEqual(len(flagged.filtered(lambda a: not a.activity_id)), 5)
        self.assertTrue(opened.filtered(lambda a: a.detail == other).activity_id)
        activities = self.gmc.activity_ids
        self.assertEqual(len(activities), 22)  # 20 + 1 of the other issue + 1 digest
        digest = activities.filtered(lambda a: "25 variants" in (a.summary or ""))
        self.assertEqual(digest.summary, "Google (gmc): 25 variants with an item issue")
        self.assertIn(f"Google (gmc) reports an issue with 25 variants: {ISSUE}", digest.note)
        # the next run: nothing new opened, no other digest
        self.Alert._item_issues(self.gmc, issues)
        self.assertEqual(len(self.gmc.activity_ids), 22)

    def test_a_stale_verdict_neither_opens_nor_resolves(self):
        Quantity = self.env["stock.channel.quantity"]
        self.set_stock(self.product, 5)
        _variants, results = Quantity._for_push(self.gmc, self.product)
        Quantity._claim_for_push(self.gmc, self.product.ids, results)
        self.env.cr.execute(
            "SELECT last_sequence FROM stock_channel_quantity"
            " WHERE channel_id = %s AND product_id = %s",
            [self.gmc.id, self.product.id],
        )
        sequence = self.env.cr.fetchone()[0]
        self.assertTrue(sequence)
        Confirmer = self.env["stock.channel.confirmer"]
        item = {"sku": "WIDGET", "product_id": self.product.id, "sequence": sequence - 1}
        verdict = type("Verdict", (), {"issues": {"WIDGET": ISSUE}})()
        Confirmer._issues(self.gmc, {"WIDGET": item}, {"r1": verdict}, {"WIDGET": "r1"})
        self.assertFalse(self.open_alerts())  # a newer push left since: its verdict tells
        Confirmer._issues(
            self.gmc, {"WIDGET": dict(item, sequence=sequence)}, {"r1": verdict}, {"WIDGET": "r1"}
        )
        self.assertEqual(self.open_alerts().product_id, self.product)
        verdict.issues = {"WIDGET": ""}
        Confirmer._issues(self.gmc, {"WIDGET": item}, {"r1": verdict}, {"WIDGET": "r1"})
        self.assertEqual(self.open_alerts().product_id, self.product)  # stale: still open

    def test_the_sources_show_store_codes_on_a_channel_that_sends_stores(self):
        self.assertTrue(self.gmc.sends_stores)
        self.assertFalse(self.market.sends_stores)

    def test_a_full_run_resolves_the_issues_of_variants_google_no_longer_knows(self):
        issues = {self.product.id: ISSUE, self.product_b.id: ISSUE}
        self.Alert._item_issues(self.gmc, issues)
        connector = SimpleNamespace(reports_item_issues=True, read_item_issues=lambda skus: {})
        skus, read = {self.product.id: "WIDGET"}, {}  # Google no longer lists WIDGET
        self.gmc._read_item_issues(connector, skus, read, SimpleNamespace(kind="rolling"))
        self.assertEqual(len(self.open_alerts()), 2)  # a rolling run leaves them
        self.gmc._read_item_issues(connector, skus, read, SimpleNamespace(kind="full"))
        self.assertEqual(self.open_alerts().product_id, self.product_b)
        gadget = self.open_alerts()
        self.gmc._resolve_unread_issues(connector, self.product)  # GADGET: not read (unbound)
        self.assertFalse(self.open_alerts())
        self.assertEqual(gadget.resolution, "[GADGET] Gadget: no longer published on Google (gmc).")


@tagged("post_install", "-at_install")
class TestStoreCode(ChannelStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lyon = cls.env["stock.warehouse"].create({"name": "Lyon Store", "code": "LYS"})
        cls.nantes = cls.env["stock.warehouse"].create({"name": "Nantes Store", "code": "NTS"})
        cls.Source = cls.env["stock.channel.source"]

    def source(self, warehouse, code):
        return self.Source.create(
            {"channel_id": self.market.id, "warehouse_id": warehouse.id, "store_code": code}
        )

    def test_a_store_code_is_stripped_and_empty_is_none(self):
        lyon = self.source(self.lyon, "  LYON-1 ")
        self.assertEqual(lyon.store_code, "LYON-1")
        lyon.write({"store_code": "   "})
        self.assertIs(lyon.store_code, False)
        nantes = self.source(self.nantes, "")
        self.assertIs(nantes.store_code, False)  # two sources without a code: fine

    def test_a_store_code_names_one_store_of_a_channel(self):
        self.source(self.lyon, "LYON-1")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.source(self.nantes, " LYON-1")  # stripped: the same code
        constraint = self.Source._table_objects["stock_channel_source_channel_store_code_uniq"]
        self.assertEqual(
            constraint.message,
            "A store code names one store of a channel: two sources of the channel have it.",
        )
        self.Source.create(
            {"channel_id": self.web.id, "warehouse_id": self.nantes.id, "store_code": "LYON-1"}
        )  # another channel's store may have the code

    def test_a_store_code_that_breaks_the_detail_text_is_refused(self):
        refusals = {
            "A;B": "holds ;",
            "A=B": "holds =",
            "1+1": "holds +",
            "now": "is the word now",
            "x" * 65: "is longer than 64 characters",
        }
        for code, words in refusals.items():
            with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
                self.source(self.lyon, code)
            self.assertIn(f"of Lyon Store {words}", str(caught.exception))
        self.assertEqual(self.source(self.lyon, "x" * 64).store_code, "x" * 64)
