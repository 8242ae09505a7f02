"""Marketplace simulator: an HTTP server receiving stock pushes like a careful channel.

Standard library only, and independent of ``core`` (it checks the wire, not the code).
One module per marketplace (``generic``, ``shopify``), each serving its path prefix; this
module holds what they share: the HTTP plumbing, the fault injection, the journal of
received requests, and the control API under ``/_sim/`` (reset, config, faults, received
requests, stock, health, orders generated and sent to Odoo: ``generator``).
"""

import json
import sys
import threading
import traceback
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .common import (
    DEFAULT_SECRET,
    DEFAULT_TOKEN,
    FAULT_DEFAULT_SECONDS,
    FAULT_DOWN,
    FAULT_DROP,
    FAULT_RATE_LIMIT,
    FAULT_SLOW,
    FAULT_STATUS,
    FAULT_TIMEOUT,
    HEADER_REPLAYED,
    INVALID_JSON,
    JSON_CONTENT_TYPE,
    NOT_FOUND,
    OK,
    Reply,
    error,
    now_iso,
)
from .generator import generate_control
from .generic import GenericJson
from .shopify import Shopify
from .state import SimulatorState
from .tls import forget_certificate, server_context

__all__ = ["DEFAULT_SECRET", "DEFAULT_TOKEN", "Simulator", "start"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8071
# Seconds between checks for stop() in the serving loop.
POLL_INTERVAL = 0.05
CONTROL_PREFIX = "/_sim/"
# what a marketplace's route gets of the query: the parsed parameters, and the path with
# the raw query string as sent (what a signature may cover)
Query = namedtuple("Query", "params path_and_query")
NO_BODY_STATUSES = frozenset({204, 304})  # answers that carry no body (RFC 9110)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChannelSimulator/1.0"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 60
    # TCP_NODELAY: an answer's head and body are written apart, and with Nagle's
    # algorithm the body waited for the client's delayed ACK of the head (40 ms each)
    disable_nagle_algorithm = True

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {fmt % args}\n")

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def _read_body(self):
        """The request body, or None when its length is not given in a usable form."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply):
        """Send ``reply``: its payload as JSON, or as it is when bytes (a CSV, a file),
        with its own Content-Type when its headers name one."""
        if reply.status in NO_BODY_STATUSES:
            data = b""
        elif isinstance(reply.payload, bytes):
            data = reply.payload
        else:
            data = json.dumps(reply.payload).encode("utf-8")
        headers = {name.lower(): (name, value) for name, value in reply.headers.items()}
        content_type = headers.pop("content-type", ("", JSON_CONTENT_TYPE))[1]
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.values():
                self.send_header(name, str(value))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _handle(self):
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self._send(error(411, "a valid Content-Length is required"))
            return
        url = urlsplit(self.path)
        path = url.path
        query = Query(parse_qs(url.query), f"{path}?{url.query}")
        if path.startswith(CONTROL_PREFIX):
            self._send(self._guarded(self._control, path, query.params, body))
            return
        entry = self.state.record(self.command, path, url.query, self.headers, body)
        fault = self.state.take_fault(self.command, path)
        if fault and self._faulted(fault, entry, path, query, body):
            return
        reply = self._guarded(self._route, path, query, body)
        entry["status"] = reply.status
        entry["replayed"] = HEADER_REPLAYED in reply.headers
        if fault and fault.kind == FAULT_TIMEOUT:
            self._hold(fault)
            self.close_connection = True
        self._send(reply)

    def _faulted(self, fault, entry, path, query, body):
        """Apply `fault`; True when it answered (or dropped) the request itself."""
        entry["fault"] = fault.kind
        if fault.kind == FAULT_SLOW:
            self._hold(fault)
        elif fault.kind in (FAULT_STATUS, FAULT_RATE_LIMIT, FAULT_DOWN):
            reply = fault.reply()
            marketplace = self.state.marketplace_of(path)
            if fault.body is None and hasattr(marketplace, "fault_body"):
                reply.payload = marketplace.fault_body(reply.status)  # its own error format
            entry["status"] = reply.status
            self._send(reply)
            return True
        elif fault.kind == FAULT_DROP:
            if fault.apply:
                self._guarded(self._route, path, query, body)
            self.close_connection = True
            return True
        return False

    def _hold(self, fault):
        seconds = FAULT_DEFAULT_SECONDS[fault.kind] if fault.seconds is None else fault.seconds
        self.state.stopping.wait(seconds)

    def _guarded(self, handler, *args):
        try:
            return handler(*args)
        except Exception as exc:  # a simulator bug must not look like a network fault
            traceback.print_exc(file=sys.stderr)
            return error(500, f"simulator error: {exc!r}")

    def _route(self, path, query, body):
        marketplace = self.state.marketplace_of(path)
        if not marketplace:
            return error(404, NOT_FOUND)
        parts = path[len(marketplace.prefix) :].split("/")
        return marketplace.route(self.command, parts, query, self.headers, body)

    def _control(self, path, query, body):
        state, method = self.state, self.command
        action = path[len(CONTROL_PREFIX) :].rstrip("/")
        prefix = (query.get("path_prefix") or [""])[0]
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return error(400, INVALID_JSON)
        try:
            return self._control_action(state, method, action, prefix, query, data)
        except (TypeError, ValueError) as exc:
            return error(400, str(exc))

    @staticmethod
    def _control_action(state, method, action, prefix, query, data):
        if (method, action) == ("GET", "health"):
            return Reply(200, {"status": "ok", "time": now_iso()})
        if (method, action) == ("POST", "reset"):
            state.reset()
            return Reply(200, OK)
        if action == "config":
            if method == "POST":
                state.configure(data)
            return Reply(200, state.config_snapshot())
        if (method, action) == ("POST", "faults"):
            faults = data if isinstance(data, list) else [data]
            return Reply(200, {"ids": [state.add_fault(f) for f in faults]})
        if (method, action) == ("GET", "faults"):
            with state.lock:
                return Reply(200, {"faults": [f.to_dict() for f in state.faults]})
        if (method, action) == ("DELETE", "faults"):
            fault_id = query.get("id")
            state.clear_faults(int(fault_id[0]) if fault_id else None)
            return Reply(200, OK)
        if (method, action) == ("GET", "received"):
            return Reply(200, {"requests": state.received_requests(prefix)})
        if (method, action) == ("GET", "stock"):
            return Reply(200, state.stock())
        if (method, action) == ("POST", "merchant/service_account"):
            merchant = state.marketplaces["merchant"]
            token_uri = data.get("token_uri") or ""
            if not token_uri.startswith(("http://", "https://")):
                raise ValueError("token_uri: the simulator's /merchant/token URL is required")
            return Reply(
                200,
                merchant.create_service_account(
                    token_uri,
                    data.get("accounts") or (),
                    project_id=str(data.get("project_id") or "simulator-project"),
                    registered=bool(data.get("registered", True)),
                ),
            )
        if (method, action) == ("POST", "deliver"):
            return _deliver(state, data)
        if action == "orders/generate":
            return generate_control(state, method, query, data)
        if (method, action) == ("GET", "orders"):
            generic = state.marketplaces["generic"]
            with state.lock:
                return Reply(200, {"statuses": list(generic.order_statuses)})
        return error(404, NOT_FOUND)


def _deliver(state, data):
    """``POST /_sim/deliver`` ``{"marketplace": "woocommerce"|"shopify", "shop", "topic",
    "order": {...}, "delivery_id", "url"}``: send a signed webhook delivery to Odoo (the
    same one twice, or an update before its creation: as the caller says)."""
    marketplace = state.marketplaces.get(data.get("marketplace"))
    if not hasattr(marketplace, "deliver"):
        raise ValueError("marketplace must be woocommerce or shopify")
    missing = [k for k in ("shop", "topic", "order", "delivery_id", "url") if not data.get(k)]
    if missing:
        raise ValueError(f"missing {missing}")
    status, answer = marketplace.deliver(
        data["url"], data["shop"], data["topic"], data["order"], data["delivery_id"]
    )
    return Reply(200, {"status": status, "answer": answer})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # listen backlog: the default (5) drops connections under a burst of new ones, as no
    # real receiver does
    request_queue_size = 128

    def __init__(self, address, state, verbose, ssl_context=None):
        self.state = state
        self.verbose = verbose
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def get_request(self):
        """With TLS, each connection's handshake happens in its own handler thread."""
        sock, address = super().get_request()
        if self.ssl_context:
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def handle_error(self, request, client_address):
        if self.verbose and not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return super().handle_error(request, client_address)
        return None


class Simulator:
    """A running simulator; the accessors read its state directly (for tests)."""

    def __init__(self, host=DEFAULT_HOST, port=0, verbose=False, tls=False):
        """``tls``: serve HTTPS with a self-signed certificate; clients trust
        ``self.ca_file`` (simulator/tls.py)."""
        self.state = SimulatorState()
        context, self.ca_file = server_context() if tls else (None, None)
        self._server = _Server((host, port), self.state, verbose, context)
        self.host, self.port = self._server.server_address[:2]
        self.url = f"{'https' if tls else 'http'}://{self.host}:{self.port}"
        self._thread = None
        self.generic = self.state.marketplaces["generic"]
        self.shopify = self.state.marketplaces["shopify"]
        self.woocommerce = self.state.marketplaces["woocommerce"]
        self.bol = self.state.marketplaces["bol"]
        self.mirakl = self.state.marketplaces["mirakl"]
        self.amazon = self.state.marketplaces["amazon"]
        self.merchant = self.state.marketplaces["merchant"]

    def start(self):
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"simulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self):
        """Serve in the calling thread until ``stop()`` or KeyboardInterrupt."""
        try:
            self._server.serve_forever(poll_interval=POLL_INTERVAL)
        except KeyboardInterrupt:
            sys.stderr.write("simulator stopped\n")
        finally:
            self._server.server_close()
            if self.ca_file:
                forget_certificate(self.ca_file)

    def stop(self):
        """Stop serving, release the port, wake requests held by slow/timeout faults."""
        self.state.stopping.set()
        self.state.order_runs.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        if self.ca_file:
            forget_certificate(self.ca_file)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- URLs -----------------------------------------------------------------

    def generic_url(self, channel):
        """``endpoint_url`` of a generic JSON channel."""
        return f"{self.url}{GenericJson.prefix}{channel}"

    def shopify_url(self, shop):
        """``endpoint_url`` of a Shopify channel (the shop's base URL)."""
        return f"{self.url}{Shopify.prefix}{shop}"

    def woocommerce_url(self, shop):
        """``endpoint_url`` of a WooCommerce channel (the site's base URL)."""
        return f"{self.url}/woocommerce/{shop}"

    def marketplace_url(self, marketplace, account):
        """``endpoint_url`` of a bol.com, Mirakl or Amazon channel: the account's API
        base URL (its token endpoint, where it has one, is under it too)."""
        return f"{self.url}/{marketplace}/{account}"

    def merchant_url(self):
        """The Merchant API's base URL (``https://merchantapi.googleapis.com`` stand-in)."""
        return f"{self.url}/merchant"

    def merchant_token_uri(self):
        """The ``token_uri`` of the simulator's service account keys."""
        return f"{self.url}/merchant/token"

    def create_merchant_service_account(self, accounts=(), **options):
        """A service account added to Merchant Center ``accounts`` (none: all); returns its
        JSON key file content (a dict), ``token_uri`` pointing at the simulator."""
        return self.merchant.create_service_account(self.merchant_token_uri(), accounts, **options)

    def configure_marketplace(self, marketplace, account, **settings):
        """Settings of a bol.com, Mirakl or Amazon account (see their settings classes)."""
        self.state.configure({marketplace: {account: settings}})

    def configure_woocommerce(self, shop, **settings):
        """Settings: see WooSettings (consumer_key, consumer_secret, webhook_secret...)."""
        self.state.configure({"woocommerce": {shop: settings}})

    # -- control --------------------------------------------------------------

    def reset(self):
        self.state.reset()

    def configure_channel(self, channel, **settings):
        """Settings: secret, max_items, require_idempotency_key."""
        self.state.configure({GenericJson.config_key: {channel: settings}})

    def configure_shop(self, shop, **settings):
        """Settings: see ShopSettings (token, maximum_available, restore_rate, ...)."""
        self.state.configure({Shopify.config_key: {shop: settings}})

    def add_fault(self, kind, path_prefix="", **options):
        """Queue a fault (see Fault); returns its id."""
        return self.state.add_fault({"kind": kind, "path_prefix": path_prefix, **options})

    def clear_faults(self):
        self.state.clear_faults()

    def faults(self):
        with self.state.lock:
            return [f.to_dict() for f in self.state.faults]

    # -- observations ---------------------------------------------------------

    def clear_received(self):
        """Forget the requests received so far (the journal), nothing else."""
        with self.state.lock:
            self.state.received = []

    def received(self, path_prefix=""):
        """Recorded requests (oldest first) whose path starts with ``path_prefix``."""
        return self.state.received_requests(path_prefix)

    def stock(self):
        """``{"generic": {channel: {sku: {...}}}, "shopify": {shop: {location: {item: qty}}},
        "stale": {channel: n}}``."""
        return self.state.stock()

    def generic_level(self, channel, sku):
        return self.generic.level(channel, sku)

    def set_generic_level(self, channel, sku, quantity, sequence=0):
        """Edit a level on the channel, as someone working there would."""
        self.generic.set_level(channel, sku, quantity, sequence)

    def generic_levels(self, channel):
        with self.state.lock:
            levels = self.generic.levels.get(channel, {})
            return {sku: level["quantity"] for sku, level in levels.items()}

    def stale_count(self, channel):
        with self.state.lock:
            return self.generic.stale.get(channel, 0)

    def shopify_level(self, shop, inventory_item_id, location_id):
        return self.shopify.level(shop, inventory_item_id, location_id)

    def order_runs(self):
        """The progress of every order generation (``/_sim/orders/generate``), oldest first."""
        return [run.progress() for run in self.state.order_runs.all()]

    def order_statuses(self, channel=None):
        with self.state.lock:
            return [s for s in self.generic.order_statuses if channel in (None, s["channel"])]


def start(host=DEFAULT_HOST, port=0, verbose=False, tls=False):
    """Start a simulator in a daemon thread (``port=0``: a free port) and return it
    (``tls``: HTTPS, trusted through its ``ca_file``)."""
    return Simulator(host, port, verbose, tls).start()
