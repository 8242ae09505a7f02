"""The Products x Channels grid: the state of each cell (core.grid's precedence), the
filters, group by category, company isolation, the queries of a page flat with the
number of variants, and the bulk actions reserved to the channel managers."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..core import grid
from .common import ChannelStockCase, set_settings

MANAGER_GROUPS = "stock_channel_sync.group_channel_manager,stock.group_stock_user"
USER_GROUPS = "stock_channel_sync.group_channel_user,stock.group_stock_user"
EVERYTHING = 100_000  # a page holding every variant of the database


class GridCase(ChannelStockCase):
    """The market (generic_json: the SKU is its address) and a Shopify shop (it needs the
    inventory item id of a binding) connected, never contacted (nothing is dispatched);
    the web shop and the point of sale read live."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.market.write({"connector": "generic_json", "endpoint_url": "http://127.0.0.1:9/x"})
        cls.shop = cls.env["stock.channel"].create(
            {
                "name": "Shopify",
                "code": "shopify",
                "channel_type": "shop",
                "warehouse_id": cls.warehouse.id,
                "connector": "shopify",
                "endpoint_url": "http://127.0.0.1:9/shop",
                "api_key": "token",
            }
        )
        set_settings(cls.shop, location_id="77")
        cls.channels |= cls.shop
        cls.Grid = cls.env["stock.channel.grid"]

    def setUp(self):
        super().setUp()
        self.settle()

    def settle(self):
        """The pushes queued by the set-up (stock, rules, bindings) gone: a clean outbox."""
        self.env.cr.flush()
        self.env["stock.channel.outbox"].search([]).unlink()

    def publish(self, channel, product, qty, published=None):
        """The quantity computed for `product` on `channel`, and the channel accepted
        `published` (the publishable quantity by default)."""
        self.set_stock(product, qty)
        channel._refresh_quantities(product)
        accepted = qty if published is None else published
        self.env["stock.channel.quantity"]._mark_published(
            channel, {product.id: accepted}, fields.Datetime.now()
        )
        self.settle()

    def queue(self, channel, product, state="pending", **vals):
        return self.env["stock.channel.outbox"].create(
            {"channel_id": channel.id, "product_id": product.id, "state": state, **vals}
        )

    def page(self, grid_env=None, **kwargs):
        kwargs.setdefault("limit", EVERYTHING)
        return (self.Grid if grid_env is None else grid_env).get_page(**kwargs)

    def cell(self, channel, product, page=None):
        page = page or self.page()
        row = next(row for row in page["rows"] if row["id"] == product.id)
        return row["cells"][channel.id]

    def state(self, channel, product):
        return self.cell(channel, product)["state"]


@tagged("post_install", "-at_install")
class TestGridStates(GridCase):
    def test_in_sync_pending_and_live_channels(self):
        self.publish(self.market, self.product, 5)
        self.assertEqual(self.cell(self.market, self.product), {
            "qty": 5, "published": 5, "state": grid.IN_SYNC,
        })  # fmt: skip
        self.publish(self.market, self.product_b, 4, published=3)
        self.assertEqual(self.state(self.market, self.product_b), grid.PENDING)
        self.queue(self.market, self.product)
        self.assertEqual(self.state(self.market, self.product), grid.PENDING)
        self.assertEqual(self.state(self.web, self.product), grid.IN_SYNC, "read live")

    def test_waiting_for_the_channel_window(self):
        self.publish(self.market, self.product, 5)
        row = self.queue(self.market, self.product, event_at=fields.Datetime.now())
        sequences = self.env["stock.channel.quantity"]._claim_sequences(
            self.market, [self.product.id]
        )
        log = self.env["stock.channel.sync.log"].create(
            {
                "channel_id": self.market.id,
                "state": "waiting",
                "sent_at": row.event_at + timedelta(seconds=1),
                "items": [
                    {"sku": "WIDGET", "quantity": 5, "product_id": self.product.id,
                     "sequence": sequences[self.product.id]},
                ],
            }
        )  # fmt: skip
        self.assertEqual(self.state(self.market, self.product), grid.WAITING)
        self.env["stock.channel.quantity"]._claim_sequences(self.market, [self.product.id])
        self.assertEqual(self.state(self.market, self.product), grid.PENDING, "a newer push")
        log.state = "done"
        self.assertEqual(self.state(self.market, self.product), grid.PENDING)

    def test_failed_and_drift_come_first(self):
        self.publish(self.market, self.product, 5)
        self.env["stock.channel.drift"].create(
            {"channel_id": self.market.id, "product_id": self.product.id, "sku": "WIDGET",
             "cause": "channel_edit", "channel_qty": 7, "expected_qty": 5}
        )  # fmt: skip
        self.queue(self.market, self.product)
        self.assertEqual(self.state(self.market, self.product), grid.DRIFT)
        self.queue(self.market, self.product, state="dead", last_error="HTTP 401")
        self.assertEqual(self.state(self.market, self.product), grid.FAILED)
        explain = self.Grid.get_explain(self.product.id, self.market.id)
        self.assertEqual((explain["state"], explain["detail"]), (grid.FAILED, "HTTP 401"))
        self.assertEqual(explain["publishable"], 5)
        self.assertEqual(explain["steps"][-1]["label"], "Publishable")

    def test_not_bound_where_the_connector_needs_an_id(self):
        self.publish(self.shop, self.product, 5)
        self.assertEqual(self.state(self.shop, self.product), grid.NOT_BOUND)
        self.assertEqual(self.state(self.market, self.product), grid.PENDING, "by SKU")
        self.env["stock.channel.binding"].create(
            {"channel_id": self.shop.id, "product_id": self.product.id, "external_id": "1001"}
        )
        self.settle()
        self.assertEqual(self.state(self.shop, self.product), grid.IN_SYNC)
        nameless = self._create_product("Nameless", False)
        self.assertEqual(self.state(self.market, nameless), grid.NOT_BOUND, "no SKU")

    def test_excluded_by_a_rule_or_fulfilled_by_the_channel(self):
        self.add_rule(self.market, "category", categ_id=self.category, share_percent=0)
        self.add_rule(self.market, "variant", product_id=self.product_b, share_percent=50)
        self.settle()
        self.publish(self.market, self.product, 5, published=3)
        self.assertEqual(self.cell(self.market, self.product)["qty"], 0)
        self.assertEqual(self.state(self.market, self.product), grid.EXCLUDED)
        self.assertEqual(self.state(self.market, self.product_b), grid.PENDING, "its own rule")
        self.env["stock.channel.binding"].create(
            {"channel_id": self.shop.id, "product_id": self.product.id, "external_id": "1001",
             "fulfilled_by_channel": True}
        )  # fmt: skip
        self.settle()
        self.assertEqual(self.state(self.shop, self.product), grid.EXCLUDED)


