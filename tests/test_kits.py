from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from ..core.kits import STEP_KIT_COMPONENT, STEP_KIT_LIMIT
from ..models.stock_channel import kits
from .common import OrderCase


@tagged("post_install", "-at_install")
class TestKits(OrderCase):
    """A kit (mrp's kit bill of materials) published, queued and ordered from its
    components: Strap (2 per kit) and Buckle (1 per kit)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.strap = cls._create_product("Strap", "STRAP")
        cls.buckle = cls._create_product("Buckle", "BUCKLE")
        cls.kit = cls._create_product("Watch Kit", "WATCH-KIT")
        cls.kit_bom = cls.make_kit(cls.kit, [(cls.strap, 2), (cls.buckle, 1)])
        cls.env["stock.channel.binding"].create(
            {"channel_id": cls.shop.id, "product_id": cls.kit.id, "external_id": "2001"}
        )

    @classmethod
    def make_kit(cls, kit, lines, made=1):
        return cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": kit.product_tmpl_id.id,
                "type": "phantom",
                "product_qty": made,
                "bom_line_ids": [
                    Command.create({"product_id": product.id, "product_qty": qty})
                    for product, qty in lines
                ],
            }
        )

    def result(self, channel, product=None):
        product = product or self.kit
        return channel._compute_publishable(product)[channel.id, product.id]

    def test_a_kit_is_limited_by_its_scarcest_component_and_the_explain_names_it(self):
        self.set_stock(self.strap, 7)
        self.set_stock(self.buckle, 5)
        result = self.result(self.market)
        self.assertEqual((result.publishable, result.limited_by), (3, "[STRAP] Strap"))
        self.assertEqual(
            [step["step"] for step in result.steps][:3],
            [STEP_KIT_COMPONENT, STEP_KIT_COMPONENT, STEP_KIT_LIMIT],
        )
        self.assertIn("limited by [STRAP] Strap: 7 \u00f7 2 = 3", result.steps[2]["text"])
        self.assertEqual(self.publishable(self.market, self.kit), 3)
        self.assertEqual(
            set(self.market._compute_publishable(self.kit)),
            {(self.market.id, p.id) for p in self.kit | self.strap | self.buckle},
            "the kit's components are computed in the same batch",
        )
        explain = self.kit._channel_explain(self.market)
        self.assertIn("Kit limited by", [step["label"] for step in explain["steps"]])
        self.set_stock(self.buckle, 2)
        result = self.result(self.market)
        self.assertEqual((result.publishable, result.limited_by), (2, "[BUCKLE] Buckle"))

    def test_a_component_change_republishes_the_kits_on_every_channel(self):
        gift = self._create_product("Gift Box", "GIFT")
        self.make_kit(gift, [(self.kit, 1), (self.buckle, 1)])  # nested: 2 straps, 2 buckles
        self.set_stock(self.strap, 7)
        self.set_stock(self.buckle, 5)
        self.web._refresh_quantities(self.kit | gift)
        self.assertEqual(self.quantity_line(self.web, gift).publishable_qty, 2)
        self.outbox().unlink()
        self.deliver(self.buckle, 3, validate=True)  # a done move of a component: 2 left
        rows = self.outbox()
        self.assertEqual(
            rows.filtered(lambda row: row.product_id == self.kit).channel_id,
            self.market | self.shop,
            "the kit queued on every channel with a connector",
        )
        self.assertIn(gift, rows.filtered(lambda r: r.channel_id == self.market).product_id)
        self.assertNotIn(self.product, rows.product_id, "a variant in no kit is not queued")
        # the channels without a connector have the kits refreshed at the commit
        self.assertEqual(self.quantity_line(self.web, self.kit).publishable_qty, 2)
        self.assertEqual(self.quantity_line(self.web, gift).publishable_qty, 1)
        self.dispatch(until_empty=True)
        self.assertEqual(self.market_level(self.kit), 2)

    def test_the_hourly_refresh_queues_a_kit_whose_bill_changed(self):
        """A bill of materials edited is no stock change: the refresh cron queues the kit
        on the channels with a connector (without sources here), as it stores it."""
        self.set_stock(self.strap, 8)
        self.set_stock(self.buckle, 5)
        self.env["stock.channel"]._cron_refresh_quantities()
        self.assertEqual(self.quantity_line(self.market, self.kit).publishable_qty, 4)
        self.outbox().unlink()
        self.kit_bom.bom_line_ids.filtered(lambda x: x.product_id == self.strap).product_qty = 4
        self.assertFalse(self.outbox(), "a bill edit queues nothing by itself")
        self.env["stock.channel"]._cron_refresh_quantities()
        self.assertEqual(self.quantity_line(self.market, self.kit).publishable_qty, 2)
        self.assertEqual(self.outbox(self.market).product_id, self.kit)
        self.assertFalse(self.outbox(self.web), "a channel without a connector: no push")

    def test_the_channel_rule_applies_to_the_components_then_the_kit(self):
        self.set_stock(self.strap, 14)
        self.set_stock(self.buckle, 10)
        self.add_rule(self.market, share_percent=50)
        self.assertEqual(self.result(self.market).publishable, 3, "min(7 / 2, 5 / 1)")
        self.assertEqual(self.result(self.web).publishable, 7, "min(14 / 2, 10 / 1)")
        self.assertEqual(self.result(self.market, self.strap).publishable, 7)

    def test_a_bom_making_several_kits_counts_per_kit(self):
        self.kit_bom.write({"product_qty": 2})
        self.kit_bom.bom_line_ids.filtered(lambda line: line.product_id == self.strap).write(
            {"product_qty": 4}
        )  # 4 straps for 2 kits: still 2 a kit
        plan = self.market._kit_components(self.kit, self.company)
        self.assertEqual(plan, {self.kit.id: {self.strap.id: 2.0, self.buckle.id: 0.5}})

    def test_a_kit_order_needs_and_locks_its_components_counted_once(self):
        self.set_stock(self.strap, 7)
        self.set_stock(self.buckle, 5)
        self.assertEqual(self.market._orderable(self.kit)[self.kit.id], 3)
        inbound, _status, answer = self.receive_order(
            self.order_payload("KIT-1", [("WATCH-KIT", 3), ("STRAP", 2)])
        )
        self.assertEqual(answer["status"], "to_check", "3 kits and 2 straps need 8 straps")
        self.assertIn("STRAP needs 8, 7 available", inbound.error or "", answer)
        self.assertEqual(
            [line["status"] for line in answer["lines"]], ["to_check", "to_check"], answer
        )
        order = self.order_of("KIT-1")
        self.assertEqual(
            {p.default_code: q for p, q in order._channel_needed_quantities().items()},
            {"STRAP": 8, "BUCKLE": 3},
        )
        _inbound, _status, answer = self.receive_order(
            self.order_payload("KIT-2", [("WATCH-KIT", 3), ("STRAP", 1)])
        )
        self.assertEqual(answer["status"], "accepted", answer)
        locks = self.env["stock.channel.variant.lock"].search(
            [("product_id", "in", (self.strap | self.buckle | self.kit).ids)]
        )
        self.assertEqual(locks.product_id, self.strap | self.buckle, "locked on the components")
        reserved = {}
        for move in self.order_of("KIT-2").picking_ids.move_ids:
            code = move.product_id.default_code
            reserved[code] = reserved.get(code, 0) + move.quantity
        self.assertEqual(reserved, {"STRAP": 7, "BUCKLE": 3}, "the kit exploded, reserved")
        self.assertEqual(self.result(self.market).publishable, 0)

    def test_a_bom_turned_kit_or_archived_in_the_same_transaction_is_read_as_it_is_now(self):
        """The kits pre-filter reads the bills of materials in SQL: what was written to
        them earlier in the transaction (not flushed yet) counts."""
        gift = self._create_product("Gift Box", "GIFT")
        bom = self.env["mrp.bom"].create(
            {"product_tmpl_id": gift.product_tmpl_id.id, "type": "normal",
             "bom_line_ids": [Command.create({"product_id": self.strap.id, "product_qty": 3})]}
        )  # fmt: skip
        self.env.flush_all()
        self.assertEqual(self.market._kit_components(gift, self.company), {})
        bom.type = "phantom"  # not flushed
        self.assertEqual(
            self.market._kit_components(gift, self.company), {gift.id: {self.strap.id: 3}}
        )
        bom.active = False  # not flushed
        self.assertEqual(self.market._kit_components(gift, self.company), {})

    def test_a_large_batch_reads_every_kit_then_keeps_its_own(self):
        """Above KIT_SCAN_ABOVE variants the kits are read without the batch's ids: the
        same kits and components as the query on the ids."""
        batch = self.kit | self.strap | self.product
        expected = self.market._kit_components(batch, self.company)
        with patch.object(kits, "KIT_SCAN_ABOVE", 1):
            self.assertEqual(self.market._kit_components(batch, self.company), expected)
            self.assertEqual(self.market._kit_components(self.strap | self.product,
                                                         self.company), {})  # fmt: skip
        self.assertEqual(expected, {self.kit.id: {self.strap.id: 2.0, self.buckle.id: 1.0}})

    def test_a_product_in_no_kit_is_unaffected(self):
        self.set_stock(self.product, 4)
        result = self.result(self.market, self.product)
        self.assertEqual((result.publishable, result.limited_by), (4, ""))
        self.assertNotIn("kit", result.rule)
        self.assertEqual(self.market._kit_components(self.product, self.company), {})
        self.assertEqual(self.market._kits_containing([self.product.id]), {})
        self.assertEqual(
            self.market._kits_containing([self.strap.id]), {self.strap.id: {self.kit.id}}
        )

    def test_locking_a_kit_locks_its_components(self):
        """A POS sale of a kit locks what it takes: the kit's components."""
        Lock = self.env["stock.channel.variant.lock"]
        Lock._acquire(self.kit)
        locked = Lock.search([("product_id", "in", (self.kit | self.strap | self.buckle).ids)])
        self.assertEqual(locked.product_id, self.kit | self.strap | self.buckle)

    def test_a_bom_on_a_template_serves_every_variant_its_restricted_lines_only_theirs(self):
        color = self.env["product.attribute"].create(
            {"name": "Kit colour", "value_ids": [Command.create({"name": n}) for n in "RB"]}
        )
        template = self.env["product.template"].create(
            {"name": "Coloured Kit", "type": "consu", "is_storable": True,
             "attribute_line_ids": [Command.create(
                 {"attribute_id": color.id, "value_ids": [Command.set(color.value_ids.ids)]}
             )]}
        )  # fmt: skip
        red, blue = (
            template.product_variant_ids.filtered(
                lambda v, n=name: v.product_template_attribute_value_ids.name == n
            )
            for name in "RB"
        )
        red_value = red.product_template_attribute_value_ids
        self.env["mrp.bom"].create(
            {"product_tmpl_id": template.id, "type": "phantom",
             "bom_line_ids": [
                 Command.create({"product_id": self.buckle.id, "product_qty": 1}),
                 Command.create({"product_id": self.strap.id, "product_qty": 1,
                                 "bom_product_template_attribute_value_ids": red_value.ids}),
             ]}
        )  # fmt: skip
        plans = self.market._kit_components(red | blue, self.company)
        self.assertEqual(plans[red.id], {self.buckle.id: 1.0, self.strap.id: 1.0})
        self.assertEqual(plans[blue.id], {self.buckle.id: 1.0}, "the strap line is red's")
        self.set_stock(self.strap, 1)
        self.set_stock(self.buckle, 5)
        results = self.market._compute_publishable(red | blue)
        self.assertEqual(results[self.market.id, red.id].publishable, 1)
        self.assertEqual(results[self.market.id, blue.id].publishable, 5)
        # the reverse index errs on the safe side: a strap change queues both colours
        self.assertEqual(
            self.market._kits_containing([self.strap.id])[self.strap.id],
            {self.kit.id} | {red.id, blue.id},
        )
