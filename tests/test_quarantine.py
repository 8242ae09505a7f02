from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ChannelStockCase


@tagged("post_install", "-at_install")
class TestQuarantine(ChannelStockCase):
    def test_every_warehouse_has_a_non_sellable_quarantine(self):
        self.assertEqual(self.quarantine.complete_name, f"{self.warehouse.code}/Quarantine")
        self.assertFalse(self.quarantine.channel_sellable)
        self.assertEqual(self.quarantine.usage, "internal")
        new = self.env["stock.warehouse"].create({"name": "Second", "code": "SEC"})
        self.assertEqual(new.quarantine_location_id.complete_name, "SEC/Quarantine")
        self.assertFalse(new.quarantine_location_id.channel_sellable)

    def test_install_hook_gives_older_warehouses_a_quarantine(self):
        warehouse = self.env["stock.warehouse"].create({"name": "Old", "code": "OLD"})
        old = warehouse.quarantine_location_id
        warehouse.quarantine_location_id = False
        old.unlink()
        warehouse._ensure_quarantine_location()
        self.assertEqual(warehouse.quarantine_location_id.complete_name, "OLD/Quarantine")

    def test_quarantine_stock_is_visible_but_never_publishable(self):
        self.set_stock(self.product, 6, self.quarantine)
        self.assertEqual(self.product.with_context(warehouse_id=self.warehouse.id).qty_available, 6)
        for channel in self.channels:
            self.assertEqual(self.publishable(channel), 0)
        self.add_rule(self.market, backorder_qty=0, include_incoming_days=30)
        self.assertEqual(self.publishable(self.market), 0)

    def test_sub_locations_of_quarantine_are_non_sellable_too(self):
        shelf = self.env["stock.location"].create(
            {"name": "QC shelf", "location_id": self.quarantine.id, "usage": "internal"}
        )
        self.set_stock(self.product, 5, shelf)
        self.set_stock(self.product, 2)
        self.assertEqual(self.publishable(self.web), 2)

    def test_a_location_flagged_moved_or_archived_is_seen_by_the_next_figures(self):
        """The non-sellable locations are kept in Odoo's cache: a change of a location is
        seen by the next computation (its write clears the cache)."""
        shelf = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.stock_location.id, "usage": "internal"}
        )
        self.set_stock(self.product, 5, shelf)
        self.set_stock(self.product, 2)
        self.assertEqual(self.publishable(self.web), 7)
        self.assertEqual(self.web._orderable(self.product)[self.product.id], 7)
        shelf.channel_sellable = False
        self.assertEqual(self.publishable(self.web), 2, "flagged non-sellable")
        self.assertEqual(self.web._orderable(self.product)[self.product.id], 2)
        shelf.channel_sellable = True
        self.assertEqual(self.publishable(self.web), 7, "sellable again")
        shelf.location_id = self.quarantine
        self.assertEqual(self.publishable(self.web), 2, "moved under the quarantine")
        self.assertEqual(self.web._orderable(self.product)[self.product.id], 2)
        shelf.location_id = self.stock_location
        self.assertEqual(self.publishable(self.web), 7, "moved back")
        self.quarantine.channel_sellable = True
        self.assertEqual(self.web._orderable(self.product)[self.product.id], 7)
        self.set_stock(self.product, 4, self.quarantine)
        self.assertEqual(self.web._orderable(self.product)[self.product.id], 11, "unflagged")

    def _customer_return(self, qty):
        self.set_stock(self.product, 10)
        delivery = self.deliver(self.product, qty, validate=True)
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=delivery.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = qty
        action = wizard.action_create_returns()
        picking = self.env["stock.picking"].browse(action["res_id"])
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        picking.button_validate()
        return picking

    def test_customer_returns_land_in_quarantine(self):
        returned = self._customer_return(3)
        self.assertEqual(returned.location_dest_id, self.quarantine)
        self.assertEqual(returned.move_ids.location_dest_id, self.quarantine)
        self.assertEqual(returned.state, "done")
        self.assertEqual(self.publishable(self.web), 7)

    def test_returns_go_to_stock_when_quarantine_is_off(self):
        self.warehouse.returns_to_quarantine = False
        returned = self._customer_return(3)
        self.assertEqual(returned.location_dest_id, self.stock_location)
        self.assertEqual(self.publishable(self.web), 10)

    def test_warehouses_without_channels_keep_odoo_return_routing(self):
        self.channels.action_archive()
        self.assertFalse(self.warehouse._returns_to_quarantine())
        returned = self._customer_return(3)
        self.assertEqual(returned.location_dest_id, self.stock_location)

    def _wizard(self, action, qty=None):
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.quarantine.id)]
        )
        wizard = (
            self.env["stock.quarantine.wizard"]
            .with_context(active_model="stock.quant", active_ids=quant.ids)
            .create({"action": action})
        )
        if qty is not None:
            wizard.line_ids.quantity = qty
        return wizard

    def test_release_from_quarantine_raises_publishable(self):
        self._customer_return(3)
        self.channels._refresh_quantities(self.product)
        before = {q.channel_id: q.publishable_qty for q in self.product.channel_quantity_ids}
        self._wizard("release", 2).action_confirm()
        self.assertEqual(self.publishable(self.web), 9)
        moves = self.env["stock.move"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.quarantine.id)]
        )
        self.assertEqual(moves.state, "done")
        self.assertEqual(moves.location_dest_id, self.stock_location)
        self.assertTrue(moves.picking_id, "the release is a traced transfer")
        changed = self.channels._refresh_quantities(self.product)
        self.assertEqual(len(changed), 3)
        for line in self.product.channel_quantity_ids:
            self.assertEqual(line.publishable_qty, before[line.channel_id] + 2)

    def test_released_transfer_is_done_with_an_effective_date(self):
        """The release is validated as a transfer, not only its moves: done, dated."""
        self._customer_return(3)
        action = self._wizard("release", 2).action_confirm()
        picking = self.env["stock.picking"].browse(action["res_id"])
        self.assertEqual(picking.origin, "Quarantine release")
        self.assertEqual(picking.state, "done")
        self.assertTrue(picking.date_done, "a done transfer carries its effective date")
        self.assertEqual(picking.move_ids.date, picking.date_done)

    def test_scrap_from_quarantine_keeps_publishable(self):
        self._customer_return(3)
        self._wizard("scrap").action_confirm()
        self.assertEqual(self.publishable(self.web), 7)
        scrap = self.env["stock.scrap"].search([("product_id", "=", self.product.id)])
        self.assertEqual(scrap.state, "done")
        self.assertEqual(scrap.scrap_qty, 3)
        self.assertEqual(self.product.with_context(location=self.quarantine.id).qty_available, 0)

    def test_wizard_refuses_more_than_available_and_sellable_quants(self):
        self._customer_return(3)
        with self.assertRaises(UserError):
            self._wizard("release", 4).action_confirm()
        stock_quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.stock_location.id)]
        )
        with self.assertRaises(UserError):
            self.env["stock.quarantine.wizard"].with_context(
                active_model="stock.quant", active_ids=stock_quant.ids
            ).create({})
        wizard = self._wizard("release")
        wizard.line_ids = [Command.clear()]
        with self.assertRaises(UserError):
            wizard.action_confirm()
