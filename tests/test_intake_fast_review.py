"""Review of the fast intake path (issue 22): a cancellation while confirming, the
confirmation selling what the ledger reserved, units taken before the confirmation, a
Retry keeping the answered name."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..core import alerts
from ..models.stock_channel_inbound.fast import CONFIRM_CRONS
from .test_intake_fast import FastCase


@tagged("post_install", "-at_install")
class TestIntakeFastReview(FastCase):
    def cancel(self, order_id):
        return self.receive_order(
            {"type": "cancel", "id": order_id, "reason": "customer changed mind"},
            kind="cancel",
            url_ref=order_id,
        )

    def test_a_cancellation_while_confirming_cancels_the_order(self):
        self.set_stock(self.product, 3)
        before = self.publishable(self.market)
        inbound, _status, _answer = self.receive_order(self.order_payload("F-C1", [("WIDGET", 2)]))
        self.assertEqual(inbound.state, "reserved")
        cancel, status, answer = self.cancel("F-C1")
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.confirm()
        order = self.order_of("F-C1")
        self.assertFalse(order.filtered(lambda o: o.state != "cancel"), "never confirmed")
        self.assertEqual(cancel.state, "done")
        self.assertEqual(inbound.state, "done")
        self.assertIn("cancelled by the channel", inbound.error)
        self.assertEqual(set(self.rows("F-C1").mapped("state")), {"released"})
        self.assertEqual(self.publishable(self.market), before, "its units count again")

    def test_a_waiting_cancellation_is_honoured_by_the_confirmation(self):
        self.set_stock(self.product, 3)
        inbound, _status, _answer = self.receive_order(self.order_payload("F-C2", [("WIDGET", 1)]))
        # a cancellation left waiting (as one that crossed the order is)
        cancel = self.env["stock.channel.inbound"]._store(
            self.market, "cancel", json.dumps({"type": "cancel", "id": "F-C2"}).encode(), {}
        )
        cancel.write({"state": "waiting", "external_id": "F-C2"})
        self.confirm()
        self.assertFalse(self.order_of("F-C2").filtered(lambda o: o.state != "cancel"))
        self.assertEqual((inbound.state, cancel.state), ("done", "done"))
        self.assertEqual(set(self.rows("F-C2").mapped("state")), {"released"})

    def test_the_confirmation_sells_the_variant_the_ledger_reserved(self):
        self.set_stock(self.product, 3)
        self.set_stock(self.product_b, 3)
        inbound, _status, _answer = self.receive_order(self.order_payload("F-V1", [("WIDGET", 1)]))
        self.assertEqual(self.rows("F-V1").product_id, self.product)
        self.product.default_code = "WIDGET-OLD"
        self.product_b.default_code = "WIDGET"  # the SKU now names another variant
        self.confirm()
        order = self.order_of("F-V1")
        if order:
            self.assertEqual(order.order_line.product_id, self.product, "never B with A done")
        else:
            self.assertEqual((inbound.state, inbound.exception), ("exception", "to_check"))
            self.assertEqual(self.rows("F-V1").state, "released")

    def test_units_taken_before_the_confirmation_flag_the_order(self):
        self.set_stock(self.product, 1)
        _inbound, _status, answer = self.receive_order(self.order_payload("F-T1", [("WIDGET", 1)]))
        self.assertEqual(answer["status"], "accepted")
        backend = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Walk In"}).id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1})],
            }
        )
        # a flow that does not read the ledger (MRP consumption, a hand confirmation)
        backend.with_context(stock_channel_checked=True).action_confirm()
        self.assertEqual(self.reserved_qty(self.product), 1, "the back-end order took it")
        self.confirm()
        order = self.order_of("F-T1")
        self.assertEqual(order.channel_exception, "to_check", "not silently done")
        self.assertIn("shortfall", order.channel_exception_reason)
        incidents = self.env["stock.channel.incident"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(incidents.product_id, self.product)

    def test_a_retry_after_a_failed_confirmation_keeps_the_answered_name(self):
        self.set_stock(self.product, 3)
        inbound, _status, answer = self.receive_order(self.order_payload("F-R1", [("WIDGET", 1)]))
        self.product.default_code = "WIDGET-RENAMED"
        self.confirm()
        self.assertEqual(inbound.state, "exception")
        self.product.default_code = "WIDGET"
        inbound.action_retry()
        self.assertEqual(self.order_of("F-R1").name, answer["order"])

    def test_an_order_stuck_confirming_shows_in_the_acceptance_figure(self):
        for xmlid in CONFIRM_CRONS:
            self.env.ref(xmlid).active = False
        self.set_stock(self.product, 3)
        inbound, _status, _answer = self.receive_order(self.order_payload("F-S1", [("WIDGET", 1)]))
        self.assertEqual(inbound.state, "reserved")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_channel_inbound SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(minutes=90), inbound.id],
        )
        self.env.invalidate_all()
        figures = self.market._alert_figures(fields.Datetime.now())
        self.assertGreaterEqual(figures[self.market.id][alerts.ACCEPTANCE] or 0, 89)
        action = self.env.ref("stock_channel_sync.action_stock_channel_reservation")
        self.assertEqual(action.res_model, "stock.channel.reservation")
