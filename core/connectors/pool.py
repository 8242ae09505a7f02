"""Connectors kept per process: one per (database, channel), so that its requests.Session
(and its pooled connections) serves push after push; rebuilt when the settings change. A
second concurrent user of the same channel gets a connector of its own (connectors are
not thread-safe), closed after use."""

import threading
from contextlib import contextmanager
from dataclasses import astuple

from .base import get_connector


class ConnectorPool:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries = {}  # key -> (fingerprint, connector, in-use lock)

    @contextmanager
    def connector(self, key, code, config):
        """The pooled connector of `key` for the connector `code` with `config`."""
        fingerprint = (code, astuple(config))
        with self._lock:
            entry = self._entries.get(key)
            if not entry or entry[0] != fingerprint:
                if entry:
                    entry[1].close()
                entry = (fingerprint, get_connector(code)(config), threading.Lock())
                self._entries[key] = entry
        _fingerprint, connector, in_use = entry
        if in_use.acquire(blocking=False):
            try:
                yield connector
            finally:
                in_use.release()
            return
        with get_connector(code)(config) as own:
            yield own


POOL = ConnectorPool()
