"""What the simulator knows: each marketplace's state, the faults to inject, the journal
of received requests; all guarded by one lock."""

import math
import threading
import time
from dataclasses import fields

from .amazon import Amazon
from .bol import Bol
from .common import FAULT_KINDS, FAULT_RATE_LIMIT, Fault, now_iso
from .generator import OrderRuns
from .generic import GenericJson
from .merchant import Merchant
from .mirakl import Mirakl
from .shopify import Shopify
from .woocommerce import WooCommerce

# one module per marketplace; each serves its path prefix
MARKETPLACES = (GenericJson, Shopify, WooCommerce, Bol, Mirakl, Amazon, Merchant)


class SimulatorState:
    """Everything the simulator knows, guarded by one lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._ids = 0
        self.marketplaces = {cls.name: cls(self) for cls in MARKETPLACES}
        self.order_runs = OrderRuns()
        self.reset()

    def reset(self):
        with self.lock:
            self.faults = []
            self.received = []
            self._ids = 0
            self.order_runs.reset()
            for marketplace in self.marketplaces.values():
                marketplace.reset()

    def next_id(self):
        with self.lock:
            self._ids += 1
            return self._ids

    def marketplace_of(self, path):
        for marketplace in self.marketplaces.values():
            if path.startswith(marketplace.prefix):
                return marketplace
        return None

    def configure(self, data):
        """Merge ``{"channels": {code: {...}}, "shops": {shop: {...}}}`` into the settings."""
        by_key = {m.config_key: m for m in self.marketplaces.values()}
        if not isinstance(data, dict) or set(data) - set(by_key):
            raise ValueError(f"expected {{{', '.join(f'{k!r}: {{...}}' for k in by_key)}}}")
        with self.lock:
            for key, accounts in data.items():
                for name, values in (accounts or {}).items():
                    by_key[key].configure(name, values)

    def config_snapshot(self):
        return {m.config_key: m.config_snapshot() for m in self.marketplaces.values()}

    def stock(self):
        snapshot = {}
        for marketplace in self.marketplaces.values():
            snapshot.update(marketplace.stock())
        return snapshot

    # -- faults ---------------------------------------------------------------

    def add_fault(self, data):
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        if data.get("kind") not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}")
        known = {f.name for f in fields(Fault)} - {"id", "hits"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}")
        fault = Fault(**data)
        fault.id = self.next_id()
        with self.lock:
            self.faults.append(fault)
        return fault.id

    def clear_faults(self, fault_id=None):
        with self.lock:
            self.faults = [f for f in self.faults if fault_id is not None and f.id != fault_id]

    def take_fault(self, method, path):
        """The fault firing for this request (a copy), consuming one of its ``count``."""
        now = time.monotonic()
        with self.lock:
            for fault in self.faults:
                if not fault.matches(method, path):
                    continue
                if fault.kind == FAULT_RATE_LIMIT:
                    fault.hits = [hit for hit in fault.hits if now - hit < fault.window]
                    if len(fault.hits) < fault.limit:
                        fault.hits.append(now)
                        continue
                    fired = Fault(**{**fault.to_dict(), "hits": []})
                    if fired.retry_after is None:  # the window's oldest request frees a place
                        oldest = fault.hits[0] if fault.hits else now
                        fired.retry_after = max(1, math.ceil(fault.window - (now - oldest)))
                else:
                    fired = Fault(**{**fault.to_dict(), "hits": []})
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                return fired
        return None

    # -- journal --------------------------------------------------------------

    def record(self, method, path, query, headers, body):
        entry = {
            "id": self.next_id(),
            "time": now_iso(),
            "method": method,
            "path": path,
            "query": query,
            "headers": dict(headers.items()),
            "body": body.decode("utf-8", "replace"),
            "status": None,
            "fault": None,
            "replayed": False,
        }
        with self.lock:
            self.received.append(entry)
        return entry

    def received_requests(self, path_prefix=""):
        with self.lock:
            return [dict(r) for r in self.received if r["path"].startswith(path_prefix)]
