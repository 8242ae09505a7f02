from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    channel_peak_active = fields.Boolean(
        string="Channel Peak Mode",
        help="While on, the peak-period allocation policy applies to all sales channels "
        "of the company instead of the standard one.",
    )
