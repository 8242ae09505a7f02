"""A channel's rate limits and access tokens, kept in the database so that every worker
of it shares them (core.ratelimit and core.tokens do the arithmetic). Each read-and-write
happens in a short transaction of its own, READ COMMITTED (it must see what another
worker committed while it waited for the row), committed at once; in tests, in the
test's transaction."""

import threading
from contextlib import contextmanager

from odoo import fields, models

from ..core.ratelimit import Limiter
from ..core.tokens import Token, TokenStore


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


class StockChannelToken(models.Model):
    _name = "stock.channel.token"
    _description = "Channel Access Token"
    _log_access = False

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    access_token = fields.Char(groups="stock_channel_sync.group_channel_manager")
    expires_at = fields.Float(digits=(16, 3), help="Epoch seconds.")

    _channel_uniq = models.UniqueIndex("(channel_id)", "One token per channel.")


@contextmanager
def _short_transaction(env):
    """A cursor for one read-and-write: a new READ COMMITTED transaction committed at
    the end, or (tests) a savepoint of the current one."""
    if getattr(threading.current_thread(), "testing", False):
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


class DatabaseTokenStore(TokenStore):
    """core.tokens.TokenStore whose token is the channel's stock_channel_token row: one
    refresh at a time across workers (the row is locked while the channel answers)."""

    def __init__(self, env, channel_id):
        super().__init__()
        self.env = env
        self.channel_id = channel_id
        self._cr = None

    def _read(self, key):
        if self._cr is not None:
            return self._select(self._cr, lock=False)
        with _short_transaction(self.env) as cr:
            return self._select(cr, lock=False)

    def _select(self, cr, lock):
        cr.execute(
            "SELECT access_token, expires_at FROM stock_channel_token WHERE channel_id = %s"
            + (" FOR UPDATE" if lock else ""),
            [self.channel_id],
        )
        row = cr.fetchone()
        return Token(row[0] or "", row[1] or 0.0) if row else None

    def _write(self, key, token):
        self._cr.execute(
            "UPDATE stock_channel_token SET access_token = %s, expires_at = %s "
            "WHERE channel_id = %s",
            [token.value or None, token.expires_at, self.channel_id],
        )

    @contextmanager
    def _exclusive(self, key):
        with _short_transaction(self.env) as cr:
            cr.execute(
                "INSERT INTO stock_channel_token (channel_id) VALUES (%s) "
                "ON CONFLICT (channel_id) DO NOTHING",
                [self.channel_id],
            )
            self._select(cr, lock=True)
            self._cr = cr
            try:
                yield
            finally:
                self._cr = None
