"""The settings each connector declares, stored per channel: rows made for the chosen
connector, label and help from the declaration, typed values in its ChannelConfig, a
secret readable by the channel managers only, required ones checked at activation; a
connector registered in a test alone is a channel's connector, pushes, and receives its
setting; an upgrade moves the old marketplace fields into the settings."""

import os
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.module import load_script
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.sql import column_exists

from ..core.connectors import Setting, register, unregister
from ..core.connectors.generic_json import GenericJsonConnector
from .common import SyncCase, set_settings

MIGRATION = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), "migrations", "19.0.1.1.0", "post-migrate.py"
)
HEADER_SHOP_REF = "X-Shop-Ref"


class ExampleConnector(GenericJsonConnector):
    """A seventh marketplace, declared here only: the generic JSON wire, plus the shop
    reference its one setting holds, sent with every push."""

    settings = (
        Setting("shop_ref", "Shop Reference", help="Which shop of the account.", required=True),
    )

    def push(self, items):
        self.session.headers[HEADER_SHOP_REF] = self.setting("shop_ref")
        return super().push(items)


@tagged("post_install", "-at_install")
class TestChannelSettings(SyncCase):
    def amazon(self, **vals):
        return self.env["stock.channel"].create(
            {"name": "Amazon DE", "code": "amz-de", "warehouse_id": self.warehouse.id,
             "connector": "amazon", "endpoint_url": "https://sellingpartnerapi-eu.amazon.com",
             **vals}
        )  # fmt: skip

    def test_the_rows_of_the_connector_are_made_with_label_help_and_defaults(self):
        amazon = self.amazon()
        rows = {row.name: row for row in amazon.setting_ids}
        self.assertEqual(
            list(rows),
            ["seller_id", "marketplace_id", "refresh_token", "token_url", "product_type",
             "feed_threshold", "confirm_timeout_minutes"],
        )  # fmt: skip
        self.assertEqual(rows["seller_id"].label, "Seller Id")
        self.assertTrue(rows["seller_id"].required)
        self.assertIn("merchant token", rows["seller_id"].help)
        self.assertTrue(rows["refresh_token"].secret)
        self.assertEqual(
            (rows["product_type"].value, rows["feed_threshold"].value), ("PRODUCT", "50")
        )
        values = amazon._connector_config().settings
        self.assertEqual((values["feed_threshold"], values["confirm_timeout_minutes"]), (50, None))
        self.assertEqual(amazon._confirm_timeout_minutes(), 60, "empty: Amazon's default")
        set_settings(amazon, confirm_timeout_minutes=5, feed_threshold=0)
        self.assertEqual(amazon._confirm_timeout_minutes(), 5)
        self.assertEqual(amazon._connector_config().settings["feed_threshold"], 0)
        # another connector: its own rows, the others gone
        amazon.connector = "mirakl"
        amazon.invalidate_recordset(["setting_ids"])  # read in their new order
        self.assertEqual(
            amazon.setting_ids.mapped("name"),
            ["seller_id", "location_id", "confirm_timeout_minutes", "refund_reason_code"],
        )
        self.assertEqual(amazon.setting_ids[0].label, "Shop Id")
        amazon.connector = "generic_json"
        self.assertFalse(amazon.setting_ids)

    def test_the_form_shows_the_settings_of_the_connector_chosen(self):
        channel = self.env["stock.channel"].new({"name": "New", "code": "new"})
        channel.connector = "shopify"
        channel._onchange_connector_settings()
        self.assertEqual(
            channel.setting_ids.mapped("label"),
            ["API Version", "Default External Location", "Refund Returns"],
        )
        self.assertEqual(channel.setting_ids[0].value, "2026-10")

    def test_the_form_lists_the_settings_of_the_connector_chosen_and_saves_them(self):
        form = Form(self.env["stock.channel"])
        form.name, form.code = "Amazon FR", "amz-fr"
        form.connector = "amazon"
        # the simulator's: the save tests the connection (Test connection)
        form.endpoint_url = self.sim.marketplace_url("amazon", "seller")
        self.assertEqual(len(form.setting_ids), 7)
        token_url = form.endpoint_url + "/auth/o2/token"
        for index, value in ((0, "A2FORM"), (1, "A13V1IB3VIYZZH"), (3, token_url)):
            with form.setting_ids.edit(index) as row:
                row.value = value
        with form.setting_ids.edit(2) as row:
            row.secret_value = "Atzr|form"
        channel = form.save()
        values = channel._setting_values()
        self.assertEqual(
            (values["seller_id"], values["marketplace_id"], values["refresh_token"]),
            ("A2FORM", "A13V1IB3VIYZZH", "Atzr|form"),
        )
        self.assertEqual(values["product_type"], "PRODUCT")
        self.assertIn("Login with Amazon refuses the client id", channel.connection_message)

    def test_values_are_typed_and_checked(self):
        amazon = self.amazon()
        with self.assertRaisesRegex(ValidationError, "Feed Above .SKUs.: 'many' is not a whole"):
            set_settings(amazon, feed_threshold="many")
        with self.assertRaisesRegex(ValidationError, "http://login.example.com/token would"):
            set_settings(amazon, token_url="http://login.example.com/token")
        with self.assertRaisesRegex(UserError, "no setting 'nope'"):
            set_settings(amazon, nope="x")
        woo = self.env["stock.channel"].create(
            {"name": "Woo", "code": "woo-s", "warehouse_id": self.warehouse.id,
             "connector": "woocommerce", "endpoint_url": "https://shop.example.com"}
        )  # fmt: skip
        [switch] = woo.setting_ids.filtered(lambda row: row.name == "tracking_extension")
        switch.value_bool = True
        self.assertEqual(switch.value, "1")
        self.assertIs(woo._setting_value("tracking_extension"), True)

    def test_a_secret_is_readable_by_the_channel_managers_only(self):
        amazon = self.amazon()
        set_settings(amazon, refresh_token="Atzr|secret", seller_id="A2")
        [row] = amazon.setting_ids.filtered(lambda row: row.name == "refresh_token")
        self.assertEqual((row.secret_value, row.value), ("Atzr|secret", False))
        user = new_test_user(
            self.env, login="settings_user", groups="stock_channel_sync.group_channel_user"
        )
        self.assertEqual(row.with_user(user).read(["label"])[0]["label"], "Refresh Token")
        with self.assertRaises(AccessError):
            row.with_user(user).read(["secret_value"])
        with self.assertRaises(AccessError):
            row.with_user(user).write({"value": "x"})
        self.assertEqual(amazon._connector_config().settings["refresh_token"], "Atzr|secret")

    def test_a_channel_without_its_required_settings_is_not_activated(self):
        amazon = self.amazon(active=False)
        with self.assertRaisesRegex(UserError, "Amazon: the channel needs its Seller Id"):
            amazon.active = True
        set_settings(amazon, seller_id="A2", marketplace_id="DE", refresh_token="Atzr|x")
        amazon.active = True
        self.assertTrue(amazon.active)

    def test_a_setting_that_moves_what_is_published_queues_a_republish(self):
        Outbox = self.env.registry["stock.channel.outbox"]
        with patch.object(Outbox, "_enqueue", autospec=True) as enqueue:
            set_settings(self.shop, refund_returns=True)
            enqueue.assert_not_called()  # not a setting of the stock
            set_settings(self.shop, location_id="78")
        enqueue.assert_called_once()
        self.assertEqual(enqueue.call_args.kwargs["warehouses"], self.shop.warehouse_id)

    def test_a_connector_registered_in_a_test_is_a_channel_connector(self):
        register("example", "Example")(ExampleConnector)
        self.addCleanup(unregister, "example")
        self.assertIn(("example", "Example"), self.env["stock.channel"]._connector_selection())
        self.sim.configure_channel("example", secret=self.secret)
        channel = self.env["stock.channel"].create(
            {"name": "Example", "code": "example", "warehouse_id": self.warehouse.id,
             "connector": "example", "endpoint_url": self.sim.generic_url("example"),
             "api_secret": self.secret, "retry_base_seconds": 0.01, "retry_cap_seconds": 0.05}
        )  # fmt: skip
        [row] = channel.setting_ids
        self.assertEqual(
            (row.name, row.label, row.help),
            ("shop_ref", "Shop Reference", "Which shop of the account."),
        )
        self.assertTrue(row.required)
        row.value = "shop-7"
        self.assertEqual(channel._connector_config().settings, {"shop_ref": "shop-7"})
        self.set_stock(self.product, 6)
        self.dispatch(until_empty=True)
        self.assertEqual(self.sim.generic_level("example", self.product.default_code), 6)
        [push] = [r for r in self.sim.received("/generic/example") if r["method"] == "POST"]
        self.assertEqual(push["headers"].get(HEADER_SHOP_REF), "shop-7")


