"""The drain of the fast intake's backlog (confirm.py): two workers confirm full batches
side by side (a claim passes over the orders of variants the other is confirming), and
orders confirmed with all their units queue no push."""

from odoo import sql_db
from odoo.tests import tagged

from ..models.stock_channel_inbound.confirm import LOCK_SPACE
from .test_intake_fast import FastCase


@tagged("post_install", "-at_install")
class TestIntakeDrain(FastCase):
    def reserve(self, prefix, lines, count):
        return self.env["stock.channel.inbound"].union(
            *(
                self.receive_order(self.order_payload(f"{prefix}{index}", lines))[0]
                for index in range(count)
            )
        )

    def test_a_claim_fills_its_batch_past_the_variants_another_worker_confirms(self):
        self.set_stock(self.product, 10)
        self.set_stock(self.product_b, 10)
        widgets = self.reserve("F-DW", [("WIDGET", 1)], 2)  # the oldest
        both = self.reserve("F-DB", [("GADGET", 1), ("WIDGET", 1)], 1)
        gadgets = self.reserve("F-DG", [("GADGET", 1)], 2)
        self.assertEqual(set((widgets | both | gadgets).mapped("state")), {"reserved"})
        Inbound = self.env["stock.channel.inbound"]
        # another worker (its own connection) confirming orders of WIDGET
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, self.product.id])
            claimed = Inbound._claim_reserved(2)
        finally:
            other.rollback()
            other.close()
        self.assertEqual(claimed, gadgets, "a full batch of the orders it may confirm")
        self.assertEqual(self.confirm(), 5, "all of them, once WIDGET is free")
        self.assertEqual(set((widgets | both | gadgets).mapped("state")), {"done"})

    def test_orders_confirmed_with_all_their_units_queue_no_push(self):
        self.set_stock(self.product, 10)
        self.set_stock(self.product_b, 10)
        inbounds = self.reserve("F-DN", [("WIDGET", 1), ("GADGET", 2)], 3)
        self.assertTrue(self.outbox(self.market), "the reservations pushed at once")
        self.outbox().unlink()
        publishable = self.publishable(self.market)
        self.assertEqual(self.confirm(), 3)
        self.assertEqual(set(inbounds.sale_order_id.mapped("state")), {"sale"})
        self.assertEqual(self.reserved_qty(self.product_b), 6)
        self.assertFalse(self.outbox(), "figures unchanged: nothing to push, no status")
        self.assertEqual(self.publishable(self.market), publishable)

    def test_an_order_confirmed_short_queues_its_variant(self):
        self.set_stock(self.product, 1)
        self.set_stock(self.product_b, 10)
        self.reserve("F-DS", [("WIDGET", 1)], 1)
        self.reserve("F-DF", [("GADGET", 1)], 1)
        backend = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Walk In"}).id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1})],
            }
        )
        backend.with_context(stock_channel_checked=True).action_confirm()  # took WIDGET
        self.outbox().unlink()
        self.confirm()
        self.assertEqual(self.order_of("F-DS0").channel_exception, "to_check")
        queued = self.outbox(self.market)
        self.assertIn(self.product, queued.product_id, "the short variant is pushed")
        self.assertNotIn(self.product_b, queued.product_id, "the other order settled")
