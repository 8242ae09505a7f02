"""Sources and promise against real Odoo: which warehouses feed a channel, and why."""

from datetime import UTC, datetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SyncCase


def promise_fixtures(cls):
    """Paris warehouse and Lyon store, the Benelux and Rhône zones, transit to Benelux
    (Paris 0 days, Lyon 2): shared with test_sourcing."""
    cls.warehouse.name = "Paris warehouse"
    lyon_address = cls.env["res.partner"].create(
        {"name": "Lyon store", "country_id": cls.env.ref("base.fr").id, "zip": "69002",
         "tz": "Europe/Paris"}
    )  # fmt: skip
    cls.lyon = cls.env["stock.warehouse"].create(
        {"name": "Lyon store", "code": "LYS", "partner_id": lyon_address.id}
    )
    cls.warehouse.partner_id.write(
        {"country_id": cls.env.ref("base.fr").id, "zip": "75011", "tz": "Europe/Paris"}
    )
    cls.benelux = cls.env["stock.channel.zone"].create(
        {
            "name": "Benelux",
            "country_ids": [Command.set([cls.env.ref(f"base.{c}").id for c in ("be", "nl", "lu")])],
        }
    )
    cls.rhone = cls.env["stock.channel.zone"].create(
        {"name": "Rhône", "country_ids": [Command.set(cls.env.ref("base.fr").ids)],
         "zip_prefixes": "69"}
    )  # fmt: skip
    Transit = cls.env["stock.channel.transit"]
    Transit.create({"warehouse_id": cls.warehouse.id, "zone_id": cls.benelux.id})
    Transit.create({"warehouse_id": cls.lyon.id, "zone_id": cls.benelux.id, "transit_days": 2})


