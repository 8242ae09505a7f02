from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .access import check_manager_of


class StockChannelHold(models.Model):
    """Units of a variant held in a warehouse for a customer ("held for a VIP order"):
    invisible to every channel (core.allocation.Stock.held) while the hold is active and
    its date not past."""

    _name = "stock.channel.hold"
    _description = "Customer Hold"
    _order = "date_until, id"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        string="Variant",
        required=True,
        index=True,
        check_company=True,
        domain=[("is_storable", "=", True)],
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        index=True,
        check_company=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    company_id = fields.Many2one(
        related="warehouse_id.company_id", store=True, index=True, precompute=True
    )
    quantity = fields.Float(digits="Product Unit", required=True, default=1.0)
    uom_id = fields.Many2one(related="product_id.uom_id")
    reason = fields.Char(help="e.g. held for a VIP order.")
    date_until = fields.Date(
        string="Held Until",
        help="The last day the units are held; the next day they count for the channels "
        "again (the hourly refresh of the quantities archives the hold and republishes).",
    )
    active = fields.Boolean(default=True)

    @api.constrains("quantity")
    def _check_quantity(self):
        if any(hold.quantity <= 0 for hold in self):
            raise ValidationError(self.env._("A hold holds a positive quantity."))

    @api.depends("partner_id", "product_id", "quantity")
    def _compute_display_name(self):
        for hold in self:
            hold.display_name = self.env._(
                "%(qty)s %(product)s for %(partner)s",
                qty=f"{hold.quantity:g}",
                product=hold.product_id.display_name or "",
                partner=hold.partner_id.display_name or "",
            )

    # ------------------------------------------------------------------
    # Republish the variants whose held units change, in the same transaction
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        holds = super().create(vals_list)
        holds._republish()
        return holds

    def write(self, vals):
        self._republish()  # where the units were held (the warehouse or variant may change)
        res = super().write(vals)
        self._republish()
        return res

    def unlink(self):
        self._republish()
        return super().unlink()

    def _republish(self):
        Outbox = self.env["stock.channel.outbox"]
        for warehouse in self.warehouse_id:
            holds = self.filtered(lambda hold, wh=warehouse: hold.warehouse_id == wh)
            Outbox._enqueue(products=holds.product_id, warehouses=warehouse)

    def action_release(self):
        """Release the held units: the hold is archived, the channels publish them again."""
        check_manager_of(self)
        self.sudo().active = False
        return True

    @api.model
    def _expire(self, today=None):
        """Archive the holds whose date is past (called by the hourly refresh cron)."""
        today = today or fields.Date.today()  # UTC, whoever reads (as the receipts)
        self.sudo().search([("date_until", "<", today)]).active = False

    @api.model
    def _held(self, warehouse, products, today=None):
        """{product_id: units held} in `warehouse` for `products`, in one grouped query."""
        today = today or fields.Date.today()  # UTC, whoever reads (as the receipts)
        domain = [
            ("warehouse_id", "=", warehouse.id),
            ("product_id", "in", products.ids),
            "|",
            ("date_until", "=", False),
            ("date_until", ">=", today),
        ]
        Hold = self.sudo()
        # most warehouses hold nothing: no grouped query over every variant then
        if not Hold.search_count([*domain[:1], *domain[2:]], limit=1):
            return {}
        return {
            product.id: qty
            for product, qty in Hold._read_group(domain, ["product_id"], ["quantity:sum"])
        }
