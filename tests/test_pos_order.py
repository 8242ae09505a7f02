import json
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .common import start_simulator


@tagged("post_install", "-at_install")
class TestPosOrderPush(TestPoSCommon):
    """A POS sale (real-time stock updates) reaches the marketplace within the same flow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup)

    def setUp(self):
        super().setUp()
        self.config = self.basic_config
        self.product = self.create_product("POS Widget", self.categ_basic, 10.0, 5)
        self.product.default_code = "POSW"
        warehouse = self.config.picking_type_id.warehouse_id
        self.channel = (
            self.env["stock.channel"]
            .sudo()
            .create(
                {
                    "name": "Market",
                    "code": "market",
                    "warehouse_id": warehouse.id,
                    "company_id": warehouse.company_id.id,
                    "connector": "generic_json",
                    "endpoint_url": self.sim.generic_url("market"),
                    "api_secret": "simulator-secret",
                }
            )
        )
        self.env["stock.quant"]._update_available_quantity(self.product, warehouse.lot_stock_id, 10)

    def dispatch(self):
        self.env.cr.flush()
        self.env["stock.channel.dispatcher"]._run()

    def test_pos_order_lowers_the_published_quantity(self):
        """Odoo 19's default is real-time stock updates: each POS sale moves stock (and is
        republished) at once, not at the session's closing."""
        default = self.env["res.company"].default_get(["point_of_sale_update_stock_quantities"])
        self.assertEqual(default["point_of_sale_update_stock_quantities"], "real")
        self.dispatch()
        self.assertEqual(self.sim.generic_level("market", "POSW"), 10)
        session = self.open_new_session()
        self.assertFalse(session.update_stock_at_closing)
        self._create_orders(
            [{"pos_order_lines_ui_args": [(self.product, 3)], "payments": [(self.cash_pm1, 30)]}]
        )
        self.dispatch()
        self.assertEqual(self.sim.generic_level("market", "POSW"), 7)
        self.assertEqual(session.state, "opened", "published before the session closes")

    def _reserve_last_unit(self, ref):
        """A channel order that reserved the variant's last unit (through the intake)."""
        warehouse = self.config.picking_type_id.warehouse_id
        quant = self.env["stock.quant"]._gather(self.product, warehouse.lot_stock_id)
        self.env["stock.quant"]._update_available_quantity(
            self.product, warehouse.lot_stock_id, 1 - sum(quant.mapped("quantity"))
        )
        payload = {
            "id": ref, "created_at": "2026-11-23T10:00:00Z",
            "currency": self.company.currency_id.name,
            "customer": {"name": "Ann", "email": "ann@example.com"},
            "shipping_address": {"name": "Ann", "street": "Rue Haute 1", "zip": "1000",
                                 "city": "Brussels", "country_code": "BE"},
            "lines": [{"id": "1", "sku": "POSW", "quantity": 1, "price_unit": 10}],
            "shipping_amount": 0, "total_amount": 10,
        }  # fmt: skip
        inbound = self.env["stock.channel.inbound"]._store(
            self.channel, "order", json.dumps(payload), {}
        )
        _status, answer = inbound._process()
        self.assertEqual(answer["status"], "accepted")
        return inbound.sale_order_id

    def _pos_sells_one(self):
        self._create_orders(
            [{"pos_order_lines_ui_args": [(self.product, 1)], "payments": [(self.cash_pm1, 10)]}]
        )

    def _incident(self, order):
        self.env.cr.flush()
        return self.env["stock.channel.incident"].sudo().search([("sale_order_id", "=", order.id)])

    def test_a_pos_sale_takes_the_lock_and_wins_the_unit_a_channel_order_reserved(self):
        order = self._reserve_last_unit("POS-RACE-1")
        Lock = self.env["stock.channel.variant.lock"].sudo()
        taken = Lock.search([("product_id", "=", self.product.id)]).version
        self.open_new_session()
        self._pos_sells_one()
        self.assertEqual(Lock.search([("product_id", "=", self.product.id)]).version, taken + 1)
        self.assertEqual(order.picking_ids.move_ids.quantity, 0, "the POS took the unit")
        self.assertEqual(order.channel_status, "to_check")
        incident = self._incident(order)
        self.assertEqual((incident.product_id, incident.qty_short), (self.product, 1.0))
        # the order had its unit when it arrived: a later sale took it, not push latency
        self.assertEqual((incident.cause, incident.gap_seconds), ("taken", 0))
        self.assertEqual(incident.ordered_at, order.create_date, "when the order arrived")

    def test_a_pos_sale_in_the_second_the_order_arrived_took_its_unit(self):
        """A move's date has no microseconds, an order's arrival has: a POS sale later in
        the same second is after the order (it was classed push latency)."""
        order = self._reserve_last_unit("POS-RACE-2")
        second = fields.Datetime.now() - timedelta(hours=1)
        self.env.cr.execute(
            "UPDATE sale_order SET create_date = %s WHERE id = %s",
            [second.replace(microsecond=400000), order.id],
        )
        order.invalidate_recordset(["create_date"])
        self.open_new_session()
        with freeze_time(second.replace(microsecond=700000)):
            self._pos_sells_one()
        self.assertEqual(order.picking_ids.move_ids.quantity, 0, "the POS took the unit")
        self.assertEqual(self._incident(order).cause, "taken")
