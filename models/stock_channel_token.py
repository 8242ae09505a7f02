"""A channel's access token, kept in the database so that every worker of it shares it
(core.tokens does the arithmetic): one refresh at a time across workers, in a short
transaction of its own (stock_channel_rate_slot._short_transaction)."""

import hashlib
from contextlib import contextmanager

from odoo import fields, models

from ..core.tokens import Token, TokenStore
from .stock_channel_rate_slot import _short_transaction


class StockChannelToken(models.Model):
    _name = "stock.channel.token"
    _description = "Channel Access Token"
    _log_access = False

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    access_token = fields.Char(groups="stock_channel_sync.group_channel_manager")
    expires_at = fields.Float(digits=(16, 3), help="Epoch seconds.")
    # whose token it is (a digest of the connector's token key: for Google, the service
    # account's e-mail and key id): a token of another key is not read back
    key_digest = fields.Char()

    _channel_uniq = models.UniqueIndex("(channel_id)", "One token per channel.")


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
            return self._select(self._cr, lock=False, key=key)
        with _short_transaction(self.env) as cr:
            return self._select(cr, lock=False, key=key)

    def _select(self, cr, lock, key=None):
        """The channel's token, None when there is none or it is another key's (a new
        key pasted on the channel: its token is fetched, the old key's never used)."""
        cr.execute(
            "SELECT access_token, expires_at, key_digest FROM stock_channel_token "
            "WHERE channel_id = %s" + (" FOR UPDATE" if lock else ""),
            [self.channel_id],
        )
        row = cr.fetchone()
        if not row or (key is not None and row[2] != _digest(key)):
            return None
        return Token(row[0] or "", row[1] or 0.0)

    def _write(self, key, token):
        self._cr.execute(
            "UPDATE stock_channel_token SET access_token = %s, expires_at = %s, "
            "key_digest = %s WHERE channel_id = %s",
            [token.value or None, token.expires_at, _digest(key), self.channel_id],
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


def _digest(key):
    """A digest of a token key (the key's identity is kept, not its parts)."""
    return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:32]
