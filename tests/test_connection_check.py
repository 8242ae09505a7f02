"""Test connection on the channel, against the simulator: every connector's wrong
credential is a sentence and the right one OK, on the button and on save from the form;
the first Import mapping offered after it (nothing pushed before); a failed scheduled poll
of the orders shown on the channel and its card, cleared by the next one."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import OrderCase, SyncCase

RIGHT, WRONG = "right-credential", "wrong-credential"
MANAGER_GROUPS = "stock_channel_sync.group_channel_manager,stock.group_stock_user"
SPEC = {"connection_ok": {}, "connection_message": {}, "connection_status": {}}


@tagged("post_install", "-at_install")
class TestConnectionCheck(OrderCase):
    def setUp(self):
        super().setUp()
        self.sim.configure_shop("demo", token="shop-token")
        self.sim.configure_woocommerce("woo", consumer_key="ck_ok", consumer_secret="cs_ok")
        self.sim.configure_marketplace("bol", "retailer", client_id=RIGHT, client_secret=RIGHT)
        self.sim.configure_marketplace("mirakl", "shop", api_key=RIGHT)
        self.sim.configure_marketplace(
            "amazon", "seller", client_id=RIGHT, client_secret=RIGHT, refresh_token=RIGHT
        )

    def _channels(self):
        """{connector: (channel, the credential field, its wrong and right value, the
        sentence of the wrong one)} on the simulator."""
        url = self.sim.marketplace_url
        bol = self.marketplace_channel(
            "bol-t", "bol", {"token_url": url("bol", "retailer") + "/token"},
            endpoint_url=url("bol", "retailer"), api_key=RIGHT, api_secret=RIGHT,
        )  # fmt: skip
        mirakl = self.marketplace_channel("mirakl-t", "mirakl", endpoint_url=url("mirakl", "shop"))
        amazon = self.marketplace_channel(
            "amazon-t", "amazon",
            {"token_url": url("amazon", "seller") + "/auth/o2/token", "seller_id": "A3SIMULATOR",
             "marketplace_id": "A1PA6795UKMFR9", "refresh_token": RIGHT},
            endpoint_url=url("amazon", "seller"), api_key=RIGHT, api_secret=RIGHT,
        )  # fmt: skip
        woo = self.marketplace_channel(
            "woo-t", "woocommerce", endpoint_url=self.sim.woocommerce_url("woo"), api_key="ck_ok"
        )
        return {
            "generic_json": (self.market, "api_secret", self.secret, "the signature is refused"),
            "shopify": (self.shop, "api_key", "shop-token", "the token is refused"),
            "woocommerce": (woo, "api_secret", "cs_ok", "the keys are refused"),
            "bol": (bol, "api_secret", RIGHT, "the client id and secret are refused"),
            "mirakl": (mirakl, "api_key", RIGHT, "the API key is refused"),
            "amazon": (amazon, "api_secret", RIGHT, "Login with Amazon refuses the client id"),
        }

    def test_every_connector_says_what_a_wrong_credential_is_and_ok_for_the_right_one(self):
        for connector, (channel, field, right, sentence) in self._channels().items():
            with self.subTest(connector=connector):
                channel.write({field: WRONG})
                channel.action_test_connection()
                self.assertFalse(channel.connection_ok)
                self.assertIn(sentence, channel.connection_message)
                self.assertNotIn("401", channel.connection_message)
                self.assertTrue(channel.connection_status.startswith("failed at "))
                channel.write({field: right})
                self.assertFalse(channel.connection_tested_at, "an old answer is not shown")
                channel.action_test_connection()
                self.assertTrue(channel.connection_ok, channel.connection_message)
                self.assertTrue(channel.connection_status.startswith("OK, tested at "))

    def test_saving_the_credentials_from_the_form_tests_them_without_blocking_the_save(self):
        [answer] = self.shop.web_save({"api_key": WRONG}, SPEC)
        self.assertEqual(self.shop.api_key, WRONG, "saved all the same")
        self.assertFalse(answer["connection_ok"])
        self.assertIn("Shopify: the token is refused: create an Admin API access token",
                      answer["connection_message"])  # fmt: skip
        self.assertIn("write_inventory", answer["connection_message"])
        [answer] = self.shop.web_save({"api_key": "shop-token"}, SPEC)
        self.assertTrue(answer["connection_ok"])
        self.assertEqual(answer["connection_message"], "Shopify: connected (shop demo).")
        tested_at = self.shop.connection_tested_at
        self.shop.web_save({"name": "Shopify EU"}, SPEC)
        self.assertEqual(self.shop.connection_tested_at, tested_at, "not the connection")

    def test_a_channel_created_from_the_form_is_tested(self):
        [answer] = self.env["stock.channel"].web_save(
            {"name": "Mirakl", "code": "mirakl-new", "channel_type": "marketplace",
             "warehouse_id": self.warehouse.id, "connector": "mirakl", "api_key": RIGHT,
             "endpoint_url": self.sim.marketplace_url("mirakl", "shop")},
            {**SPEC, "mapping_offered": {}},
        )  # fmt: skip
        self.assertTrue(answer["connection_ok"], answer["connection_message"])
        self.assertTrue(answer["mapping_offered"], "the first Import mapping is offered")

    def test_import_mapping_is_offered_after_the_test_and_nothing_is_pushed_before_it(self):
        mirakl = self.marketplace_channel(
            "mirakl-t", "mirakl", endpoint_url=self.sim.marketplace_url("mirakl", "shop"),
            api_key=RIGHT,
        )  # fmt: skip
        self.sim.mirakl.add_offer("shop", "WIDGET")
        self.assertFalse(mirakl.mapping_offered, "not before a successful test")
        mirakl.action_test_connection()
        self.assertTrue(mirakl.mapping_offered)
        self.set_stock(self.product, 5)
        self.flush_outbox()
        self.assertFalse(self.outbox(mirakl), "nothing is pushed before the mapping")
        with self.assertRaisesRegex(UserError, "Import mapping first"):
            mirakl.action_republish()
        mirakl.action_import_mapping()
        self.run_jobs()
        self.assertTrue(mirakl.mapping_imported_at)
        self.assertFalse(mirakl.mapping_offered)
        self.assertEqual(self.outbox(mirakl).product_id, self.product, "pushed once bound")

    def test_only_a_channel_manager_tests_the_connection(self):
        user = new_test_user(
            self.env, login="channel_user", groups="stock_channel_sync.group_channel_user"
        )
        with self.assertRaises(AccessError):
            self.shop.with_user(user).action_test_connection()

    def test_a_failed_poll_shows_on_the_channel_and_its_card_until_the_next_succeeds(self):
        self.sim.configure_shop("demo", token="another-token")
        self.shop._poll_orders()
        self.assertIn("Shopify: the token is refused", self.shop.order_poll_error)
        self.assertTrue(self.shop.order_poll_failed_at)
        self.shop.invalidate_recordset(["overview_health", "overview_reason"])
        self.assertEqual(self.shop.overview_health, "red")
        self.assertIn("Last poll failed: Shopify: the token is refused", self.shop.overview_reason)
        self.sim.configure_shop("demo", token="shop-token")
        self.shop._poll_orders()
        self.assertFalse(self.shop.order_poll_error)
        self.assertFalse(self.shop.order_poll_failed_at)
        self.shop.invalidate_recordset(["overview_reason"])
        self.assertNotIn("Last poll failed", self.shop.overview_reason)

    def test_the_webhook_url_and_secret_to_paste_for_the_platforms_that_push(self):
        base = self.shop.get_base_url()
        self.assertEqual(self.market.webhook_url, f"{base}/stock_channel_sync/market/orders")
        self.assertEqual(self.market.webhook_secret_shown, self.secret)
        self.assertEqual(self.shop.webhook_url, f"{base}/stock_channel_sync/shopify/orders")
        self.assertFalse(self.shop.webhook_secret_shown, "the app's own secret key signs them")
        channels = self._channels()
        self.assertEqual(channels["bol"][0].webhook_url, f"{base}/stock_channel_sync/bol-t/events")
        self.assertFalse(channels["mirakl"][0].webhook_url, "Mirakl is polled")
        self.assertFalse(channels["amazon"][0].webhook_url, "Amazon is polled")


@tagged("post_install", "-at_install")
class TestConnectionTour(SyncCase, HttpCase):
    """In Chromium, on the Shopify channel's form (the simulator's shop): a wrong token,
    Test connection shows the refusal in words; the right one, OK."""

    def test_test_connection_with_a_wrong_then_the_right_token(self):
        manager = new_test_user(
            self.env, "conn_manager", password="conn_manager", groups=MANAGER_GROUPS
        )
        self.start_tour(
            f"/odoo/action-stock_channel_sync.action_stock_channel/{self.shop.id}",
            "stock_channel_sync_test_connection",
            login=manager.login,
        )
        self.assertEqual(self.shop.api_key, "shop-token")
        self.assertTrue(self.shop.connection_ok)
        self.assertEqual(self.shop.connection_message, "Shopify: connected (shop demo).")
