"""Bind this SKU: an order held for an SKU no variant has is fixed in one step from its
exception (the variant picked, bound on the channel or its binding's SKU changed, the
order retried into a sale order); its raw message is shown indented; the Bindings search
finds a variant by its name."""

import json

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import OrderCase

MANAGER_GROUPS = (
    "stock_channel_sync.group_channel_manager,stock.group_stock_user,sales_team.group_sale_salesman"
)


@tagged("post_install", "-at_install")
class TestBindSku(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "bind_manager", groups=MANAGER_GROUPS)
        cls.Binding = cls.env["stock.channel.binding"]

    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 4)
        self.payload = self.order_payload("T-200", [("WIDGET", 1), ("MKT-GADGET", 2)])
        self.inbound, _status, answer = self.receive_order(self.payload)
        self.assertEqual(answer["status"], "to_complete")
        self.assertEqual(self.inbound.state, "exception")

    def wizard(self, user=None, **vals):
        inbound = self.inbound.with_user(user or self.manager)
        action = inbound.action_bind_sku()
        self.assertEqual(action["res_model"], "stock.channel.bind.sku")
        Wizard = self.env["stock.channel.bind.sku"].with_user(user or self.manager)
        return Wizard.with_context(**action["context"]).create(
            {"product_id": self.product_b.id, **vals}
        )

    def notes(self):
        self.market.invalidate_recordset(["message_ids"])
        return " ".join(str(body) for body in self.market.message_ids.mapped("body"))

    def test_the_variant_is_bound_and_the_order_retried_into_a_sale_order(self):
        self.assertEqual(self.inbound.unbound_skus, "MKT-GADGET")
        wizard = self.wizard()
        self.assertEqual((wizard.channel_id, wizard.sku), (self.market, "MKT-GADGET"))
        self.assertIn(
            "Gadget will be bound on Market (market) under SKU 'MKT-GADGET'.", wizard.message
        )
        result = wizard.action_confirm()
        binding = self.Binding.search([("external_sku", "=", "MKT-GADGET")])
        self.assertEqual((binding.channel_id, binding.product_id), (self.market, self.product_b))
        self.assertEqual(self.inbound.state, "done")
        order = self.order_of("T-200")
        self.assertEqual(self.inbound.sale_order_id, order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(
            {(line.product_id, line.product_uom_qty) for line in order.order_line},
            {(self.product, 1), (self.product_b, 2)},
        )
        self.assertEqual(result["params"]["type"], "success")
        self.assertIn(order.name, result["params"]["message"])
        self.assertIn("Gadget will be bound on Market (market) under SKU", self.notes())
        self.assertFalse(self.inbound.unbound_skus)

    def test_an_existing_binding_gets_the_sku_and_says_so(self):
        old = self.Binding.create(
            {"channel_id": self.market.id, "product_id": self.product_b.id,
             "external_sku": "OLD-GADGET"}
        )  # fmt: skip
        wizard = self.wizard()
        self.assertEqual(wizard.binding_id, old)
        self.assertIn(
            "Gadget is already bound on Market (market) under SKU 'OLD-GADGET': its SKU will "
            "change to 'MKT-GADGET'.",
            wizard.message,
        )
        wizard.action_confirm()
        bindings = self.Binding.search(
            [("channel_id", "=", self.market.id), ("product_id", "=", self.product_b.id)]
        )
        self.assertEqual(bindings, old, "the binding changed, none added")
        self.assertEqual(old.external_sku, "MKT-GADGET")
        self.assertIn("its SKU will change to", self.notes())
        self.assertEqual(self.inbound.state, "done")
        self.assertTrue(self.order_of("T-200"))

    def test_an_sku_another_variant_has_is_refused(self):
        wizard = self.wizard(sku="WIDGET")  # the Widget's internal reference
        with self.assertRaisesRegex(UserError, r"SKU 'WIDGET' is already \[WIDGET\] Widget's"):
            wizard.action_confirm()
        wizard = self.wizard()
        self.Binding.create(
            {"channel_id": self.market.id, "product_id": self.product.id,
             "external_sku": "MKT-GADGET"}
        )  # fmt: skip
        with self.assertRaisesRegex(
            UserError, r"SKU 'MKT-GADGET' is already \[WIDGET\] Widget's on Market"
        ):
            wizard.action_confirm()
        self.assertEqual(self.inbound.state, "exception")
        self.assertFalse(self.order_of("T-200"))

    def test_a_variant_of_another_company_is_refused(self):
        company_b, _manager_b = self.second_company()
        foreign = self._create_product("Gadget B", "GADGET-B", company_id=company_b.id)
        wizard = self.wizard(product_id=foreign.id)
        with self.assertRaisesRegex(UserError, "belongs to Company B"):
            wizard.action_confirm()
        self.assertFalse(self.Binding.search([("product_id", "=", foreign.id)]))

    def test_no_wizard_for_a_message_not_held_for_an_unknown_sku(self):
        inbound, _status, _answer = self.receive_order(self.order_payload("T-201", [("WIDGET", 1)]))
        self.assertEqual(inbound.state, "done")
        self.assertFalse(inbound.unbound_skus)
        with self.assertRaisesRegex(UserError, "no order for an unknown SKU"):
            inbound.with_user(self.manager).action_bind_sku()

    def test_only_a_channel_manager_of_the_company_binds(self):
        clerk = new_test_user(self.env, "bind_clerk", groups="stock.group_stock_user")
        with self.assertRaises(AccessError):
            self.inbound.with_user(clerk).action_bind_sku()
        wizard = self.wizard()
        with self.assertRaises(AccessError):
            wizard.with_user(clerk).action_confirm()
        _company_b, manager_b = self.second_company()
        with self.assertRaises(AccessError):
            wizard.with_user(manager_b).action_confirm()
        self.assertFalse(self.Binding.search([("external_sku", "=", "MKT-GADGET")]))
        self.assertEqual(self.inbound.state, "exception")

    def test_the_raw_message_is_shown_indented(self):
        self.assertEqual(self.inbound.body_pretty, json.dumps(self.payload, indent=2))
        self.assertIn('\n  "lines": [\n    {\n      "id": "T-200-1"', self.inbound.body_pretty)

    def test_the_bindings_search_finds_a_variant_by_its_name(self):
        gadget = self.Binding.create(
            {"channel_id": self.market.id, "product_id": self.product_b.id}
        )
        self.Binding.create({"channel_id": self.market.id, "product_id": self.product.id})
        arch = etree.fromstring(
            self.env.ref("stock_channel_sync.view_stock_channel_binding_search").arch
        )
        field = arch.xpath("//field[@name='product_id']")[0]
        for text in ("gadg", "GADGET", "Gadget"):
            domain = safe_eval(field.get("filter_domain"), {"self": text})
            found = self.Binding.search(domain)
            self.assertIn(gadget, found, text)
            self.assertEqual(found.product_id, self.product_b, text)
