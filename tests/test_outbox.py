from odoo import Command
from odoo.tests import tagged

from .common import SyncCase


@tagged("post_install", "-at_install")
class TestOutbox(SyncCase):
    """Every change that can move a published quantity is recorded in its transaction."""

    def assertQueued(self, product=None, channels=None):
        product = product or self.product
        rows = self.outbox().filtered(lambda r: r.product_id == product)
        self.assertEqual(rows.channel_id, channels or (self.market | self.shop))
        return rows

    def local_line(self, channel, product=None):
        return self.env["stock.channel.quantity"].search(
            [("channel_id", "=", channel.id), ("product_id", "=", (product or self.product).id)]
        )

    def test_receipt_is_queued_for_connected_channels_only(self):
        picking = self.receive(self.product, 5)
        self.assertQueued()  # incoming changed
        self.outbox().unlink()
        picking.move_ids.quantity = 5
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertQueued()
        self.assertFalse(self.outbox(self.web), "the webshop has no connector: nothing to push")

    def test_sale_confirmation_and_cancellation_are_queued(self):
        self.set_stock(self.product, 10)
        self.outbox().unlink()
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "product_uom_qty": 3})
                ],
            }
        )
        self.assertFalse(self.outbox(), "a quotation moves nothing")
        order.action_confirm()
        self.assertQueued()
        self.outbox().unlink()
        order._action_cancel()
        self.assertQueued()

    def test_inventory_adjustment_is_queued_first(self):
        self.set_stock(self.product, 10)
        rows = self.assertQueued()
        self.assertEqual(set(rows.mapped("priority")), {10})

    def test_quarantine_moves_and_scrap_are_queued(self):
        self.set_stock(self.product, 10)
        self.outbox().unlink()
        self.env["stock.scrap"].create(
            {"product_id": self.product.id, "scrap_qty": 1, "location_id": self.stock_location.id}
        ).do_scrap()
        self.assertQueued()
        self.outbox().unlink()
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.int_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.quarantine.id,
                "move_ids": [Command.create({
                    "product_id": self.product.id, "product_uom_qty": 2,
                    "location_id": self.stock_location.id, "location_dest_id": self.quarantine.id,
                })],
            }
        )  # fmt: skip
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertQueued()

    def test_many_changes_coalesce_into_one_row(self):
        for qty in (5, 7, 9, 11):
            self.set_stock(self.product, qty)
            self.flush_outbox()
        self.assertEqual(len(self.outbox(self.market)), 1)

    def test_policy_change_and_restore_queue_every_variant(self):
        rule = self.add_rule(self.market, safety_buffer=1)
        self.assertQueued(self.product)
        self.assertQueued(self.product_b)
        self.outbox().unlink()
        self.policy.version_ids[-1].action_restore()
        self.assertQueued(self.product)
        self.outbox().unlink()
        rule.exists() and rule.unlink()
        self.add_rule(self.pos, ring_fenced_qty=3)
        self.assertQueued(self.product_b)

    def test_channel_change_queues_its_warehouse(self):
        self.pos.allow_backorder = True
        self.assertQueued(self.product)

    def test_rollback_leaves_nothing(self):
        with self.assertRaises(ZeroDivisionError), self.cr.savepoint():
            self.set_stock(self.product, 3)
            raise ZeroDivisionError
        self.assertFalse(self.outbox())

    def test_commit_triggers_the_dispatch_cron(self):
        cron = self.env.ref("stock_channel_sync.ir_cron_dispatch")
        Trigger = self.env["ir.cron.trigger"]
        Trigger.search([("cron_id", "=", cron.id)]).unlink()  # a run took them
        self.set_stock(self.product, 3)
        self.flush_outbox()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 1)
        # a trigger due now and not taken yet wakes the run: the next change adds none
        self.set_stock(self.product, 4)
        self.flush_outbox()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 1)

    def test_channels_without_a_connector_refresh_their_quantities_at_the_commit(self):
        """The webshop and the POS have nothing to push: their quantities are refreshed
        at the commit of the stock change, as the others' pushes are queued (not by the
        hourly refresh), for the variants that changed."""
        Quantity = self.env["stock.channel.quantity"]
        Quantity.search([("channel_id", "in", (self.web | self.pos).ids)]).unlink()
        self.set_stock(self.product, 16)
        self.flush_outbox()
        for channel in self.web | self.pos:
            self.assertEqual(self.local_line(channel).publishable_qty, 16, channel.name)
            self.assertFalse(self.local_line(channel, self.product_b), "not changed")
        self.assertFalse(self.outbox(self.web) | self.outbox(self.pos), "nothing to push")
        self.set_stock(self.product, 13)
        self.flush_outbox()
        self.assertEqual(self.local_line(self.web).publishable_qty, 13)
        cron = self.env.ref("stock_channel_sync.ir_cron_refresh_quantities")
        Trigger = self.env["ir.cron.trigger"]
        woken = Trigger.search_count([("cron_id", "=", cron.id)])
        self.add_rule(self.market, ring_fenced_qty=2)  # a policy change: every variant
        self.flush_outbox()
        self.assertGreater(
            Trigger.search_count([("cron_id", "=", cron.id)]), woken,
            "every variant: the refresh cron is woken at the commit, not run inside it",
        )  # fmt: skip
        self.env["stock.channel"]._cron_refresh_quantities()
        for channel in self.web | self.pos:
            self.assertEqual(self.local_line(channel).publishable_qty, 11, channel.name)
            self.assertEqual(self.local_line(channel, self.product_b).publishable_qty, 0)
