import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from ..simulator.clients import signed_order_request
from .common import OrderCase

TOUR = "stock_channel_sync_pos_last_unit"
ORDER_ID = "POS-LAST-1"


class PosTourCase(OrderCase, HttpCase):
    """A register (Channel Store, its Bank method) for the POS channel, a cashier."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.write(
            {"name": "Last Unit Widget", "available_in_pos": True, "list_price": 10.0,
             "taxes_id": [(5, 0, 0)]}
        )  # fmt: skip
        bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        method = cls.env["pos.payment.method"].create({"name": "Bank", "journal_id": bank.id})
        cls.config = cls.env["pos.config"].create(
            {"name": "Channel Store", "payment_method_ids": [(6, 0, method.ids)]}
        )
        cls.pos.pos_config_id = cls.config
        cls.cashier = new_test_user(
            cls.env, "scs_cashier", groups="point_of_sale.group_pos_user,stock.group_stock_user"
        )


@tagged("post_install", "-at_install")
class TestPosLastUnitTour(PosTourCase):
    """In Chromium: the POS sells the last unit while a channel order for it arrives
    through the real signed webhook route; only one of them gets the unit."""

    def start_pos_tour(self, order_request):
        """Start the tour in the POS with the channel's signed order request (prepared
        here, sent by the tour from the payment screen) in `window.stockChannelSyncOrder`."""
        url = f"/pos/ui/{self.config.id}"
        code = (
            f"window.stockChannelSyncOrder = {json.dumps(order_request)};"
            f" odoo.startTour({json.dumps(TOUR)}, {json.dumps({'startUrl': url})});"
        )
        self.start_tour(url, TOUR, login=self.cashier.login, code=code)

    def test_the_pos_sells_the_last_unit_while_a_channel_order_for_it_arrives(self):
        self.assertEqual(self.config.picking_type_id.warehouse_id, self.warehouse)
        self.set_stock(self.product, 1)
        self.dispatch(until_empty=True)
        self.assertEqual((self.market_level(), self.shop_level()), (1, 1))
        body, headers = signed_order_request(
            self.secret, self.order_payload(ORDER_ID, [("WIDGET", 1)])
        )
        self.start_pos_tour(
            {"url": f"/stock_channel_sync/{self.market.code}/orders",
             "body": body.decode(), "headers": headers}
        )  # fmt: skip
        self.env.invalidate_all()

        # the POS sale is physical: it took the unit (under the variant lock)
        pos_order = self.env["pos.order"].search([("config_id", "=", self.config.id)])
        self.assertEqual(len(pos_order), 1)
        self.assertEqual(pos_order.state, "paid")
        self.assertEqual(pos_order.lines.mapped(lambda ln: (ln.product_id, ln.qty)),
                         [(self.product, 1.0)])  # fmt: skip
        self.assertEqual(pos_order.picking_ids.state, "done")
        self.assertEqual(pos_order.picking_ids.move_ids.quantity, 1.0)

        # the channel order was accepted and reserved first, then lost its unit: an incident
        order = self.order_of(ORDER_ID)
        self.assertEqual(len(order), 1)
        inbound = self.env["stock.channel.inbound"].search([("external_id", "=", ORDER_ID)])
        self.assertEqual(
            (inbound.authenticated, inbound.state, inbound.http_status, inbound.sale_order_id),
            (True, "done", 200, order),
            "through the signed webhook route",
        )
        self.assertEqual(inbound.response["status"], "accepted", "it reserved the unit first")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.picking_ids.move_ids.quantity, 0, "its reservation was taken")
        self.assertEqual(order.channel_status, "to_check")
        incident = self.env["stock.channel.incident"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(
            (incident.channel_id, incident.product_id, incident.qty_short, incident.resolved_at),
            (self.market, self.product, 1.0, False),
        )
        self.assertEqual(incident.cause, "taken", "taken by the POS sale, not push latency")

        # never sold twice: nothing on hand, no negative quant, nothing publishable
        quants = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id.usage", "=", "internal")]
        )
        self.assertEqual(sum(quants.mapped("quantity")), 0)
        self.assertFalse(quants.filtered(lambda q: q.quantity < 0), "no negative quant")
        self.assertEqual(self.product.qty_available, 0)
        for channel in self.channels:
            self.assertEqual(self.publishable(channel), 0, channel.name)

        # the quantity left is pushed to the channels: 0
        pending = self.outbox().filtered(lambda row: row.product_id == self.product)
        self.assertEqual(pending.channel_id, self.market | self.shop)
        self.dispatch(until_empty=True)
        self.assertEqual((self.market_level(), self.shop_level()), (0, 0))
        for channel in self.market | self.shop:
            pushed = [
                item["quantity"]
                for log in self.logs(channel, "done")
                for item in log.items or []
                if item.get("product_id") == self.product.id
            ]
            self.assertEqual(pushed[:1], [0], f"{channel.name}: the last push of the variant")


@tagged("post_install", "-at_install")
class TestPosChannelQuantityTour(PosTourCase):
    """In Chromium: the POS shows what its channel may sell of a product, and warns the
    cashier before selling a unit reserved for another channel's order; the sale wins
    when confirmed, and the oversell ledger records the order that lost its unit."""

    def test_the_pos_shows_its_channels_quantity_and_warns_before_a_reserved_unit(self):
        self.set_stock(self.product, 2)
        self.receive_order(self.order_payload("POS-RES-1", [("WIDGET", 1)]))
        order = self.order_of("POS-RES-1")
        self.assertEqual(order.picking_ids.move_ids.quantity, 1, "one unit reserved")
        self.assertEqual(
            self.config.stock_channel_availability(self.product.ids),
            {"channel": self.pos.display_name, "quantities": {str(self.product.id): 1}},
        )
        url = f"/pos/ui/{self.config.id}"
        self.start_tour(url, "stock_channel_sync_pos_channel_qty", login=self.cashier.login)
        self.env.invalidate_all()

        pos_order = self.env["pos.order"].search([("config_id", "=", self.config.id)])
        self.assertEqual((pos_order.state, pos_order.lines.qty), ("paid", 2.0))
        self.assertEqual(pos_order.picking_ids.move_ids.quantity, 2.0, "the sale won")
        self.assertEqual(order.picking_ids.move_ids.quantity, 0, "its reservation was taken")
        self.assertEqual(order.channel_status, "to_check")
        incident = self.env["stock.channel.incident"].search([("sale_order_id", "=", order.id)])
        self.assertEqual((incident.channel_id, incident.qty_short, incident.cause),
                         (self.market, 1.0, "taken"))  # fmt: skip

    def test_a_cashier_of_another_company_reads_nothing_of_this_register(self):
        company_b, _manager_b = self.second_company()
        cashier_b = new_test_user(
            self.env, "scs_cashier_b", groups="point_of_sale.group_pos_user",
            company_id=company_b.id, company_ids=company_b.ids,
        )  # fmt: skip
        with self.assertRaises(AccessError):
            self.config.with_user(cashier_b).stock_channel_availability(self.product.ids)
        self.assertEqual(
            self.config.with_user(self.cashier).stock_channel_availability(self.product.ids),
            {"channel": self.pos.display_name, "quantities": {str(self.product.id): 0}},
        )