@tagged("post_install", "-at_install")
class TestPromise(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        promise_fixtures(cls)

    def source(self, channel, warehouse, **vals):
        return self.env["stock.channel.source"].create(
            {"channel_id": channel.id, "warehouse_id": warehouse.id, "handling_days": 1, **vals}
        )

    def promise(self, channel, days, *warehouses):
        channel.write({"promise_days": days, "market_zone_id": self.benelux.id})
        for sequence, warehouse in enumerate(warehouses):
            self.source(channel, warehouse, sequence=sequence)

    def result(self, channel, product=None, now=None):
        product = product or self.product
        return channel._compute_publishable(product, now=now)[channel.id, product.id]

    def stock_at_both(self, paris, lyon):
        self.set_stock(self.product, paris)
        self.set_stock(self.product, lyon, self.lyon.lot_stock_id)

    def test_far_warehouse_fails_the_promise_but_feeds_a_longer_promise(self):
        self.stock_at_both(5, 7)
        self.promise(self.market, 2, self.warehouse, self.lyon)
        self.promise(self.web, 3, self.warehouse, self.lyon)
        self.assertEqual(self.publishable(self.market), 5, "Lyon: 1 + 2 days > promise 2")
        self.assertEqual(self.publishable(self.web), 12, "both keep a 3-day promise")
        self.assertEqual(self.publishable(self.pos), 5, "no sources: its warehouse alone")
        texts = [step["text"] for step in self.result(self.market).steps]
        self.assertEqual(
            texts,
            ["Paris warehouse (2 days): + 5", "Lyon store: 3 days > promise 2", "publishable 5"],
        )

    def test_scenario_6_a_48h_promise_is_never_fed_from_4_days_away(self):
        """A channel promising 48 h is never fed from a warehouse 4 days away, and the
        explain says why."""
        self.env["stock.channel.transit"].search([("warehouse_id", "=", self.lyon.id)]).write(
            {"transit_days": 3}
        )
        self.stock_at_both(0, 40)
        self.promise(self.market, 2, self.warehouse, self.lyon)
        self.assertEqual(self.publishable(self.market), 0, "stock, but in the wrong place")
        explain = self.product._channel_explain(self.market)
        reasons = [s["text"] for s in explain["steps"] if s["step"] == "source_left_out"]
        self.assertEqual(reasons, ["Lyon store: 4 days > promise 2"])
        self.assertIn("Source left out", [s["label"] for s in explain["steps"]])
        html = str(self.product.channel_explanation_html)
        self.assertIn("Lyon store: 4 days &gt; promise 2", html)

    def test_store_fallback_kicks_in_under_the_threshold_only(self):
        self.market.write({"promise_days": 3, "market_zone_id": self.benelux.id})
        self.source(self.market, self.warehouse, sequence=1)
        self.source(self.market, self.lyon, sequence=2, fallback=True, fallback_threshold=3)
        self.stock_at_both(2, 7)
        self.assertEqual(self.publishable(self.market), 9, "the warehouse runs low: store in")
        self.set_stock(self.product, 3)
        self.assertEqual(self.publishable(self.market), 3, "3 >= threshold 3: store not needed")
        self.assertIn("not needed", self.result(self.market).sources[1].reason)

    def test_safety_stock_held_at_a_source(self):
        self.stock_at_both(5, 7)
        self.promise(self.market, 3, self.warehouse)
        self.source(self.market, self.lyon, sequence=5, safety_stock=2)
        self.assertEqual(self.publishable(self.market), 10)
        texts = [step["text"] for step in self.result(self.market).steps]
        self.assertIn("safety stock at Lyon store 2: 7 \u2192 5", texts)

    def test_rules_by_region_and_by_source(self):
        self.stock_at_both(5, 7)
        self.promise(self.market, 3, self.warehouse, self.lyon)
        self.add_rule(self.market, safety_buffer=1)
        self.add_rule(self.market, scope="category", categ_id=self.category,
                      zone_id=self.rhone.id, safety_buffer=3)  # fmt: skip
        self.assertEqual(self.publishable(self.market), 4 + 4, "Lyon lies in Rhône: 7 - 3")
        self.add_rule(self.market, source_warehouse_id=self.lyon.id, safety_buffer=5)
        self.assertEqual(self.publishable(self.market), 4 + 2, "the source's rule wins")
        version = self.policy.version_ids[:1]
        self.assertIn(self.lyon.id, [v.get("source_warehouse_id") for v in version.snapshot])

    def test_the_cutoff_moves_a_source_out(self):
        self.stock_at_both(5, 7)
        self.promise(self.market, 3, self.warehouse, self.lyon)
        self.market.source_ids.filtered(lambda s: s.warehouse_id == self.lyon).cutoff_hour = 14
        morning = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Lyon (summer time)
        afternoon = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)  # 14:30 in Lyon
        self.assertEqual(self.result(self.market, now=morning).publishable, 12)
        late = self.result(self.market, now=afternoon)
        self.assertEqual(late.publishable, 5)
        self.assertIn("Lyon store: 4 days > promise 3", [s["text"] for s in late.steps])

    def test_a_stock_change_at_a_source_republishes_the_channel(self):
        self.promise(self.market, 3, self.warehouse, self.lyon)
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([]).unlink()
        self.set_stock(self.product, 4, self.lyon.lot_stock_id)
        self.assertIn(self.product, self.outbox(self.market).product_id)

    def test_a_change_of_sources_republishes_the_channel(self):
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([]).unlink()
        self.source(self.market, self.lyon)
        self.assertTrue(self.outbox(self.market))
        self.env["stock.channel.outbox"].search([]).unlink()
        self.env["stock.channel.transit"].search([("warehouse_id", "=", self.lyon.id)]).write(
            {"transit_days": 1}
        )
        self.assertTrue(self.outbox(self.market), "a transit time of a source changed")

    def test_deleting_a_zone_republishes_its_channels(self):
        self.promise(self.market, 3, self.warehouse, self.lyon)
        self.source(self.shop, self.lyon, zone_ids=[Command.set(self.rhone.ids)])
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([]).unlink()
        (self.benelux | self.rhone).unlink()
        self.assertTrue(self.outbox(self.market), "the market zone of the channel deleted")
        self.assertTrue(self.outbox(self.shop), "a zone its source ships to deleted")

    def test_a_user_of_another_company_cannot_see_the_sources_or_zones(self):
        source = self.source(self.market, self.lyon)
        _company_b, manager_b = self.second_company()
        for record, values in ((source, {"sequence": 1}), (self.benelux, {"name": "B"})):
            with self.assertRaises(AccessError):
                record.with_user(manager_b).read(["display_name"])
            with self.assertRaises(AccessError):
                record.with_user(manager_b).write(values)

    def test_a_non_manager_cannot_write_sources(self):
        source = self.source(self.market, self.lyon)
        user = new_test_user(
            self.env,
            "channel_reader_src",
            groups="stock_channel_sync.group_channel_user,stock.group_stock_user",
        )
        self.assertEqual(source.with_user(user).handling_days, 1, "users read")
        with self.assertRaises(AccessError):
            source.with_user(user).write({"handling_days": 0})
        with self.assertRaises(AccessError):
            self.env["stock.channel.source"].with_user(user).create(
                {"channel_id": self.web.id, "warehouse_id": self.lyon.id}
            )

    def test_the_hourly_refresh_pushes_a_channel_whose_sources_moved(self):
        """A source leaving without any stock change (its cut-off passing) is pushed by
        the periodic refresh."""
        self.promise(self.market, 3, self.warehouse, self.lyon)
        self.set_stock(self.product, 4, self.lyon.lot_stock_id)
        self.market._refresh_quantities(self.product)
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([]).unlink()
        self.env.cr.execute(  # no event sees it, as no event sees the hour pass
            "UPDATE stock_channel_source SET handling_days = 5 WHERE warehouse_id = %s",
            [self.lyon.id],
        )
        self.env.invalidate_all()
        self.env["stock.channel"]._cron_refresh_quantities()
        line = self.env["stock.channel.quantity"].search(
            [("channel_id", "=", self.market.id), ("product_id", "=", self.product.id)]
        )
        self.assertEqual(line.publishable_qty, 0)
        self.assertIn(self.product, self.outbox(self.market).product_id)


@tagged("post_install", "-at_install")
class TestRulesAtTheChannelsOwnWarehouse(SyncCase):
    """What the webshop and the orders may take follows the rules scoped to the channel's
    own warehouse (a channel without sources draws from it)."""

    def test_the_shop_limit_takes_the_backorder_of_a_rule_at_its_warehouse(self):
        self.web.allow_backorder = True
        self.add_rule(self.web, backorder_qty=5, source_warehouse_id=self.warehouse.id)
        self.set_stock(self.product, 2)
        self.assertEqual(self.web._shop_limits(self.product), {self.product.id: 7})
        self.assertIn("up to 5 on backorder", self.web._shop_rule_text(self.product))

    def test_orderable_keeps_out_a_fence_of_another_channel_at_the_warehouse(self):
        self.add_rule(self.pos, ring_fenced_qty=3, source_warehouse_id=self.warehouse.id)
        self.set_stock(self.product, 10)
        self.assertEqual(self.web._orderable(self.product), {self.product.id: 7})
