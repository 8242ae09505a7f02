from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..core.progress import QUARANTINE
from ..models.access import CHANNEL_MANAGER, STOCK_MANAGER, check_groups, check_rules

QUARANTINE_ACTIONS = [("release", "Release to stock"), ("scrap", "Scrap")]
# more lines than this (ir.config_parameter) are released or scrapped by a background job
BACKGROUND_LINES_PARAM = "stock_channel_sync.background_lines"
DEFAULT_BACKGROUND_LINES = 200
QUARANTINE_CHUNK = 100  # lines a background job releases or scraps between two commits


class StockQuarantineWizard(models.TransientModel):
    _name = "stock.quarantine.wizard"
    _description = "Release or scrap quarantined stock"

    action = fields.Selection(QUARANTINE_ACTIONS, required=True, default="release")
    line_ids = fields.One2many("stock.quarantine.wizard.line", "wizard_id", string="Lines")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") != "stock.quant" or "line_ids" not in fields_list:
            return res
        quants = self.env["stock.quant"].browse(self.env.context.get("active_ids", []))
        quants = quants.filtered(lambda q: not q.location_id.channel_sellable and q.quantity > 0)
        if not quants:
            raise UserError(self.env._("Select quantities that are in a quarantine location."))
        res["line_ids"] = [
            Command.create(
                {"quant_id": quant.id, "quantity": quant.quantity - quant.reserved_quantity}
            )
            for quant in quants
        ]
        return res

    def action_confirm(self):
        """Release or scrap: the quality decision on returned goods, for inventory or
        channel managers (releasing makes them sellable on every channel). Above
        `stock_channel_sync.background_lines` lines, checked here then done by a
        background job."""
        check_groups(self.env, STOCK_MANAGER, CHANNEL_MANAGER)
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.quantity > 0)
        check_rules(lines.quant_id)  # another company's quants, passed over RPC
        if not lines:
            raise UserError(self.env._("Nothing to do: set a quantity on at least one line."))
        lines._check_available()
        if len(lines) > self._background_lines():
            return self._queue(lines)
        if self.action == "scrap":
            return lines._scrap()
        return lines._release()

    @api.model
    def _background_lines(self):
        value = self.env["ir.config_parameter"].sudo().get_param(BACKGROUND_LINES_PARAM)
        try:
            return int(value) if value else DEFAULT_BACKGROUND_LINES
        except ValueError:
            return DEFAULT_BACKGROUND_LINES

    def _queue(self, lines):
        """The lines kept in a background job's payload; the job releases or scraps them
        QUARANTINE_CHUNK at a time."""
        payload = {
            "action": self.action,
            "lines": [[line.quant_id.id, line.quantity] for line in lines],
        }
        Job = self.env["stock.channel.job"]
        Job._start(QUARANTINE, total=len(lines), payload=payload)
        action = dict(QUARANTINE_ACTIONS)[self.action]
        return Job._queued_notification(
            self.env._(
                "%(action)s of %(count)s lines is queued: its progress shows in "
                "Inventory > Channels > Jobs.",
                action=action,
                count=len(lines),
            )
        )

    @api.model
    def _run_job(self, job):
        """A background job's lines, released or scrapped QUARANTINE_CHUNK at a time
        (each chunk checked as the wizard checks them)."""
        action, lines = job.payload["action"], job.payload["lines"]
        job._advance(job.done, len(lines))  # a job that paused goes on where it stopped
        for start in range(job.done, len(lines), QUARANTINE_CHUNK):
            chunk = lines[start : start + QUARANTINE_CHUNK]
            quants = self.env["stock.quant"].browse([quant_id for quant_id, _qty in chunk])
            missing = set(quants.ids) - set(quants.exists().ids)
            if missing:
                raise UserError(
                    self.env._(
                        "Quantities in quarantine were removed meanwhile: lines %(first)s to "
                        "%(last)s and the ones after them were not done (the %(done)s before "
                        "them were).",
                        first=start + 1,
                        last=start + len(chunk),
                        done=start,
                    )
                )
            wizard = self.create(
                {
                    "action": action,
                    "line_ids": [
                        Command.create({"quant_id": quant_id, "quantity": qty})
                        for quant_id, qty in chunk
                    ],
                }
            )
            wizard.line_ids._check_available()
            if action == "scrap":
                wizard.line_ids._scrap()
            else:
                wizard.line_ids._release()
            job._advance(start + len(chunk))


