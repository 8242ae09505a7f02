"""Google Merchant Center: the channel's Register button, the one-time registerGcp of the
service account key's Google Cloud project with the Merchant Center account
(core.connectors.merchant.MerchantConnector.register_developer)."""

from odoo import models
from odoo.exceptions import UserError

from ...core.errors import SyncError
from ..access import check_manager_of


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def action_merchant_register(self):
        """Register (a manager's button on a Merchant Center channel): the key's project
        registered with the account, the current user's e-mail its developer contact."""
        check_manager_of(self)
        self.ensure_one()
        if self.sudo().connector != "merchant":
            raise UserError(self.env._("Only a Google Merchant Center channel is registered."))
        email = (self.env.user.email or "").strip()
        if not email:
            raise UserError(
                self.env._(
                    "Your user has no e-mail: Google sends the API's announcements to the "
                    "developer's e-mail (a Google account's). Set it in your preferences."
                )
            )
        try:
            with self.sudo()._connector() as connector:
                connector.register_developer(email)
        except SyncError as error:
            raise UserError(str(error)) from None
        message = self.env._(
            "The Google Cloud project of the key is registered with the Merchant Center "
            "account, %(email)s its developer contact. Google takes calls about 5 minutes "
            "later: test the connection then.",
            email=email,
        )
        self.sudo().message_post(
            body=self.env._(
                "%(user)s registered the Google Cloud project of the key with the Merchant "
                "Center account, %(email)s its developer contact.",
                user=self.env.user.name,
                email=email,
            )
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False},
        }
