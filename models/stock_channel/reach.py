"""Whether a channel can be reached, and each variant on it: the variants waiting for a
binding (the connector cannot address them: nothing is queued for them, they are never
a dead letter), and the channel paused while it cannot be reached at all (no
connection: its pushes wait, the channel is tried again with a backoff of hours, one
alert, and it resumes by itself; see core.backoff.unreachable_pause)."""

from datetime import timedelta

from odoo import api, fields, models

from ...core import alerts, backoff
from ...core.dispatch import utcnow


class StockChannel(models.Model):
    _inherit = "stock.channel"

    waiting_binding_count = fields.Integer(
        string="Waiting for a Binding",
        compute="_compute_waiting_binding_count",
        help="Variants the channel publishes that its connector cannot address yet (no "
        "platform id: Shopify inventory item, WooCommerce product, bol.com offer; no SKU): "
        "nothing is pushed for them until Import mapping (or a binding) gives one.",
    )
    unreachable_since = fields.Datetime(
        readonly=True, copy=False, help="The channel could not be reached since then."
    )
    unreachable_tries = fields.Integer(
        readonly=True, copy=False, help="Tries in a row that could not reach the channel."
    )
    unreachable_retry_at = fields.Datetime(
        string="Next Try",
        readonly=True,
        copy=False,
        help="When the channel is tried again; its pushes wait until then.",
    )
    unreachable_status = fields.Char(compute="_compute_unreachable_status")

    def _compute_waiting_binding_count(self):
        Outbox = self.env["stock.channel.outbox"].sudo()
        for channel in self:
            book = Outbox._address_book(channel) if channel.id and channel.connector else {}
            channel.waiting_binding_count = sum(not ok for ok in book.values())

    @api.depends("unreachable_since", "unreachable_retry_at")
    @api.depends_context("tz")
    def _compute_unreachable_status(self):
        for channel in self:
            channel.unreachable_status = channel.unreachable_since and self.env._(
                "Unreachable since %(since)s: pushes wait, next try at %(next)s.",
                since=channel._clock(channel.unreachable_since),
                next=channel._clock(channel.unreachable_retry_at),
            )

    def _clock(self, when):
        """HH:MM of `when` in the user's time zone (the responsible user's, for the
        dispatcher, which has none)."""
        if not when:
            return "?"
        tz = self.env.context.get("tz") or self.user_id.tz or "UTC"
        return fields.Datetime.context_timestamp(self.with_context(tz=tz), when).strftime("%H:%M")

    def action_open_waiting_bindings(self):
        """The variants waiting for a binding on this channel (its readers only)."""
        self.ensure_one()
        self.check_access("read")
        book = self.env["stock.channel.outbox"].sudo()._address_book(self) if self.connector else {}
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Waiting for a Binding: %(channel)s", channel=self.display_name),
            "res_model": "product.product",
            "view_mode": "list,form",
            "domain": [("id", "in", [pid for pid, ok in book.items() if not ok])],
        }

    # ------------------------------------------------------------------
    # Unreachable: paused as a whole, tried again with a backoff of hours
    # ------------------------------------------------------------------
    def _mark_unreachable(self, error):
        """A try could not reach the channel: paused until the next try (one alert, at the
        first); returns the seconds until it."""
        self.ensure_one()
        first = not self.unreachable_since
        now = utcnow()
        tries = self.unreachable_tries + 1
        pause = backoff.unreachable_pause(tries)
        self.write(
            {
                "unreachable_since": self.unreachable_since or now,
                "unreachable_tries": tries,
                "unreachable_retry_at": now + timedelta(seconds=pause),
            }
        )
        if first:
            self.env["stock.channel.alert"].sudo()._open_unreachable(self, str(error))
        return pause

    def _mark_reachable(self):
        """The channel answered (whatever it said): its pushes go out again."""
        paused = self.filtered("unreachable_since")
        if not paused:
            return
        Alert = self.env["stock.channel.alert"].sudo()
        for channel in paused:
            minutes = alerts.minutes_between(channel.unreachable_since, utcnow())
            Alert.search(
                [
                    ("channel_id", "=", channel.id),
                    ("kind", "=", alerts.UNREACHABLE),
                    ("state", "=", "open"),
                ]
            )._close(
                self.env._(
                    "%(channel)s answers again (unreachable for %(minutes)s min).",
                    channel=channel.display_name,
                    minutes=minutes,
                )
            )
        paused.write(
            {"unreachable_since": False, "unreachable_tries": 0, "unreachable_retry_at": False}
        )
