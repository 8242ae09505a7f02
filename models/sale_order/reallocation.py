"""Reallocation: a confirmed order's deliveries not yet prepared move to another
warehouse (customer service, a store taking an offered order)."""

from odoo import models
from odoo.exceptions import UserError

from ..access import ORDER_SERVICE_GROUPS, check_manager_of


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_channel_reallocate(self, warehouse_id, reason):
        """Button (customer service's wizard): reallocate self to warehouse `warehouse_id`."""
        check_manager_of(self, *ORDER_SERVICE_GROUPS)
        Warehouse = self.env["stock.warehouse"].with_context(active_test=False)
        warehouse = Warehouse.browse(warehouse_id).exists()
        if not warehouse:
            raise UserError(self.env._("Choose the warehouse the order should ship from."))
        warehouse.check_access("read")
        if warehouse.company_id not in self.env.companies:
            raise UserError(
                self.env._("%(warehouse)s is not a warehouse of your companies.",
                           warehouse=warehouse.name)
            )  # fmt: skip
        for order in self:
            order._channel_reallocate(warehouse, reason)
        return True

    def _channel_reallocate(self, warehouse, reason):
        """Move the not-yet-prepared deliveries of this confirmed order to `warehouse`,
        under the variant locks: UserError when a delivery is prepared or shipped, or
        when `warehouse` lacks stock (naming what is short). The old sourcing rows are
        released, a new one recorded, a line appended to the explain, and the channels
        drawing from both warehouses republished, all in this transaction."""
        self.ensure_one()
        order = self.sudo()
        warehouse = warehouse.sudo()
        lines = order._channel_reallocate_check(warehouse)
        old = lines.warehouse_id
        needed = order._channel_needed_quantities()
        products = self.env["product.product"].union(*needed)
        self.env["stock.channel.variant.lock"].sudo()._acquire(products)
        order._channel_reallocate_check_capacity(warehouse, lines)
        order._channel_reallocate_check_stock(warehouse, needed)
        order._channel_open_moves()._action_cancel()
        if order.warehouse_id != warehouse:
            order.warehouse_id = warehouse
        lines.channel_source_warehouse_id = warehouse
        lines._action_launch_stock_rule()
        order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")).action_assign()
        words = self.env._(
            "Reallocated to %(warehouse)s by %(user)s: %(reason)s",
            warehouse=warehouse.name,
            user=self.env.user.name,
            reason=reason or "",
        )
        order.channel_sourcing_ids.filtered(lambda r: r.state == "active")._release(words)
        order._channel_record_sourcing(order._channel_for_check(), {warehouse: lines})
        order._channel_explain_append(words)
        order._channel_republish_warehouses(products, old | warehouse)
        order._channel_enqueue_status()
        return True

    def _channel_reallocate_check(self, warehouse):
        """The goods lines of this order to move, or UserError when it may not move."""
        self.ensure_one()
        if self.state != "sale":
            raise UserError(
                self.env._("%(order)s is not a confirmed order: it cannot be reallocated.",
                           order=self.name)
            )  # fmt: skip
        if not warehouse.active:
            raise UserError(
                self.env._("%(warehouse)s is archived: it cannot take %(order)s.",
                           warehouse=warehouse.name, order=self.name)
            )  # fmt: skip
        if warehouse.company_id != self.company_id:
            raise UserError(
                self.env._("%(warehouse)s is not a warehouse of the order's company.",
                           warehouse=warehouse.name)
            )  # fmt: skip
        lines = self.order_line.filtered(
            lambda line: not line.display_type and line.product_id.type == "consu"
        )
        if not lines:
            raise UserError(self.env._("%(order)s has no goods to ship.", order=self.name))
        if lines.warehouse_id == warehouse:
            raise UserError(
                self.env._("%(order)s already ships from %(warehouse)s.",
                           order=self.name, warehouse=warehouse.name)
            )  # fmt: skip
        self._channel_open_moves()  # refuses a prepared order
        return lines

    def _channel_open_moves(self):
        """The outgoing moves of self not done nor cancelled, their earlier steps (pick,
        pack) with them; UserError when one of them is done or picked. The chain stops at
        the warehouse's own steps: a receipt or a manufacturing order feeding it (MTO)
        stays."""
        moves = self.order_line.move_ids.filtered(_own_step)  # not a return, not an MO's
        chain = moves
        while moves:
            moves = (moves.move_orig_ids - chain).filtered(_own_step)
            chain |= moves
        chain = chain.filtered(lambda m: m.state != "cancel")
        prepared = chain.filtered(lambda m: m.state == "done" or m.picked)
        if prepared:
            raise UserError(
                self.env._(
                    "%(order)s cannot be reallocated: %(pickings)s is already prepared or shipped.",
                    order=self.name,
                    pickings=", ".join(prepared.picking_id.mapped("name")) or "a delivery",
                )
            )
        return chain

    def _channel_reallocate_check_capacity(self, warehouse, lines):
        """UserError when `warehouse` has no place left today for self (`lines`: its
        goods lines) under its daily capacity on the order's channel, its load counted
        under the capacity lock."""
        channel = self._channel_for_check()
        if not channel:
            return
        source = channel.sudo().source_ids.filtered(
            lambda s: s.warehouse_id == warehouse and s.daily_capacity
        )[:1]
        if not source:
            return
        self._channel_lock_capacity(source)
        Sourcing = self.env["stock.channel.sourcing"]
        day = Sourcing._local_day(warehouse, cutoff_hour=source.cutoff_hour)
        orders, count = Sourcing._load([warehouse.id], {day}).get((warehouse.id, day), (0, 0))
        in_lines = source.capacity_unit == "lines"
        load, need = (count, len(lines)) if in_lines else (orders, 1)
        if load + need > source.daily_capacity:
            raise UserError(
                self.env._(
                    "%(warehouse)s is at capacity (%(load)s/%(capacity)s %(unit)s today):"
                    " it cannot take %(order)s.",
                    warehouse=warehouse.name,
                    load=load,
                    capacity=source.daily_capacity,
                    unit=self.env._("lines") if in_lines else self.env._("orders"),
                    order=self.name,
                )
            )

    def _channel_reallocate_check_stock(self, warehouse, needed):
        """UserError naming the products `warehouse` cannot serve of `needed`
        {product: qty} (the order's own reservation elsewhere does not count there)."""
        products = self.env["product.product"].union(*needed)
        channel = self._channel_for_check()
        if channel:
            available = channel._source_orderable(warehouse, products)
        else:
            free = products.with_context(warehouse_id=warehouse.id)
            available = {product.id: product.free_qty for product in free}
        short = {
            product: (qty, available[product.id])
            for product, qty in needed.items()
            if product.uom_id.compare(qty, available[product.id]) > 0
        }
        if short:
            raise UserError(
                self.env._(
                    "%(warehouse)s cannot take %(order)s: %(reason)s",
                    warehouse=warehouse.name,
                    order=self.name,
                    reason=self._channel_shortfall_reason(short),
                )
            )

    def _channel_republish_warehouses(self, products, warehouses):
        """Queue pushes of `products` for the channels drawing from `warehouses`."""
        pairs = self.env["stock.channel"].sudo()._drawing_from(warehouses.ids)
        channels = self.env["stock.channel"].union(*[channel for channel, _ids in pairs])
        if channels and products:
            self.env["stock.channel.outbox"].sudo()._enqueue(products=products, channels=channels)


def _own_step(move):
    """Whether `move` is a step of its warehouse's delivery (pick, pack), from inside it."""
    warehouse = move.picking_type_id.warehouse_id
    steps = warehouse.pick_type_id | warehouse.pack_type_id | warehouse.out_type_id
    return (
        move.location_id.usage == "internal"
        and move.location_id.warehouse_id == warehouse
        and move.picking_type_id in steps
    )
