"""A real Odoo server (prefork: HTTP workers, cron workers) on the test database, for tests
whose point is what separate processes do at the same time. Such tests commit their data
(the server only sees committed data) and remove it afterwards."""

import contextlib
import functools
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name
from odoo.tools import config, mute_logger

_logger = logging.getLogger(__name__)

SERVER_START_SECONDS = 60


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServerCase(BaseCase):
    """`start_server()` runs odoo-bin on the test database; `channel_ids` and
    `product_ids` (committed by the test class) are removed at the end, with the orders,
    pickings, partners and quants made for them."""

    channel_ids = ()
    product_ids = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.channel_ids, cls.product_ids = [], []
        cls.addClassCleanup(cls._remove_data)

    @classmethod
    def env_of(cls, cr, **context):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, **context})

    # -- the server --------------------------------------------------------------
    @classmethod
    def start_server(cls, workers, cron_threads=0, extra_args=()):
        port = free_port()
        log_fd, cls.server_log = tempfile.mkstemp(prefix="scs-live-server-", suffix=".log")
        os.close(log_fd)
        cls.addClassCleanup(os.unlink, cls.server_log)
        db = get_db_name()
        command = [
            sys.executable, os.path.join(os.path.dirname(config.root_path), "odoo-bin"),
            "-c", config.rcfile, "-d", db, f"--db-filter=^{db}$", "--no-database-list",
            f"--workers={workers}", f"--max-cron-threads={cron_threads}",
            "--http-interface=127.0.0.1", f"--http-port={port}",
            f"--gevent-port={free_port()}", "--log-level=warn", f"--logfile={cls.server_log}",
            *extra_args,
        ]  # fmt: skip
        # its own working directory: the test's may be a copy of the addon replaced meanwhile
        cls.server = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, cwd=os.path.dirname(config.root_path)
        )
        cls.addClassCleanup(cls._stop_server)
        cls.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline and cls.server.poll() is None:
            try:
                if requests.get(f"{cls.base_url}/web/health", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError(f"the Odoo server did not start:\n{cls._server_log_tail()}")

    @classmethod
    def _server_log_tail(cls, lines=30):
        with open(cls.server_log, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-lines:])

    @classmethod
    def _stop_server(cls):
        cls.server.terminate()
        try:
            cls.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cls.server.kill()
            cls.server.wait(timeout=10)

    # -- clean-up ------------------------------------------------------------------
    @classmethod
    def _remove_data(cls):
        """Channels first, in a transaction of their own: other tests look for the
        channels of the warehouse. Then what can go (orders, pickings, partners, quants,
        products), each step on its own so that one refusal leaves the rest clean."""
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            orders = (
                env["sale.order"]
                .with_context(active_test=False)
                .search([("channel_id", "in", cls.channel_ids)])
            )
            order_ids = orders.ids
            partner_ids = (orders.partner_id | orders.partner_shipping_id).ids
            env["stock.channel"].browse(cls.channel_ids).exists().unlink()
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            orders = env["sale.order"].browse(order_ids).exists()
            products = env["product.product"].browse(cls.product_ids).exists()
            steps = (
                orders._action_cancel,
                orders.picking_ids.unlink,
                orders.unlink,
                lambda: env["res.partner"].browse(partner_ids).exists().unlink(),
                lambda: env["stock.quant"].search([("product_id", "in", products.ids)]).unlink(),
                lambda: (
                    env["stock.channel.variant.lock"]
                    .search([("product_id", "in", products.ids)])
                    .unlink()
                ),
                lambda: cls._remove_products(products),
            )
            for step in steps:
                try:
                    with cr.savepoint():
                        step()
                except Exception:  # leave it, clean the rest
                    _logger.warning("clean-up step %s failed", step, exc_info=True)
                    env.invalidate_all()

    @staticmethod
    def _remove_products(products):
        """Unlink the variants, but archive those the POS sales' done moves keep."""
        moved = products.env["stock.move"].search([("product_id", "in", products.ids)]).product_id
        moved.action_archive()
        (products - moved).unlink()


class PostgresProxy:
    """A TCP relay from 127.0.0.1:`port` to the test's PostgreSQL: a server started on it
    sees PostgreSQL go away at `cut()` (every connection dropped, new ones closed at once,
    as while it restarts) and come back at `restore()`. The cluster itself is never
    touched: other servers on it see nothing."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.lock = threading.Lock()
        self.open = []
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _upstream():
        host, port = config["db_host"] or "/var/run/postgresql", config["db_port"] or 5432
        if host.startswith("/"):
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(f"{host}/.s.PGSQL.{port}")
            return upstream
        return socket.create_connection((host, port))

    def _accept(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:  # closed
                return
            if self.down:
                client.close()
                continue
            upstream = self._upstream()
            with self.lock:
                self.open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        with contextlib.suppress(OSError):  # the other side went away, or cut()
            while data := source.recv(65536):
                target.sendall(data)
        _drop(target)

    def cut(self):
        self.down = True
        with self.lock:
            sockets, self.open = self.open, []
        for sock in sockets:
            _drop(sock)

    def restore(self):
        self.down = False

    def close(self):
        self.cut()
        self.listener.close()


def _drop(sock):
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def sell_at_pos(registry, product_id, results):
    """A POS sale of 1 unit of `product_id` from the first warehouse's stock, as
    models/pos_order.py makes it (the variant's lock, then the POS picking, validated),
    run again on a serialization failure as Odoo runs a request again (the failure it
    logs is expected: muted); its picking's state, or the error, in `results`."""
    try:
        with mute_logger("odoo.sql_db"), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            picking = retrying(functools.partial(_sell_one, env, product_id), env)
            results["state"] = picking.state
    except Exception as error:  # reported by the test
        results["error"] = repr(error)


def _sell_one(env, product_id):
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    customers = env.ref("stock.stock_location_customers")
    product = env["product.product"].browse(product_id)
    env["stock.channel.variant.lock"]._acquire(product)
    picking = env["stock.picking"].create(
        {
            "picking_type_id": (warehouse.pos_type_id or warehouse.out_type_id).id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": customers.id,
            "move_type": "direct",
        }
    )
    move = env["stock.move"].create(
        {
            "picking_id": picking.id,
            "product_id": product.id,
            "product_uom": product.uom_id.id,
            "product_uom_qty": 1,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": customers.id,
        }
    )
    move._action_confirm()
    move.quantity = 1
    move.picked = True
    picking._action_done()
    return picking
