"""The Customer Service screen's two read-only panes of an order: its status across the
systems (Odoo, the channel, each delivery, the last push) and its history, one time-ordered
list gathered with one query per kind of event (never one per row)."""

from markupsafe import Markup

from odoo import fields, models
from odoo.tools import html2plaintext

from ...core import customer_service as cs

ANSWER_CHARS = 300


def _table(headers, rows):
    """An Html table of `rows` (tuples of text, escaped here)."""
    head = Markup("").join(Markup("<th>%s</th>") % header for header in headers)
    body = Markup("").join(
        Markup("<tr>%s</tr>")
        % Markup("").join(
            Markup('<td style="white-space: pre-line">%s</td>') % (c or "") for c in row
        )
        for row in rows
    )
    return Markup(
        '<table class="table table-sm o_channel_cs_table"><thead><tr>%s</tr></thead>'
        "<tbody>%s</tbody></table>"
    ) % (head, body)


def _short(text, size=ANSWER_CHARS):
    text = (text or "").strip()
    return text if len(text) <= size else text[: size - 1] + "…"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_cs_status_html = fields.Html(
        string="Status Across Systems", compute="_compute_channel_cs_html", sanitize=False
    )
    channel_cs_history_html = fields.Html(
        string="History", compute="_compute_channel_cs_html", sanitize=False
    )

    def _compute_channel_cs_html(self):
        for order in self:
            if not order.id:
                order.channel_cs_status_html = order.channel_cs_history_html = False
                continue
            sudo = order.sudo()
            order.channel_cs_status_html = sudo._channel_cs_status_html()
            order.channel_cs_history_html = sudo._channel_cs_history_html()

    # ------------------------------------------------------------------
    # Status across systems
    # ------------------------------------------------------------------
    def _channel_status_logs(self):
        """The sync log rows of self's status pushes, oldest first (a status push is
        labelled "<order> (<channel ref>): <status>")."""
        if not self.channel_id:
            return self.env["stock.channel.sync.log"]
        # bounded: the order's channel, from the order's creation on, its exact name
        return self.env["stock.channel.sync.log"].search(
            [
                ("channel_id", "=", self.channel_id.id),
                ("create_date", ">=", self.create_date),
                ("skus", "=like", cs.like_prefix(f"{self.name} (")),
            ],
            order="id",
        )

    def _channel_cs_status_html(self):
        labels = dict(self._fields["state"]._description_selection(self.env))
        shared = dict(self._fields["channel_status"]._description_selection(self.env))
        logs = self._channel_status_logs()
        accepted = logs.filtered(lambda log: log.state == "done")[-1:]
        pushed = self.channel_status_pushed or {}
        facts = [
            (self.env._("Odoo"), labels.get(self.state, self.state)),
            (self.env._("Shared status"), shared.get(self.channel_status, "") or "—"),
            (self.env._("Channel"), self.channel_id.display_name or self.website_id.display_name),
            (self.env._("Channel reference"), self.channel_order_ref or "—"),
            (
                self.env._("Channel last accepted"),
                " · ".join(filter(None, [pushed.get("status"), str(accepted.acked_at or "")]))
                or "—",
            ),
            (self.env._("Its answer"), _short(accepted.response_body) or "—"),
            (self.env._("Open exceptions"), self._channel_cs_exceptions() or "—"),
        ]
        return _table((self.env._("What"), self.env._("Where it stands")), facts) + (
            self._channel_cs_deliveries_html()
        )

    def _channel_cs_exceptions(self):
        parts = []
        if self.channel_exception:
            parts.append(f"{self.channel_exception}: {self.channel_exception_reason or ''}")
        held = self.channel_inbound_ids.filtered(lambda i: i.state == "exception")
        parts += [f"{i.external_id or i.kind}: {i.error or ''}" for i in held]
        return "; ".join(parts)

    def _channel_cs_deliveries_html(self):
        states = dict(self.env["stock.picking"]._fields["state"]._description_selection(self.env))
        rows = [
            (
                picking.name,
                picking.picking_type_id.warehouse_id.name,
                states.get(picking.state, picking.state),
                self._channel_cs_preparer(picking),
                picking.carrier_id.name,
                picking.carrier_tracking_ref,
            )
            for picking in self.picking_ids.sorted("id")
        ]
        headers = (
            self.env._("Delivery"),
            self.env._("Warehouse"),
            self.env._("State"),
            self.env._("Prepared by"),
            self.env._("Carrier"),
            self.env._("Tracking"),
        )
        return _table(headers, rows)

    @staticmethod
    def _channel_cs_preparer(picking):
        """Who validated a done delivery: who last wrote its done move lines."""
        if picking.state != "done":
            return ""
        return picking.move_line_ids[:1].write_uid.name or picking.write_uid.name

    # ------------------------------------------------------------------
    # History, in time order
    # ------------------------------------------------------------------
    def _channel_cs_events(self):
        """The order's events (core.customer_service.Event), in no particular order."""
        events = [
            cs.Event(inbound.received_at, self.env._("Message received"),
                     f"{inbound.kind} {inbound.external_id or ''}: {inbound.state}"
                     + (f" — {inbound.error}" if inbound.error else ""))
            for inbound in self.channel_inbound_ids
        ]  # fmt: skip
        events += self._channel_cs_sourcing_events()
        for picking in self.picking_ids:
            where = picking.picking_type_id.warehouse_id.name
            events.append(cs.Event(picking.create_date, self.env._("Delivery created"),
                                   f"{picking.name} ({where})"))  # fmt: skip
            if picking.state == "done":
                events.append(cs.Event(picking.date_done, self.env._("Delivery done"),
                                       f"{picking.name} {picking.carrier_tracking_ref or ''}",
                                       self._channel_cs_preparer(picking)))  # fmt: skip
        events += [
            cs.Event(log.acked_at or log.sent_at or log.create_date, self.env._("Status push"),
                     f"{log.skus_short or log.skus}: {log.state} {log.http_status or ''} "
                     f"{_short(log.response_body or log.error, 160)}")
            for log in self._channel_status_logs()
        ]  # fmt: skip
        states = dict(cs.STATE_SELECTION)
        events += [
            cs.Event(action.done_at, self.env._("Customer service"),
                     f"{action.description or ''} → {states[action.state]}"
                     + (f": {_short(action.result, 200)}" if action.result else ""),
                     action.user_id.name, action.state)
            for action in self.channel_action_ids
        ]  # fmt: skip
        return events + self._channel_cs_message_events()

    def _channel_cs_sourcing_events(self):
        """The sourcing decisions (order sourcing's rows and explain), when installed."""
        if "channel_sourcing_ids" not in self._fields:
            return []
        events = [
            cs.Event(row.create_date, self.env._("Sourcing"),
                     f"{row.warehouse_id.name}: {row.state}"
                     + (f" — {row.reason}" if row.reason else ""))
            for row in self.channel_sourcing_ids
        ]  # fmt: skip
        if self.channel_sourcing_explain:
            at = self.channel_sourcing_ids[:1].create_date or self.date_order
            explain = self.channel_sourcing_explain
            events.append(cs.Event(at, self.env._("Sourcing decision"), explain))
        return events

    def _channel_cs_message_events(self):
        messages = self.env["mail.message"].search(
            [("model", "=", "sale.order"), ("res_id", "=", self.id),
             ("message_type", "in", ("comment", "notification"))]
        )  # fmt: skip
        return [
            cs.Event(message.date, self.env._("Chatter"),
                     _short(html2plaintext(message.body or "") or message.subject or "", 200),
                     message.author_id.name or "")
            for message in messages
            if message.body or message.subject
        ]  # fmt: skip

    def _channel_cs_history_html(self):
        rows = [
            (fields.Datetime.to_string(event.at) if event.at else "", event.kind, event.text,
             event.who)
            for event in cs.timeline(self._channel_cs_events())
        ]  # fmt: skip
        headers = (self.env._("When"), self.env._("What"), self.env._("Detail"), self.env._("By"))
        return _table(headers, rows)
