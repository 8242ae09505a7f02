"""Google Merchant Center in Odoo: the units on hand and each store's figures a push tells
(a store's change alone is pushed), the item issues a verdict says turned into alerts
naming the variant and resolved when gone, the read-back compared in the form Google
keeps."""

import json
from datetime import UTC, date, datetime, timedelta

from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..core import alerts
from ..core.connectors.merchant import MerchantConnector
from ..core.connectors.merchant_api import SCOPE
from ..core.connectors.types import StoreStock
from .common import ChannelStockCase, OrderCase, set_settings

ACCOUNT = "123456"
PRIMARY, SUPPLEMENTAL = "111", "222"
WIDGET, GADGET = "de~DE~WIDGET", "de~DE~GADGET"


def merchant_channel(env, warehouse):
    """A Merchant Center channel "gmc" on `warehouse`, its settings filled in (an empty
    key: no call reaches Google)."""
    channel = env["stock.channel"].create(
        {"name": "Google", "code": "gmc", "channel_type": "marketplace",
         "warehouse_id": warehouse.id, "connector": "merchant",
         "endpoint_url": "https://merchantapi.googleapis.com"}
    )  # fmt: skip
    set_settings(
        channel, service_account_key="{}", account_id="123", data_source="9",
        feed_label="FR", content_language="fr",
    )  # fmt: skip
    return channel


