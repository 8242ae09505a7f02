"""A channel's rate limits, kept in the database so that every worker of it shares them
(core.ratelimit does the arithmetic). Each read-and-write happens in a short transaction
of its own, READ COMMITTED (it must see what another worker committed while it waited
for the row), committed at once; in tests, in the test's transaction."""

from contextlib import contextmanager

from odoo import fields, models

from ..core.ratelimit import Limiter
from . import runtime


class StockChannelRateSlot(models.Model):
    _name = "stock.channel.rate.slot"
    _description = "Channel Rate Limit Slot"
    _log_access = False

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    endpoint = fields.Char(required=True)
    tat = fields.Float(
        string="Next Slot", digits=(16, 6), help="Epoch seconds: when the next request may leave."
    )

    _endpoint_uniq = models.UniqueIndex("(channel_id, endpoint)", "One slot per endpoint.")


@contextmanager
def _short_transaction(env):
    """A cursor for one read-and-write: a new READ COMMITTED transaction committed at
    the end, or (tests) a savepoint of the current one."""
    if runtime.in_test():
        with env.cr.savepoint(flush=False):
            yield env.cr
        return
    with env.registry.cursor() as cr:
        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        yield cr


class DatabaseLimiter(Limiter):
    """core.ratelimit.Limiter whose slots are rows of stock_channel_rate_slot, timed by
    the database clock: every worker of the database waits its turn."""

    def __init__(self, env, channel_id):
        super().__init__()
        self.env = env
        self.channel_id = channel_id

    def _update(self, key, change):
        endpoint = key[-1]
        with _short_transaction(self.env) as cr:
            cr.execute(
                "INSERT INTO stock_channel_rate_slot (channel_id, endpoint) VALUES (%s, %s) "
                "ON CONFLICT (channel_id, endpoint) DO NOTHING",
                [self.channel_id, endpoint],
            )
            cr.execute(
                "SELECT tat, extract(epoch FROM clock_timestamp())::float "
                "FROM stock_channel_rate_slot WHERE channel_id = %s AND endpoint = %s "
                "FOR UPDATE",
                [self.channel_id, endpoint],
            )
            tat, now = cr.fetchone()
            new_tat, result = change(tat, now)
            if new_tat is not None:
                cr.execute(
                    "UPDATE stock_channel_rate_slot SET tat = %s "
                    "WHERE channel_id = %s AND endpoint = %s",
                    [new_tat, self.channel_id, endpoint],
                )
        return result