@tagged("post_install", "-at_install")
class TestSettingsMigration(SyncCase):
    """The upgrade to 19.0.1.1.0 on a database whose channels hold the old columns."""

    OLD_COLUMNS = {
        "seller_id": "varchar", "marketplace_code": "varchar", "refresh_token": "varchar",
        "token_url": "varchar", "feed_threshold": "int4", "confirm_timeout_minutes": "int4",
        "amazon_product_type": "varchar", "external_location_id": "varchar",
        "refund_returns": "bool", "api_version": "varchar", "webhook_secret": "varchar",
        "tracking_extension": "bool",
    }  # fmt: skip

    def test_an_upgrade_moves_the_old_fields_into_the_settings_then_drops_them(self):
        cr = self.env.cr
        amazon = self.env["stock.channel"].create(
            {"name": "Amazon", "code": "amz-old", "warehouse_id": self.warehouse.id,
             "connector": "amazon", "endpoint_url": "https://sellingpartnerapi-eu.amazon.com"}
        )  # fmt: skip
        channels = amazon | self.shop | self.market
        channels.setting_ids.unlink()  # the rows did not exist before the upgrade
        self.env.flush_all()
        for column, kind in self.OLD_COLUMNS.items():
            cr.execute(f"ALTER TABLE stock_channel ADD COLUMN {column} {kind}")
        cr.execute(
            "UPDATE stock_channel SET seller_id = 'A2OLD', marketplace_code = 'A1PA6795UKMFR9', "
            "refresh_token = 'Atzr|old', feed_threshold = 3, confirm_timeout_minutes = 0, "
            "amazon_product_type = 'LUGGAGE', token_url = 'https://login.example.com/o2' "
            "WHERE id = %s",
            [amazon.id],
        )
        cr.execute(
            "UPDATE stock_channel SET external_location_id = '77', refund_returns = true, "
            "api_version = '2026-07', seller_id = 'stray', feed_threshold = 50 WHERE id = %s",
            [self.shop.id],
        )
        cr.execute("UPDATE stock_channel SET seller_id = 'x' WHERE id = %s", [self.market.id])
        migration = load_script(MIGRATION, "stock_channel_sync_post_migrate_19_0_1_1_0")
        moved = migration.move_channel_settings(self.env)
        self.assertEqual(
            amazon._setting_values(),
            {"seller_id": "A2OLD", "marketplace_id": "A1PA6795UKMFR9",
             "refresh_token": "Atzr|old", "token_url": "https://login.example.com/o2",
             "product_type": "LUGGAGE", "feed_threshold": 3, "confirm_timeout_minutes": None},
        )  # fmt: skip
        [secret] = amazon.setting_ids.filtered(lambda row: row.name == "refresh_token")
        self.assertEqual((secret.secret_value, secret.value), ("Atzr|old", False))
        self.assertEqual(
            self.shop._setting_values(),
            {"api_version": "2026-07", "location_id": "77", "refund_returns": True},
        )
        self.assertNotIn("seller_id", moved[self.shop.id], "Shopify had no seller id")
        self.assertFalse(self.market.setting_ids, "generic JSON declares no settings")
        for column in self.OLD_COLUMNS:
            self.assertFalse(column_exists(cr, "stock_channel", column), column)
        self.assertEqual(migration.move_channel_settings(self.env), {}, "once only")
