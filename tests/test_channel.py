from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ChannelStockCase


@tagged("post_install", "-at_install")
class TestChannel(ChannelStockCase):
    def test_code_is_unique_per_company(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["stock.channel"].create(
                {"name": "Web 2", "code": "web", "warehouse_id": self.warehouse.id}
            )
        other = self.env["res.company"].create({"name": "Other Co"})
        other_wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        channel = (
            self.env["stock.channel"]
            .with_company(other)
            .create(
                {"name": "Web", "code": "web", "company_id": other.id, "warehouse_id": other_wh.id}
            )
        )
        self.assertEqual(channel.code, "web")

    def test_code_is_url_safe(self):
        with self.assertRaisesRegex(ValidationError, "only contain letters"):
            self.env["stock.channel"].create(
                {"name": "Bad", "code": "bad code/1", "warehouse_id": self.warehouse.id}
            )

    def test_channel_links_to_website_and_pos(self):
        website = self.env["website"].search([], limit=1)
        self.web.website_id = website
        pos_config = self.env["pos.config"].create({"name": "Test POS"})
        self.pos.pos_config_id = pos_config
        self.assertEqual(self.web.website_id, website)
        self.assertEqual(self.pos.pos_config_id.name, "Test POS")
        self.assertEqual(self.web.display_name, "Web (web)")

    def test_archived_channels_publish_nothing_and_hold_no_fence(self):
        self.set_stock(self.product, 10)
        self.add_rule(self.pos, ring_fenced_qty=4)
        self.assertEqual(self.publishable(self.web), 6)
        self.pos.action_archive()
        self.assertEqual(self.publishable(self.web), 10)

    def test_the_cached_lookups_see_the_next_change_of_a_channel(self):
        """The channels of a code and of a warehouse are kept in Odoo's cache: a channel
        created, recoded, moved, archived or deleted is seen by the next lookup."""
        Channel = self.env["stock.channel"]
        self.assertEqual(Channel._receiving("web"), self.web)
        self.assertFalse(Channel._receiving("web2"))
        self.assertEqual(self.web._siblings(), self.channels)
        other = self.env["stock.warehouse"].create({"name": "Other", "code": "OTH"})
        web2 = Channel.create(
            {"name": "Web 2", "code": "web2", "channel_type": "website",
             "warehouse_id": self.warehouse.id}
        )  # fmt: skip
        self.assertEqual(Channel._receiving("web2"), web2, "created")
        self.assertEqual(self.web._siblings(), self.channels | web2)
        web2.code = "web3"
        self.assertFalse(Channel._receiving("web2"), "recoded")
        self.assertEqual(Channel._receiving("web3"), web2)
        web2.warehouse_id = other
        self.assertEqual(self.web._siblings(), self.channels, "moved")
        self.assertEqual(web2._siblings(), web2)
        self.pos.action_archive()
        self.assertEqual(self.web._siblings(), self.web | self.market, "archived")
        self.assertFalse(Channel._receiving("store"))
        self.set_stock(self.product, 10)
        self.add_rule(self.market, ring_fenced_qty=4)
        self.assertEqual(self.web._orderable(self.product)[self.product.id], 6)
        self.market.action_archive()
        self.assertEqual(self.web._orderable(self.product)[self.product.id], 10, "its fence")
        web2.unlink()
        self.assertFalse(Channel._receiving("web3"), "deleted")

    def test_the_channels_drawing_from_a_warehouse_kept_in_cache_follow_their_changes(self):
        """The channels a stock change republishes (those drawing from its warehouse)
        are kept in Odoo's cache: a source or channel created, moved, archived or
        deleted, or a connector changed, is seen by the next lookup."""
        Channel = self.env["stock.channel"]
        Warehouse = self.env["stock.warehouse"]
        other = Warehouse.create({"name": "Other", "code": "OTH"})
        third = Warehouse.create({"name": "Third", "code": "THI"})

        def drawing(warehouse, connected=None):
            return dict(Channel._drawing_from([warehouse.id], connected))

        self.assertEqual(set(drawing(self.warehouse)), set(self.channels))
        self.assertFalse(drawing(self.warehouse, True), "none has a connector")
        self.market.write({"connector": "generic_json", "endpoint_url": "http://127.0.0.1:9/m"})
        self.assertEqual(drawing(self.warehouse, True), {self.market: [self.warehouse.id]})
        self.assertFalse(drawing(other))
        source = self.env["stock.channel.source"].create(
            {"channel_id": self.web.id, "warehouse_id": other.id}
        )
        self.assertEqual(drawing(other), {self.web: [other.id]}, "a source created")
        source.warehouse_id = third
        self.assertFalse(drawing(other), "a source moved")
        self.assertEqual(drawing(third), {self.web: [third.id]})
        source.unlink()
        self.assertFalse(drawing(third), "a source deleted")
        self.market.warehouse_id = other
        self.assertEqual(drawing(other, True), {self.market: [other.id]}, "a channel moved")
        self.market.connector = False
        self.assertFalse(drawing(other, True), "its connector removed")
        self.assertEqual(drawing(other, False), {self.market: [other.id]})
        self.pos.action_archive()
        self.assertNotIn(self.pos, drawing(self.warehouse), "archived")
        web2 = Channel.create(
            {"name": "Web 2", "code": "web2", "channel_type": "website",
             "warehouse_id": third.id}
        )  # fmt: skip
        self.assertEqual(drawing(third), {web2: [third.id]}, "created")
        web2.unlink()
        self.assertFalse(drawing(third), "deleted")

    def test_connector_needs_an_http_endpoint(self):
        with self.assertRaisesRegex(ValidationError, "must start with http"):
            self.web.write({"connector": "generic_json", "endpoint_url": "ftp://example"})
        with self.assertRaisesRegex(ValidationError, "must start with http"):
            self.web.write({"connector": "generic_json", "endpoint_url": False})