class StockQuarantineWizardLine(models.TransientModel):
    _name = "stock.quarantine.wizard.line"
    _description = "Release or scrap quarantined stock: line"

    wizard_id = fields.Many2one("stock.quarantine.wizard", required=True, ondelete="cascade")
    quant_id = fields.Many2one("stock.quant", required=True, ondelete="cascade")
    product_id = fields.Many2one(related="quant_id.product_id")
    lot_id = fields.Many2one(related="quant_id.lot_id")
    location_id = fields.Many2one(related="quant_id.location_id")
    quantity = fields.Float(digits="Product Unit", required=True)

    def _check_available(self):
        for line in self:
            available = line.quant_id.quantity - line.quant_id.reserved_quantity
            if line.product_id.uom_id.compare(line.quantity, available) > 0:
                raise UserError(
                    self.env._(
                        "Only %(qty)s %(uom)s of %(product)s are available in %(location)s.",
                        qty=available,
                        uom=line.product_id.uom_id.name,
                        product=line.product_id.display_name,
                        location=line.quant_id.location_id.display_name,
                    )
                )

    def _release(self):
        """One internal transfer per quarantine location, back to the warehouse's stock."""
        pickings = self.env["stock.picking"]
        for location in self.location_id:
            lines = self.filtered(lambda line, loc=location: line.location_id == loc)
            warehouse = location.warehouse_id
            if not warehouse:
                raise UserError(
                    self.env._(
                        "%(location)s belongs to no warehouse.", location=location.display_name
                    )
                )
            dest = warehouse.lot_stock_id
            picking = self.env["stock.picking"].create(
                {
                    "picking_type_id": warehouse.int_type_id.id,
                    "location_id": location.id,
                    "location_dest_id": dest.id,
                    "origin": self.env._("Quarantine release"),
                    "move_ids": [Command.create(line._move_values(dest)) for line in lines],
                }
            )
            picking._action_done()  # as Odoo validates a transfer: done and dated
            pickings |= picking
        return self._open(pickings)

    def _scrap(self):
        """One scrap a line, each done and recomputed before the next: mrp's scrap
        quantity compute (when mrp is installed) gets only the first scrap of a batch right."""
        for line in self:
            scrap = self.env["stock.scrap"].create(
                {
                    "product_id": line.product_id.id,
                    "product_uom_id": line.product_id.uom_id.id,
                    "scrap_qty": line.quantity,
                    "location_id": line.location_id.id,
                    "lot_id": line.lot_id.id,
                    "package_id": line.quant_id.package_id.id,
                    "owner_id": line.quant_id.owner_id.id,
                    "origin": self.env._("Quarantine"),
                    "company_id": line.quant_id.company_id.id,
                }
            )
            scrap.do_scrap()
            scrap.flush_recordset()
        return {"type": "ir.actions.act_window_close"}

    def _move_values(self, dest):
        quant = self.quant_id
        return {
            "product_id": self.product_id.id,
            "product_uom": self.product_id.uom_id.id,
            "product_uom_qty": self.quantity,
            "location_id": quant.location_id.id,
            "location_dest_id": dest.id,
            "company_id": quant.company_id.id,
            "picked": True,
            "move_line_ids": [
                Command.create(
                    {
                        "product_id": self.product_id.id,
                        "product_uom_id": self.product_id.uom_id.id,
                        "quantity": self.quantity,
                        "location_id": quant.location_id.id,
                        "location_dest_id": dest.id,
                        "lot_id": quant.lot_id.id,
                        "package_id": quant.package_id.id,
                        "owner_id": quant.owner_id.id,
                    }
                )
            ],
        }

    def _open(self, pickings):
        if len(pickings) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "stock.picking",
                "res_id": pickings.id,
                "view_mode": "form",
            }
        return {"type": "ir.actions.act_window_close"}
