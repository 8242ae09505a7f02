"""Exclusions (a product invisible on a channel: by category, tag, brand, variant) and
customer holds (units held for a customer, invisible to every channel): the quantities,
the explain, the grid, the orders of the channel, the republish and who may do what."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..core import allocation, grid
from .test_grid import MANAGER_GROUPS, GridCase

QUANTITY_LIST = "stock_channel_sync.view_stock_channel_quantity_list"
STOCK_USER_GROUPS = "stock.group_stock_user,stock_channel_sync.group_channel_user"


class ExclusionCase(GridCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Exclusion = cls.env["stock.channel.exclusion"]
        cls.Hold = cls.env["stock.channel.hold"]
        cls.knife = cls._create_product("Knife", "KNIFE", categ=cls.subcategory)

    def exclude(self, name, scope, target, channels=None, **vals):
        field = {
            "product": "product_tmpl_id",
            "variant": "product_id",
            "category": "categ_id",
            "tag": "tag_id",
            "attribute": "attribute_value_id",
        }[scope]
        return self.Exclusion.create(
            {
                "name": name,
                "scope": scope,
                field: target.id,
                "channel_ids": [Command.set((channels or self.Exclusion.channel_ids).ids)],
                **vals,
            }
        )

    def steps(self, channel, product):
        return product._channel_explain(channel)["steps"]

    def excluded_step(self, channel, product):
        return next(
            (step for step in self.steps(channel, product) if step["step"] == "excluded"), None
        )

    def assertExcluded(self, channel, product, name):
        self.assertEqual(self.publishable(channel, product), 0)
        step = self.excluded_step(channel, product)
        self.assertTrue(step, "the explain names the exclusion")
        self.assertEqual(step["text"], f"excluded, by rule {name}")
        result = channel._compute_publishable(product)[channel.id, product.id]
        self.assertEqual(result.excluded, name)


@tagged("post_install", "-at_install")
class TestExclusions(ExclusionCase):
    def test_category_and_its_children_on_one_channel_only(self):
        self.set_stock(self.knife, 8)
        self.set_stock(self.product, 5)
        self.exclude("No blades on Market", "category", self.category, channels=self.market)
        self.assertExcluded(self.market, self.knife, "No blades on Market")  # child category
        self.assertExcluded(self.market, self.product, "No blades on Market")
        self.assertEqual(self.publishable(self.web, self.knife), 8, "another channel: unchanged")
        self.assertIsNone(self.excluded_step(self.web, self.knife))
        elsewhere = self.env["product.category"].create({"name": "Kitchen"})
        other = self._create_product("Spoon", "SPOON", categ=elsewhere)
        self.set_stock(other, 4)
        self.assertEqual(self.publishable(self.market, other), 4, "outside the category")

    def test_by_tag_on_every_channel(self):
        tag = self.env["product.tag"].create({"name": "Hazardous"})
        self.knife.product_tmpl_id.product_tag_ids = tag
        self.set_stock(self.knife, 6)
        self.exclude("Hazardous goods", "tag", tag)
        for channel in self.web | self.pos | self.market:
            self.assertExcluded(channel, self.knife, "Hazardous goods")
        self.set_stock(self.product, 3)
        self.assertEqual(self.publishable(self.market, self.product), 3)

    def test_by_brand_and_by_variant(self):
        Attribute = self.env["product.attribute"]
        brand = Attribute.create({"name": "Brand", "value_ids": [Command.create({"name": "Acme"})]})
        color = Attribute.create(
            {"name": "Color", "value_ids": [Command.create({"name": n}) for n in ("Red", "Blue")]}
        )

        def line(attribute):
            return Command.create(
                {"attribute_id": attribute.id, "value_ids": [Command.set(attribute.value_ids.ids)]}
            )

        template = self.env["product.template"].create(
            {
                "name": "Kettle",
                "type": "consu",
                "is_storable": True,
                "categ_id": self.category.id,
                "attribute_line_ids": [line(brand), line(color)],
            }
        )
        red, blue = (
            template.product_variant_ids.filtered(
                lambda v, name=name: v.product_template_attribute_value_ids.filtered(
                    lambda ptav: ptav.name == name
                )
            )
            for name in ("Red", "Blue")
        )
        for index, variant in enumerate(red | blue):
            variant.default_code = f"KETTLE-{index}"
            self.set_stock(variant, 5)
        by_variant = self.exclude("Red kettle off Market", "variant", red, channels=self.market)
        self.assertExcluded(self.market, red, "Red kettle off Market")
        self.assertEqual(self.publishable(self.market, blue), 5, "the other variant shows")
        by_variant.action_archive()
        self.exclude("No Acme on Market", "attribute", brand.value_ids, channels=self.market)
        self.assertExcluded(self.market, red, "No Acme on Market")
        self.assertExcluded(self.market, blue, "No Acme on Market")
        self.assertEqual(self.publishable(self.web, blue), 5)

    def test_archived_exclusion_publishes_again(self):
        self.set_stock(self.knife, 8)
        rule = self.exclude("Off", "product", self.knife.product_tmpl_id, channels=self.market)
        self.assertEqual(self.publishable(self.market, self.knife), 0)
        rule.action_archive()
        self.assertEqual(self.publishable(self.market, self.knife), 8)
        self.assertIsNone(self.excluded_step(self.market, self.knife))

    def test_an_exclusion_change_is_seen_by_the_next_order(self):
        """The exclusions are kept in Odoo's cache: their create, write and unlink clear
        it, the next order sees the change."""
        self.set_stock(self.knife, 8)
        self.assertEqual(self.web._orderable(self.knife), {self.knife.id: 8})
        rule = self.exclude("Not online", "product", self.knife.product_tmpl_id, channels=self.web)
        self.assertEqual(self.web._orderable(self.knife), {self.knife.id: 0}, "created")
        rule.channel_ids = self.market
        self.assertEqual(self.web._orderable(self.knife), {self.knife.id: 8}, "changed")
        rule.channel_ids = self.web
        self.assertEqual(self.web._orderable(self.knife), {self.knife.id: 0})
        rule.unlink()
        self.assertEqual(self.web._orderable(self.knife), {self.knife.id: 8}, "deleted")

    def test_the_first_rule_in_order_is_named(self):
        self.set_stock(self.knife, 2)
        self.exclude("Second", "category", self.category, sequence=20)
        self.exclude("First", "product", self.knife.product_tmpl_id, sequence=5)
        self.assertExcluded(self.market, self.knife, "First")

    def test_the_facts_are_read_in_batch(self):
        tag = self.env["product.tag"].create({"name": "Fragile"})
        self.exclude("Fragile", "tag", tag, channels=self.market)
        products = self.env["product.product"]
        for index in range(30):
            products |= self._create_product(f"Batch {index}", f"BATCH{index}")
            self.set_stock(products[-1], 5)
        products[::2].product_tmpl_id.product_tag_ids = tag
        self.env.flush_all()

        def queries(batch):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            results = self.channels._compute_publishable(batch)
            self.assertEqual(results[self.market.id, batch[0].id].excluded, "Fragile")
            return self.cr.sql_log_count - before

        queries(products[:1])  # warm the caches (non-sellable locations, exclusions)
        self.assertEqual(queries(products), queries(products[:3]))

    def test_a_rule_needs_its_target(self):
        with self.assertRaises(ValidationError):
            self.Exclusion.create({"name": "Nothing", "scope": "tag"})

    def test_no_order_of_the_channel_takes_an_excluded_product(self):
        self.web.allow_backorder = True
        self.add_rule(self.web, backorder_qty=5)
        self.set_stock(self.knife, 8)
        self.exclude("Not online", "product", self.knife.product_tmpl_id, channels=self.web)
        self.assertEqual(self.web._orderable(self.knife), {self.knife.id: 0})
        self.assertEqual(self.web._shop_limits(self.knife), {self.knife.id: 0}, "no backorder")
        self.assertEqual(self.web._shop_availability(self.knife)[:2], (0, 0))
        self.assertEqual(self.pos._orderable(self.knife), {self.knife.id: 8})

    def test_quantity_line_and_grid_show_the_rule(self):
        self.publish(self.market, self.knife, 8)
        self.exclude("Blades", "category", self.category, channels=self.market)
        self.market._refresh_quantities(self.knife)
        line = self.env["stock.channel.quantity"].search(
            [("channel_id", "=", self.market.id), ("product_id", "=", self.knife.id)]
        )
        self.assertEqual((line.publishable_qty, line.excluded_by), (0, "Blades"))
        self.web._refresh_quantities(self.knife)
        Quantity = self.env["stock.channel.quantity"]
        excluded = Quantity.search(
            [("excluded_by", "!=", False), ("product_id", "=", self.knife.id)]
        )
        self.assertEqual(excluded, line, "the list's filter: the market only")
        arch = Quantity.get_view(self.env.ref(QUANTITY_LIST).id, "list")["arch"]
        self.assertIn('name="excluded_by"', arch)
        self.settle()
        cell = self.cell(self.market, self.knife)
        self.assertEqual((cell["qty"], cell["state"]), (0, grid.EXCLUDED))
        self.assertEqual(cell["excluded_by"], "Blades")
        self.assertNotIn("excluded_by", self.cell(self.web, self.knife))

    def test_writes_republish_through_the_outbox(self):
        self.set_stock(self.knife, 8)
        self.settle()
        rule = self.exclude("Blades", "category", self.category, channels=self.market)
        self.env.cr.flush()
        queued = self.env["stock.channel.outbox"].search([("channel_id", "=", self.market.id)])
        self.assertIn(self.knife, queued.product_id, "created: the hidden products queued")
        self.settle()
        rule.action_archive()
        self.env.cr.flush()
        queued = self.env["stock.channel.outbox"].search([("channel_id", "=", self.market.id)])
        self.assertIn(self.knife, queued.product_id, "archived: queued again")
        self.settle()
        tag = self.env["product.tag"].create({"name": "Other"})
        rule.write({"active": True, "scope": "tag", "tag_id": tag.id})
        self.env.cr.flush()
        queued = self.env["stock.channel.outbox"].search([("channel_id", "=", self.market.id)])
        self.assertIn(self.knife, queued.product_id, "what it hid before is queued too")


@tagged("post_install", "-at_install")
class TestCustomerHolds(ExclusionCase):
    def hold(self, qty=3, **vals):
        return self.Hold.create(
            {
                "partner_id": self.partner.id,
                "product_id": self.product.id,
                "warehouse_id": self.warehouse.id,
                "quantity": qty,
                "reason": "VIP order",
                **vals,
            }
        )

    def test_vip_hold_is_invisible_to_every_channel_until_released(self):
        self.set_stock(self.product, 10)
        hold = self.hold(3)
        for channel in self.web | self.pos | self.market:
            self.assertEqual(self.publishable(channel, self.product), 7, channel.name)
        step = next(s for s in self.steps(self.market, self.product) if s["step"] == "held")
        self.assertEqual(step["text"], f"held for customers {allocation.MINUS} 3")
        self.assertEqual(self.web._orderable(self.product), {self.product.id: 7})
        hold.action_release()
        self.assertFalse(hold.active)
        for channel in self.web | self.pos | self.market:
            self.assertEqual(self.publishable(channel, self.product), 10, channel.name)

    def test_a_hold_past_its_date_stops_counting(self):
        self.set_stock(self.product, 10)
        today = fields.Date.today()
        self.hold(3, date_until=today)
        past = self.hold(2, date_until=today - timedelta(days=1))
        self.assertEqual(self.publishable(self.market, self.product), 7, "the past one: no more")
        self.settle()
        self.Hold._expire()
        self.assertFalse(past.active)
        self.env.cr.flush()
        queued = self.env["stock.channel.outbox"].search([("channel_id", "=", self.market.id)])
        self.assertIn(self.product, queued.product_id, "the expired hold's variant queued")

    def test_hold_changes_republish_through_the_outbox(self):
        self.set_stock(self.product, 10)
        self.settle()
        hold = self.hold(3)
        self.env.cr.flush()
        queued = self.env["stock.channel.outbox"].search([("channel_id", "=", self.market.id)])
        self.assertIn(self.product, queued.product_id)
        self.settle()
        hold.quantity = 4
        self.env.cr.flush()
        queued = self.env["stock.channel.outbox"].search([("channel_id", "=", self.market.id)])
        self.assertIn(self.product, queued.product_id)

    def test_a_hold_holds_a_positive_quantity(self):
        with self.assertRaises(ValidationError):
            self.hold(0)


@tagged("post_install", "-at_install")
class TestExclusionAccess(ExclusionCase):
    def test_another_company_sees_neither_exclusions_nor_holds(self):
        rule = self.exclude("A only", "category", self.category)
        hold = self.Hold.create(
            {
                "partner_id": self.partner.id,
                "product_id": self.product.id,
                "warehouse_id": self.warehouse.id,
                "quantity": 1,
            }
        )
        _company_b, user_b = self.second_company()
        self.assertFalse(self.Exclusion.with_user(user_b).search([("id", "=", rule.id)]))
        self.assertFalse(self.Hold.with_user(user_b).search([("id", "=", hold.id)]))
        with self.assertRaises(AccessError):
            rule.with_user(user_b).read(["name"])
        with self.assertRaises(AccessError):
            hold.with_user(user_b).action_release()
        self.assertTrue(hold.active)

    def test_a_stock_user_creates_no_exclusion_and_releases_no_hold(self):
        user = new_test_user(self.env, "stock_only", groups=STOCK_USER_GROUPS)
        with self.assertRaises(AccessError):
            self.Exclusion.with_user(user).create(
                {"name": "Nope", "scope": "category", "categ_id": self.category.id}
            )
        hold = self.Hold.create(
            {
                "partner_id": self.partner.id,
                "product_id": self.product.id,
                "warehouse_id": self.warehouse.id,
                "quantity": 1,
            }
        )
        self.assertEqual(self.Hold.with_user(user).search([("id", "=", hold.id)]), hold)
        with self.assertRaises(AccessError):
            hold.with_user(user).action_release()
        self.assertTrue(hold.active)


@tagged("post_install", "-at_install")
class TestExclusionGridTour(HttpCase, ExclusionCase):
    """In Chromium, as a store manager: the grid's market cell of an excluded variant
    says which rule excludes it, and its explain ends with that step."""

    def test_the_grid_says_excluded_by_rule(self):
        manager = new_test_user(
            self.env, "exclusion_tour", password="exclusion_tour", groups=MANAGER_GROUPS
        )
        self.exclude("Blades", "category", self.category, channels=self.market)
        self.publish(self.market, self.knife, 8, published=0)
        self.web._refresh_quantities(self.knife)
        self.assertEqual(self.cell(self.market, self.knife)["excluded_by"], "Blades")
        self.start_tour("/odoo/inventory", "stock_channel_sync_exclusion_grid", login=manager.login)


@tagged("post_install", "-at_install")
class TestExclusionFactsChange(ExclusionCase):
    """A change of the facts an exclusion matches (category and its parents, tags,
    attribute values) republishes the variant: the marketplace stops selling it."""

    def queued(self, product):
        self.env.cr.flush()
        rows = self.env["stock.channel.outbox"].search([("product_id", "=", product.id)])
        return rows.channel_id

    def test_a_product_moved_into_an_excluded_category_is_republished(self):
        elsewhere = self.env["product.category"].create({"name": "Kitchen"})
        spoon = self._create_product("Spoon", "SPOON", categ=elsewhere)
        self.set_stock(spoon, 4)
        self.market._refresh_quantities(spoon)
        self.exclude("Blades", "category", self.category, channels=self.market)
        self.settle()
        spoon.product_tmpl_id.categ_id = self.subcategory
        self.assertIn(self.market, self.queued(spoon), "moved into an excluded category")
        self.market._refresh_quantities(spoon)
        line = self.env["stock.channel.quantity"].search(
            [("channel_id", "=", self.market.id), ("product_id", "=", spoon.id)]
        )
        self.assertEqual((line.publishable_qty, line.excluded_by), (0, "Blades"))

    def test_a_tag_added_republishes(self):
        tag = self.env["product.tag"].create({"name": "Hazardous"})
        self.set_stock(self.knife, 6)
        self.exclude("Hazardous goods", "tag", tag)
        self.settle()
        self.knife.product_tmpl_id.product_tag_ids = tag
        self.assertIn(self.market, self.queued(self.knife), "a tag of the product")
        self.settle()
        self.product_b.additional_product_tag_ids = tag
        self.assertIn(self.market, self.queued(self.product_b), "a tag of the variant")

    def test_a_parent_category_moved_under_an_excluded_one_republishes(self):
        loose = self.env["product.category"].create({"name": "Loose"})
        loose_sub = self.env["product.category"].create({"name": "Sub", "parent_id": loose.id})
        fork = self._create_product("Fork", "FORK", categ=loose_sub)
        self.set_stock(fork, 3)
        self.exclude("Blades", "category", self.category, channels=self.market)
        self.settle()
        loose.parent_id = self.category
        self.assertIn(self.market, self.queued(fork), "its parent moved under the excluded one")

    def test_without_exclusions_product_edits_queue_nothing(self):
        self.settle()
        self.knife.product_tmpl_id.categ_id = self.env["product.category"].create({"name": "K"})
        self.assertFalse(self.queued(self.knife))
