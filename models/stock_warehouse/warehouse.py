from datetime import timedelta

import pytz

from odoo import fields, models

from ...core import pickup


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    quarantine_location_id = fields.Many2one(
        "stock.location",
        check_company=True,
        help="Non-sellable location where customer returns wait for their quality check.",
    )
    returns_to_quarantine = fields.Boolean(
        default=True,
        help="In a warehouse that serves a sales channel, customer returns land in the "
        "Quarantine location instead of stock; a user releases them to stock after the "
        "quality check, or scraps them.",
    )

    pickup_ready_hours = fields.Float(
        string="Pickup Preparation Time",
        default=2.0,
        help="Click & collect: the hours the store takes to prepare a cart it holds, "
        'while it is open (the webshop says "Ready in 2 h").',
    )
    _pickup_ready_hours_positive = models.Constraint(
        "CHECK(pickup_ready_hours >= 0)",
        "The pickup preparation time cannot be negative.",
    )

    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        code = (vals.get("code") or code or "").replace(" ", "").upper()
        company_id = vals.get("company_id", self.default_get(["company_id"])["company_id"])
        values["quarantine_location_id"] = {
            "name": self.env._("Quarantine"),
            "active": True,
            "usage": "internal",
            "channel_sellable": False,
            "barcode": self._valid_barcode(code + "QUARANTINE", company_id),
        }
        return values

    def _returns_to_quarantine(self):
        """Whether customer returns of this warehouse go to its Quarantine: the option is
        on and the warehouse serves at least one sales channel (warehouses outside the
        channels keep Odoo's own return routing)."""
        self.ensure_one()
        return bool(
            self.returns_to_quarantine
            and self.quarantine_location_id
            and self.env["stock.channel"]
            .sudo()
            .search_count([("warehouse_id", "=", self.id)], limit=1)
        )

    def _pickup_ready_words(self, has_stock, now=None):
        """What the pickup location list says of this store (core.pickup.ready_words):
        open now, long enough to prepare the cart, by its opening hours (in its time
        zone, the calendar's closing days counted; a store without opening hours counts
        as open), else its next opening within a week."""
        self.ensure_one()
        calendar = self.sudo().opening_hours
        if not calendar:
            return pickup.ready_words(has_stock, True, self.pickup_ready_hours)
        tz = pytz.timezone(self.partner_id.tz or calendar.tz or "UTC")
        local_now = pytz.utc.localize(now or fields.Datetime.now()).astimezone(tz)
        intervals = calendar._work_intervals_batch(local_now, local_now + timedelta(days=8), tz=tz)
        spans = [(start, end) for start, end, _attendance in intervals[False]]
        open_now, next_open = pickup.opening_state(spans, local_now, self.pickup_ready_hours)
        return pickup.ready_words(
            has_stock, open_now, self.pickup_ready_hours, next_open, local_now
        )

    def _ensure_quarantine_location(self):
        """Create <WH>/Quarantine where a warehouse (made before install) has none."""
        self._create_missing_locations({})
