"""Orders to Fix: one list of what waits for a person about a channel's orders, read-only
over two kinds of rows (a SQL view): the channel's messages held before an order was
made (an unknown SKU, an address to complete...), and the sale orders flagged to check
(a shortfall, totals that do not add up, a webshop order whose last units a channel
took). A row opens its message or its order, where its buttons are; *Retry* runs the
same button from the list."""

from odoo import fields, models

from ..core.inbound import EXCEPTION, INBOUND_STATES, RECEIVED, WAITING
from .report_sql import create_view
from .sale_order.order import EXCEPTION_SELECTION

MESSAGE = "message"
SALE = "sale"
FIX_KINDS = [(MESSAGE, "Channel Order Held"), (SALE, "Sale Order to Check")]
HELD_STATES = (EXCEPTION, WAITING, RECEIVED)
HELD = ", ".join(f"'{state}'" for state in HELD_STATES)
# a held message's state, or the flag of the sale order
FIX_STATUSES = [
    (code, label) for code, label in INBOUND_STATES if code in HELD_STATES
] + EXCEPTION_SELECTION

# ids: a message's doubled, an order's doubled plus one (one id space for both kinds);
# a message whose sale order is flagged is that order's row
ORDER_FIX_VIEW = f"""
SELECT i.id * 2 AS id,
       '{MESSAGE}' AS kind,
       i.channel_id,
       i.company_id,
       i.id AS inbound_id,
       NULL::int AS sale_order_id,
       i.external_id AS reference,
       i.received_at AS since,
       i.state::varchar AS status,
       coalesce(i.error, '') AS reason,
       i.next_action
  FROM stock_channel_inbound i
 WHERE i.state IN ({HELD}) AND i.kind = 'order'
   AND NOT EXISTS (SELECT 1 FROM sale_order s
                    WHERE s.id = i.sale_order_id AND s.channel_exception IS NOT NULL)
UNION ALL
SELECT s.id * 2 + 1,
       '{SALE}',
       coalesce(s.channel_id, (SELECT ch.id FROM stock_channel ch
                                WHERE ch.website_id = s.website_id AND ch.active
                                  AND ch.company_id = s.company_id
                                ORDER BY ch.sequence, ch.id LIMIT 1)),
       s.company_id,
       NULL::int,
       s.id,
       coalesce(s.channel_order_ref, s.name),
       s.create_date,
       s.channel_exception::varchar,
       coalesce(s.channel_exception_reason, ''),
       s.channel_next_action
  FROM sale_order s
 WHERE s.channel_exception IS NOT NULL
"""


class StockChannelOrderFix(models.Model):
    _name = "stock.channel.order.fix"
    _description = "Channel Order to Fix"
    _auto = False
    _order = "since desc, id desc"
    _rec_name = "reference"
    _depends = {
        "stock.channel": ["website_id", "active", "company_id", "sequence"],
        "stock.channel.inbound": [
            "channel_id",
            "company_id",
            "external_id",
            "received_at",
            "state",
            "kind",
            "error",
            "next_action",
            "sale_order_id",
        ],
        "sale.order": [
            "channel_id",
            "website_id",
            "company_id",
            "channel_order_ref",
            "name",
            "channel_exception",
            "channel_exception_reason",
            "channel_next_action",
        ],
    }

    kind = fields.Selection(FIX_KINDS, string="What", readonly=True)
    channel_id = fields.Many2one("stock.channel", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    inbound_id = fields.Many2one("stock.channel.inbound", string="Channel Message", readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    reference = fields.Char(string="Order", readonly=True)
    since = fields.Datetime(readonly=True)
    status = fields.Selection(FIX_STATUSES, readonly=True)
    reason = fields.Text(string="Why", readonly=True)
    next_action = fields.Char(string="Next", readonly=True)

    def init(self):
        create_view(self, ORDER_FIX_VIEW)

    def _fixed_record(self):
        """The message or the sale order the row stands for."""
        self.ensure_one()
        return self.inbound_id if self.kind == MESSAGE else self.sale_order_id

    def action_open_record(self):
        """The row's message or order, in its form (where its buttons are)."""
        record = self._fixed_record()
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
        }

    def action_retry(self):
        """The row's own Retry (the message's, or the order's), which checks who may."""
        for row in self:
            if row.kind == MESSAGE:
                row.inbound_id.action_retry()
            else:
                row.sale_order_id.action_channel_retry()
        return True
