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
        self.dispatch()
        self.assertEqual(self.sim.generic_level("market", "POSW"), 10)
        self.open_new_session()
        self._create_orders(
            [{"pos_order_lines_ui_args": [(self.product, 3)], "payments": [(self.cash_pm1, 30)]}]
        )
        self.dispatch()
        self.assertEqual(self.sim.generic_level("market", "POSW"), 7)