@tagged("post_install", "-at_install")
class TestMerchantFigures(ChannelStockCase):
    """A Merchant Center channel fed by the shop's warehouse and two stores with Google
    store codes, Lyon offering click & collect."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lyon = cls._store("Lyon Store", "LYS")
        cls.nantes = cls._store("Nantes Store", "NTS")
        cls.gmc = merchant_channel(cls.env, cls.warehouse)
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
        variants, _results = Quantity._for_push(self.gmc, self.product)
        return variants[self.product.id]

    def took(self, variant):
        """Google took the push of `variant` (its quantity, date and detail): its line
        stored and claimed as a push's is, then published."""
        Quantity = self.env["stock.channel.quantity"]
        _variants, results = Quantity._for_push(self.gmc, self.product)
        Quantity._claim_for_push(self.gmc, self.product.ids, results)
        Quantity._mark_published(
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

    def test_a_backorder_without_receipt_is_dated_by_odoo(self):
        """Backorder Days makes a date Odoo stores with the quantity (a changed date is a
        change to push), a Monday: the next week's date moves it, not the next day."""
        self.gmc.allow_backorder = True
        self.add_rule(self.gmc, scope="variant", product_id=self.product, backorder_qty=4)
        set_settings(self.gmc, backorder_days=10)
        for location in (None, self.lyon.lot_stock_id, self.nantes.lot_stock_id):
            self.set_stock(self.product, 0, location)
        variant = self.variant()
        today = datetime.now(UTC).date()  # the receipts' days are UTC days too
        expected = MerchantConnector.backorder_date({"backorder_days": 10}, today)
        self.assertEqual((variant.publishable, variant.on_hand), (4, 0))
        self.assertEqual(variant.available_at, expected)
        self.assertEqual(expected.weekday(), 0)
        self.assertTrue(today + timedelta(days=10) <= expected <= today + timedelta(days=17))
        self.took(variant)
        line = self.env["stock.channel.quantity"].search(
            [("channel_id", "=", self.gmc.id), ("product_id", "=", self.product.id)]
        )
        self.assertEqual(line.available_at, expected)
        self.assertTrue(line.in_sync and self.variant().in_sync)

    def test_no_pickup_on_this_channel_and_an_empty_shelf_say_no_pickup(self):
        self.product.product_tmpl_id.channel_no_pickup_ids = self.gmc
        self.assertEqual(self.variant().stores[0], StoreStock("LYON-1", 3))
        self.product.product_tmpl_id.channel_no_pickup_ids = False
        self.set_stock(self.product, 0, self.lyon.lot_stock_id)
        self.assertEqual(self.variant().stores[0], StoreStock("LYON-1", 0))

    def test_other_connectors_are_told_no_detail(self):
        variants, _results = self.env["stock.channel.quantity"]._for_push(self.market, self.product)
        variant = variants[self.product.id]
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


@tagged("post_install", "-at_install")
class TestMerchantSync(OrderCase):
    """The channel against the simulator's Merchant API v1: the products come from the
    merchant's primary data source (their title, Google's own), Odoo writes availability
    into its supplemental one, and the local inventory of two stores. Over HTTPS, as
    Google's API and token endpoint are."""

    simulator_tls = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lyon = cls.env["stock.warehouse"].create({"name": "Lyon Store", "code": "LYS"})
        cls.nantes = cls.env["stock.warehouse"].create({"name": "Nantes Store", "code": "NTS"})
        cls.gmc = cls.marketplace_channel(
            "gmc", "merchant", endpoint_url=cls.sim.merchant_url(),
            settings={"account_id": ACCOUNT, "data_source": SUPPLEMENTAL, "feed_label": "DE",
                      "content_language": "de"},
        )  # fmt: skip
        Source = cls.env["stock.channel.source"]
        Source.create({"channel_id": cls.gmc.id, "warehouse_id": cls.warehouse.id})
        Source.create({"channel_id": cls.gmc.id, "warehouse_id": cls.lyon.id,
                       "store_code": "LYON-1", "store_pickup": True})  # fmt: skip
        Source.create({"channel_id": cls.gmc.id, "warehouse_id": cls.nantes.id,
                       "store_code": "NANTES-2"})  # fmt: skip

    def setUp(self):
        super().setUp()
        merchant = self.sim.merchant
        merchant.add_data_source(ACCOUNT, PRIMARY, primary=True)
        merchant.add_data_source(ACCOUNT, SUPPLEMENTAL, primary=False)
        self.sim.configure_marketplace("merchant", ACCOUNT, processing_delay=0.05)
        self.key = self.sim.create_merchant_service_account([ACCOUNT])
        set_settings(self.gmc, service_account_key=json.dumps(self.key))
        self.google = AuthorizedSession(
            service_account.Credentials.from_service_account_info(self.key, scopes=[SCOPE])
        )
        for sku, title in (("WIDGET", "Widget"), ("GADGET", "Gadget")):
            self.insert(PRIMARY, sku, title=title, availability="IN_STOCK")
        self.dispatch()  # what the set-up queued (the sources, the settings)
        self.read_verdicts(self.gmc, wait=0.15)
        self.logs(self.gmc).unlink()

    def insert(self, source, sku, **attributes):
        """An input into a data source of the account, as the merchant's feed sends it."""
        url = f"{self.sim.merchant_url()}/products/v1/accounts/{ACCOUNT}/productInputs:insert"
        body = {"offerId": sku, "contentLanguage": "de", "feedLabel": "DE",
                "productAttributes": attributes}  # fmt: skip
        params = {"dataSource": f"accounts/{ACCOUNT}/dataSources/{source}"}
        self.google.post(url, params=params, json=body, timeout=5).raise_for_status()

    def on_google(self, product_id=WIDGET):
        attributes = self.sim.merchant.product(ACCOUNT, product_id)["productAttributes"]
        return attributes.get("availability"), attributes.get("availabilityDate")

    def publish(self):
        """Push what is queued and read the verdicts once Google processed it."""
        self.dispatch()
        self.read_verdicts(self.gmc, wait=0.15)

    def test_availability_follows_stock_across_zero(self):
        self.set_stock(self.product, 3)
        self.publish()
        self.assertEqual(self.on_google(), ("IN_STOCK", None))
        self.assertEqual(self.logs(self.gmc).mapped("state"), ["done"])
        self.assertEqual(self.quantity_line(self.gmc).published_qty, 3)
        # Google's own attributes stay: the supplemental source carries availability only
        product = self.sim.merchant.product(ACCOUNT, WIDGET)
        self.assertEqual(product["productAttributes"]["title"], "Widget")
        supplemental = self.sim.merchant.product_input(ACCOUNT, WIDGET, SUPPLEMENTAL)
        self.assertEqual(supplemental["productAttributes"], {"availability": "IN_STOCK"})
        self.set_stock(self.product, 0)
        self.publish()
        self.assertEqual(self.on_google(), ("OUT_OF_STOCK", None))
        self.assertEqual(self.quantity_line(self.gmc).published_qty, 0)

    def test_backorder_with_the_day_the_receipt_comes(self):
        self.add_rule(self.gmc, include_incoming_days=10)
        day = date.today() + timedelta(days=5)
        self.receive(self.product, 4, date=fields.Datetime.to_datetime(day) + timedelta(hours=9))
        self.publish()
        self.assertEqual(self.on_google(), ("BACKORDER", f"{day.isoformat()}T00:00:00Z"))
        line = self.quantity_line(self.gmc)
        self.assertEqual((line.published_qty, line.published_available_at), (4, day))
        self.assertEqual(line.published_detail, "now=0;LYON-1=0;NANTES-2=0")

    def test_local_inventory_per_store_and_a_move_between_stores(self):
        self.set_stock(self.product, 3, self.lyon.lot_stock_id)
        self.set_stock(self.product, 1, self.nantes.lot_stock_id)
        self.publish()
        stores = self.sim.merchant.local_inventory(ACCOUNT, WIDGET)
        self.assertEqual(
            {code: row["localInventoryAttributes"] for code, row in stores.items()},
            {"LYON-1": {"availability": "IN_STOCK", "quantity": "3", "pickupMethod": "BUY",
                        "pickupSla": "SAME_DAY"},
             "NANTES-2": {"availability": "IN_STOCK", "quantity": "1",
                          "pickupMethod": "NOT_SUPPORTED"}},
        )  # fmt: skip
        self.assertEqual(self.on_google(), ("IN_STOCK", None))
        # one unit taken from Lyon to Nantes: the total (4) stays, the stores are pushed
        self.logs(self.gmc).unlink()
        self.set_stock(self.product, 2, self.lyon.lot_stock_id)
        self.set_stock(self.product, 2, self.nantes.lot_stock_id)
        self.publish()
        self.assertEqual(len(self.logs(self.gmc)), 1)
        stores = self.sim.merchant.local_inventory(ACCOUNT, WIDGET)
        self.assertEqual(
            [stores[code]["localInventoryAttributes"]["quantity"] for code in sorted(stores)],
            ["2", "2"],
        )
        line = self.quantity_line(self.gmc)
        self.assertEqual(line.published_detail, "now=4;LYON-1=2+pickup;NANTES-2=2")
        # Nantes no longer a store of the channel: its inventory is deleted on Google
        self.gmc.source_ids.filtered(lambda s: s.store_code == "NANTES-2").store_code = False
        self.publish()
        self.assertEqual(set(self.sim.merchant.local_inventory(ACCOUNT, WIDGET)), {"LYON-1"})
        self.assertEqual(self.quantity_line(self.gmc).published_detail, "now=4;LYON-1=2+pickup")

    def test_register_with_google_then_the_connection_works(self):
        key = self.sim.create_merchant_service_account(
            [ACCOUNT], project_id="shop-odoo", registered=False
        )
        set_settings(self.gmc, service_account_key=json.dumps(key))
        # the token of the set-up's key is the channel's until it expires: forgotten
        self.env["stock.channel.token"].search([("channel_id", "=", self.gmc.id)]).unlink()
        self.gmc.action_test_connection()
        self.assertFalse(self.gmc.connection_ok)
        self.assertIn("is not registered with Merchant Center", self.gmc.connection_message)
        reader = new_test_user(
            self.env, "gmc_reader", groups="stock_channel_sync.group_channel_user"
        )
        with self.assertRaises(AccessError):
            self.gmc.with_user(reader).action_merchant_register()
        self.env.user.email = "dev@shop.example"
        action = self.gmc.action_merchant_register()
        self.assertIn("dev@shop.example its developer contact", action["params"]["message"])
        posted = self.gmc.message_ids[:1].body
        self.assertIn(f"{self.env.user.name} registered the Google Cloud project", posted)
        self.assertIn("dev@shop.example its developer contact", posted)
        self.gmc.action_test_connection()
        self.assertTrue(self.gmc.connection_ok, self.gmc.connection_message)

    def test_the_token_is_cached_then_refreshed(self):
        email = self.key["client_email"]
        # the test's own session's, and the channel's: the key set in the set-up
        # republishes, its push took a token
        before = self.sim.merchant.token_requests(email)
        self.set_stock(self.product, 3)
        self.publish()
        self.assertEqual(self.sim.merchant.token_requests(email), before)  # cached
        self.set_stock(self.product, 0)
        self.publish()
        self.assertEqual(self.sim.merchant.token_requests(email), before)  # cached
        self.sim.merchant.expire_tokens(email)  # Google answers 401: a new one, once
        self.set_stock(self.product, 2)
        self.publish()
        self.assertEqual(self.sim.merchant.token_requests(email), before + 1)
        self.assertEqual(self.on_google(), ("IN_STOCK", None))
        self.assertEqual(self.logs(self.gmc).mapped("state"), ["done"] * 3)

    def test_an_item_level_issue_is_an_alert_naming_the_variant(self):
        self.set_stock(self.product, 3)
        self.publish()
        # the landing page still says in stock when Odoo says none are left
        self.sim.merchant.set_crawled_availability(ACCOUNT, WIDGET, "IN_STOCK")
        self.set_stock(self.product, 0)
        self.publish()
        Alert = self.env["stock.channel.alert"]
        domain = [("channel_id", "=", self.gmc.id), ("kind", "=", alerts.ITEM_ISSUE)]
        alert = Alert.search(domain)
        self.assertEqual((alert.product_id, alert.state), (self.product, "open"))
        self.assertEqual(
            alert.detail,
            "DISAPPROVED (SHOPPING_ADS): Mismatched value (page crawl) [availability] "
            "(landing_page_availability_mismatch): Landing page: IN_STOCK; product data: "
            "OUT_OF_STOCK.",
        )
        # back in stock, as the page says: Google reports no issue any more
        self.set_stock(self.product, 2)
        self.publish()
        self.assertEqual(alert.state, "resolved")
        self.assertEqual(Alert.search_count([*domain, ("state", "=", "open")]), 0)

    def test_read_back_finds_an_edit_on_google_and_corrects_it(self):
        self.set_stock(self.product, 3)
        self.publish()
        # someone's own supplemental feed says the widget is out of stock
        self.insert(SUPPLEMENTAL, "WIDGET", availability="OUT_OF_STOCK")
        self.read_verdicts(self.gmc, wait=0.15)  # (Google's processing)
        self.assertEqual(self.on_google(), ("OUT_OF_STOCK", None))
        self.assertEqual(self.read_back(self.gmc, self.product), {self.product.id: 0})
        run = self.gmc._reconcile("manual", self.product)
        drift = self.env["stock.channel.drift"].search([("channel_id", "=", self.gmc.id)])
        self.assertEqual(
            (drift.cause, drift.expected_qty, drift.channel_qty, drift.publishable_qty),
            ("channel_edit", 1, 0, 1),
        )
        self.assertEqual((run.drifted, run.corrections), (1, 1))
        self.publish()
        self.assertEqual(self.on_google(), ("IN_STOCK", None))
        self.assertEqual(drift.state, "corrected")

    # -- read-back of the stores, item issues read back, a new key ------------------------

    def test_read_back_finds_a_store_edited_on_google_and_corrects_it(self):
        self.set_stock(self.product, 3, self.lyon.lot_stock_id)
        self.set_stock(self.product, 1, self.nantes.lot_stock_id)
        self.publish()
        # someone set Lyon's widgets to none in Merchant Center
        url = (f"{self.sim.merchant_url()}/inventories/v1/accounts/{ACCOUNT}/products/"
               f"{WIDGET}/localInventories:insert")  # fmt: skip
        none = {"availability": "OUT_OF_STOCK", "quantity": "0"}
        body = {"storeCode": "LYON-1", "localInventoryAttributes": none}
        self.google.post(url, json=body, timeout=5).raise_for_status()
        run = self.gmc._reconcile("manual", self.product)
        drift = self.env["stock.channel.drift"].search([("channel_id", "=", self.gmc.id)])
        self.assertEqual(
            (drift.sku, drift.product_id, drift.cause, drift.expected_qty, drift.channel_qty,
             drift.publishable_qty),
            ("WIDGET @ LYON-1", self.product, "channel_edit", 3, 0, 3),
        )  # fmt: skip
        self.assertEqual((run.drifted, run.corrections), (1, 1))
        self.publish()
        stores = self.sim.merchant.local_inventory(ACCOUNT, WIDGET)
        self.assertEqual(stores["LYON-1"]["localInventoryAttributes"]["quantity"], "3")
        self.assertEqual(drift.state, "corrected")
        run = self.gmc._reconcile("manual", self.product)
        self.assertEqual((run.drifted, run.in_sync), (0, 3))  # the variant and its 2 stores

    def test_an_issue_google_raises_later_is_an_alert_without_a_push(self):
        self.set_stock(self.product, 3)
        self.publish()
        Alert = self.env["stock.channel.alert"]
        domain = [("channel_id", "=", self.gmc.id), ("kind", "=", alerts.ITEM_ISSUE)]
        self.assertFalse(Alert.search(domain))
        pushes = len(self.logs(self.gmc))
        # Google's review finds the image broken, hours after the push's verdict
        self.sim.merchant.add_issue(
            ACCOUNT, WIDGET, "image_link_broken", attribute="image_link",
            description="Invalid image [image_link]", detail="The image cannot be crawled.",
        )  # fmt: skip
        self.gmc._reconcile("rolling", self.product)
        alert = Alert.search(domain)
        self.assertEqual((alert.product_id, alert.state), (self.product, "open"))
        self.assertEqual(
            alert.detail,
            "DISAPPROVED (SHOPPING_ADS): Invalid image [image_link] (image_link_broken): "
            "The image cannot be crawled.",
        )
        self.assertEqual(len(self.logs(self.gmc)), pushes)  # nothing pushed for it
        self.sim.merchant.clear_issues(ACCOUNT, WIDGET)
        self.gmc._reconcile("rolling", self.product)
        self.assertEqual(alert.state, "resolved")

    def test_a_new_key_pasted_is_given_its_own_token(self):
        self.set_stock(self.product, 3)
        self.publish()
        old = self.key["client_email"]
        before = self.sim.merchant.token_requests(old)
        key = self.sim.create_merchant_service_account([ACCOUNT])
        set_settings(self.gmc, service_account_key=json.dumps(key))
        self.set_stock(self.product, 0)
        self.publish()
        self.assertEqual(self.sim.merchant.token_requests(key["client_email"]), 1)
        self.assertEqual(self.sim.merchant.token_requests(old), before)  # the old one unused
        self.assertEqual(self.on_google(), ("OUT_OF_STOCK", None))
