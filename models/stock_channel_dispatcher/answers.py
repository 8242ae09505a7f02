"""An order's status push answered: the platform's answer told to whoever waits for it
(core.events.STATUS_ANSWERED; customer service's queued actions the pushed body
carried, with the items the platform refused)."""

from odoo import models

from ...core import events


class StockChannelDispatcher(models.AbstractModel):
    _inherit = "stock.channel.dispatcher"

    def _status_done(self, job, rows, log_vals, result):
        sent = super()._status_done(job, rows, log_vals, result)
        answer = f"{result.status} {result.body or ''}".strip()
        self.env["stock.channel.event"]._announce(
            events.STATUS_ANSWERED, [job.order_id], answer=answer, body=job.body
        )
        return sent

    def _failed(self, channel, rows, job, log_vals, error, retryable):
        sent = super()._failed(channel, rows, job, log_vals, error, retryable)
        if job.body is not None and job.order_id:
            final = bool(rows.exists().filtered(lambda row: row.state == "dead"))
            self.env["stock.channel.event"]._announce(
                events.STATUS_ANSWERED,
                [job.order_id],
                answer=str(error),
                failed=True,
                final=final,
                body=job.body,
                # the connector's per-item report: {refund key or "address": message}
                refused=getattr(error, "refused", None),
            )
        return sent