@tagged("post_install", "-at_install")
class TestGridPage(GridCase):
    def ids(self, **kwargs):
        return {row["id"] for row in self.page(**kwargs)["rows"]}

    def test_filters_and_group_by(self):
        self.publish(self.market, self.product, 0)
        self.publish(self.market, self.product_b, 4)
        mine = self.product | self.product_b
        self.assertEqual(self.ids(filters=["at_zero"]) & set(mine.ids), {self.product.id})
        self.assertEqual(self.ids(filters=["failed"]) & set(mine.ids), set())
        self.queue(self.market, self.product_b, state="dead")
        self.assertEqual(self.ids(filters=["failed"]) & set(mine.ids), {self.product_b.id})
        self.assertEqual(set(mine.ids) - self.ids(filters=["not_bound"]), set(), "Shopify")
        self.assertEqual(self.ids(filters=["drift"]) & set(mine.ids), set())
        both = self.page(filters=["at_zero", "failed"])
        self.assertEqual(both["total"], len(both["rows"]))
        self.assertLessEqual(set(mine.ids), {row["id"] for row in both["rows"]}, "any of")
        self.product_b.categ_id = self.subcategory
        grouped = self.page(group_by="category")
        categories = [row["category"] for row in grouped["rows"]]
        self.assertEqual(categories, sorted(categories, key=lambda c: (not c, c)))
        counts = {g["categ_id"]: g["count"] for g in grouped["groups"]}
        self.assertEqual(counts[self.subcategory.id], 1)
        first = self.page(limit=1)
        self.assertEqual((len(first["rows"]), first["total"]), (1, grouped["total"]))
        self.assertEqual(
            [ch["id"] for ch in first["channels"]],
            self.env["stock.channel"].search([], order="sequence, name, id").ids,
        )

    def test_a_page_costs_the_same_queries_at_10_and_200_variants(self):
        counts = []
        for size in (10, 200):
            products = self.env["product.product"].create(
                [{"name": f"Bulk {size} {i}", "default_code": f"AAA-{size}-{i:04d}",
                  "is_storable": True, "categ_id": self.category.id} for i in range(size)]
            )  # fmt: skip
            self.market._refresh_quantities(products)
            self.queue(self.market, products[0])
            self.queue(self.shop, products[1], state="dead")
            self.settle()
            for kwargs in ({}, {"filters": ["at_zero", "not_bound"], "group_by": "category"}):
                self.page(limit=80, **kwargs)  # warm the caches (rules, ormcache)
                self.env.invalidate_all()
                before = self.cr.sql_log_count
                page = self.page(limit=80, **kwargs)
                counts.append(self.cr.sql_log_count - before)
                self.assertEqual(len(page["rows"]), min(80, page["total"]))
        self.assertEqual(counts[0], counts[2], f"plain page: {counts}")
        self.assertEqual(counts[1], counts[3], f"filtered page: {counts}")
        self.assertLessEqual(max(counts), 12, counts)

    def test_a_page_counts_up_to_a_limit_and_the_exact_total_on_demand(self):
        missing = grid.COUNT_AHEAD + 1 - self.Grid.get_total()
        if missing > 0:
            self.env["product.product"].create(
                [{"name": f"Many {i}", "default_code": f"MANY-{i:05d}", "is_storable": True}
                 for i in range(missing)]
            )  # fmt: skip
        exact = self.Grid.get_total()
        self.assertGreater(exact, grid.COUNT_AHEAD)
        first = self.page(limit=80)
        self.assertEqual((first["total"], first["total_exact"]), (grid.COUNT_AHEAD, False))
        self.assertEqual(len(first["rows"]), 80)
        last = self.page(offset=exact - 10, limit=80)
        self.assertEqual((last["total"], last["total_exact"], len(last["rows"])), (exact, True, 10))
        past = self.page(offset=exact + 80, limit=80)
        self.assertEqual((past["total"], past["total_exact"], past["rows"]), (exact, True, []))
        self.queue(self.market, self.product, state="dead")
        failing = self.page(filters=["failed"], limit=80)
        self.assertEqual((failing["total"], failing["total_exact"]), (1, True))
        self.assertEqual(self.Grid.get_total(filters=["failed"]), 1)

    def test_the_look_ups_by_variant_are_indexed_by_their_tables_models(self):
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN %s",
            [("stock_channel_outbox_grid_product_idx", "stock_channel_quantity_at_zero_idx")],
        )
        self.assertEqual(len(self.env.cr.fetchall()), 2)

    def test_company_isolation(self):
        company_b, manager_b = self.second_company()
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)])
        both = self.env["stock.channel"].with_context(
            allowed_company_ids=[self.company.id, company_b.id]
        )
        channel_b = both.create(
            {"name": "B Market", "code": "b_market", "channel_type": "marketplace",
             "company_id": company_b.id, "warehouse_id": warehouse_b.id}
        )  # fmt: skip
        grid_b = self.Grid.with_user(manager_b).with_context(allowed_company_ids=company_b.ids)
        self.assertEqual([ch["id"] for ch in self.page(grid_b)["channels"]], channel_b.ids)
        manager_a = new_test_user(self.env, "grid_manager_a", groups=MANAGER_GROUPS)
        grid_a = self.Grid.with_user(manager_a).with_context(allowed_company_ids=self.company.ids)
        self.assertNotIn(channel_b.id, [ch["id"] for ch in self.page(grid_a)["channels"]])
        with self.assertRaises(AccessError):
            grid_b.get_explain(self.product.id, self.market.id)
        with self.assertRaises(AccessError):
            grid_b.action_republish(self.product.ids, self.market.ids)


