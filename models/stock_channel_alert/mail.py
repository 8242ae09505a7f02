"""An alert opened is e-mailed to the channel's responsible and, when the channel says
so (alert_email_followers), to its followers: one mail.mail from the alert's template."""

from odoo import Command, api, models

MAIL_TEMPLATE = "stock_channel_sync.mail_template_channel_alert"


class StockChannelAlert(models.Model):
    _inherit = "stock.channel.alert"

    @api.model_create_multi
    def create(self, vals_list):
        alerts = super().create(vals_list)
        alerts._send_alert_mail()
        return alerts

    def _mail_recipients(self):
        """The partners the alert is e-mailed to: the channel's responsible (the alert's
        user), and the channel's followers when it e-mails them; those with an address."""
        self.ensure_one()
        channel = self.channel_id.sudo()
        partners = self.user_id.partner_id
        if channel.alert_email_followers:
            partners |= channel.message_partner_ids
        return partners.filtered("email")

    def _send_alert_mail(self):
        """Queue one e-mail per alert to its recipients (sent by the mail queue)."""
        template = self.env.ref(MAIL_TEMPLATE, raise_if_not_found=False)
        if not template:
            return
        for alert in self:
            partners = alert._mail_recipients()
            if partners:
                template.sudo().send_mail(
                    alert.id,
                    email_values={"recipient_ids": [Command.set(partners.ids)]},
                    email_layout_xmlid="mail.mail_notification_light",
                )
