"""Access tokens of channels that hand out short-lived ones (bol.com's OAuth client
credentials, about 5 minutes; Amazon's Login with Amazon, an hour): used while valid,
refreshed a margin before they expire, one refresh at a time, forgotten when the channel
refuses them. Kept in this process here; the Odoo addon keeps them in the database,
shared by its workers and readable by channel managers only. Never logged."""

import threading
import time
from dataclasses import dataclass, field

# refresh this many seconds before the token expires (a request in flight must not
# carry a token that expires on the way)
REFRESH_MARGIN = 30.0


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    expires_at: float  # epoch seconds

    def valid(self, now, margin=REFRESH_MARGIN):
        return bool(self.value) and self.expires_at - margin > now


class TokenStore:
    """One token per key, in this process."""

    def __init__(self, clock=time.time):
        self._lock = threading.Lock()
        self._tokens = {}
        self.clock = clock

    def _read(self, key):
        return self._tokens.get(key)

    def _write(self, key, token):
        self._tokens[key] = token

    def _exclusive(self, key):
        """A context in which this caller alone refreshes the token of ``key``."""
        return self._lock

    def get(self, key, fetch):
        """The token of ``key``, valid for at least the margin; ``fetch() -> Token``
        asks the channel for a new one, by one caller at a time (the others wait for
        it and use it)."""
        token = self._read(key)
        if token and token.valid(self.clock()):
            return token.value
        with self._exclusive(key):
            token = self._read(key)  # another caller may have refreshed it meanwhile
            if token and token.valid(self.clock()):
                return token.value
            token = fetch()
            self._write(key, token)
            return token.value

    def forget(self, key, value):
        """The channel refused ``value`` (expired early, revoked): the next ``get``
        fetches a new one, unless another caller already did."""
        with self._exclusive(key):
            token = self._read(key)
            if token and token.value == value:
                self._write(key, Token("", 0.0))