@tagged("post_install", "-at_install")
class TestGridActions(GridCase):
    def test_a_channel_user_cannot_act(self):
        user = new_test_user(self.env, "grid_user", groups=USER_GROUPS)
        grid_user = self.Grid.with_user(user)
        self.assertTrue(self.page(grid_user)["channels"], "the user reads the grid")
        for method in ("action_republish", "action_correct", "action_bind"):
            with self.assertRaises(AccessError):
                getattr(grid_user, method)(self.product.ids, self.market.ids)

    def test_republish_correct_and_bind(self):
        manager = new_test_user(self.env, "grid_manager", groups=MANAGER_GROUPS)
        grid_manager = self.Grid.with_user(manager)
        products = self.product | self.product_b
        grid_manager.action_republish(products.ids, (self.market | self.web).ids)
        self.env.cr.flush()
        rows = self.env["stock.channel.outbox"].search([("state", "=", "pending")])
        self.assertEqual(
            {(row.channel_id, row.product_id, row.force) for row in rows},
            {(self.market, self.product, True), (self.market, self.product_b, True)},
        )
        self.settle()
        with self.assertRaises(UserError):
            grid_manager.action_correct(products.ids, self.market.ids)
        drift = self.env["stock.channel.drift"].create(
            {"channel_id": self.market.id, "product_id": self.product.id, "sku": "WIDGET",
             "cause": "channel_edit", "channel_qty": 7}
        )  # fmt: skip
        grid_manager.action_correct(products.ids, self.market.ids)
        self.assertTrue(drift.correcting)
        self.env.cr.flush()
        self.assertEqual(
            self.env["stock.channel.outbox"].search([("state", "=", "pending")]).product_id,
            self.product,
        )
        one = grid_manager.action_bind(self.product.ids, self.shop.ids)
        self.assertEqual((one["res_model"], one["view_mode"]), ("stock.channel.binding", "form"))
        self.assertEqual(one["context"]["default_product_id"], self.product.id)
        many = grid_manager.action_bind(products.ids, self.shop.ids)
        self.assertEqual(many["context"], {"default_channel_id": self.shop.id})
        self.assertIn(("product_id", "in", products.ids), many["domain"])


@tagged("post_install", "-at_install")
class TestGridTour(HttpCase, GridCase):
    """In Chromium, as a store manager: the filter "At 0 somewhere" keeps the Widget (0 on
    the market) and drops the Gadget; the Widget's market cell opens its explain."""

    def test_filter_at_zero_and_open_an_explain(self):
        manager = new_test_user(self.env, "grid_tour", password="grid_tour", groups=MANAGER_GROUPS)
        self.publish(self.market, self.product, 0)
        self.publish(self.market, self.product_b, 4)
        self.assertEqual(self.state(self.market, self.product), grid.IN_SYNC)
        self.start_tour("/odoo/inventory", "stock_channel_sync_grid", login=manager.login)
