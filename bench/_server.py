"""What the benchmarks share: the real Odoo server (prefork: HTTP workers, cron workers)
on a free loopback port against the benchmark database, logging to .dev/log/, and a base
class holding the database's registry, the marketplace simulator and that server."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

from simulator import start as start_simulator

START_SECONDS = 60


def add_arguments(parser, workers, cron_workers):
    """The options every benchmark takes: bench/run's --conf and --db, the server's."""
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", type=int, default=workers, help="HTTP workers")
    parser.add_argument("--cron-workers", type=int, default=cron_workers)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OdooServer:
    """`odoo-bin` in a subprocess: start() waits until it answers, stop() ends it."""

    def __init__(self, conf, db, workers, cron_workers, log_name="bench-server"):
        self.conf = conf
        self.db = db
        self.workers = workers
        self.cron_workers = cron_workers
        self.log = os.path.join(os.path.dirname(conf), "log", f"{log_name}.log")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.options = []  # more odoo-bin options
        self.environ = None  # the server's environment (None: this process's)
        self.own_group = False  # its own process group (killed as a whole)

    def start(self):
        odoo_bin = os.path.join(os.environ.get("ODOO_SRC", "/opt/odoo-19.0"), "odoo-bin")
        # one database, named by -d and no --db-filter: with a filter, Odoo lists the
        # databases (a new connection to `postgres`) for every request without a session,
        # such as each webhook (docs/deploying.md)
        cmd = [
            sys.executable,
            odoo_bin,
            "-c",
            self.conf,
            "-d",
            self.db,
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            f"--workers={self.workers}",
            f"--max-cron-threads={self.cron_workers}",
            "--limit-time-real=600",
            "--limit-time-cpu=600",
            f"--logfile={self.log}",
            *self.options,
        ]
        Path(self.log).write_text("")  # Odoo appends to --logfile: start it afresh
        self.process = subprocess.Popen(cmd, env=self.environ, start_new_session=self.own_group)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(f"{self.url}/web/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the Odoo server did not start, see {self.log}")

    def stop(self):
        if not self.process:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class ServerBench:
    """The benchmark database (committed data through `env(cr)`), the simulator with the
    `channels` configured, and the Odoo server (`start_server` / `stop_server`)."""

    channels = ()
    secret = "bench-secret"
    server_log = "bench-server"

    def __init__(self, args):
        self.args = args
        config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
        self.registry = Registry(args.db)
        self.sim = start_simulator()
        for code in self.channels:
            self.sim.configure_channel(code, secret=self.secret)
        self.server = None

    def env(self, cr, **context):
        return odoo.api.Environment(cr, odoo.SUPERUSER_ID, context)

    def create_variants(self, env, name, count, quantity, location):
        """`count` storable variants with internal references NAME-00000, NAME-00001...
        and `quantity` units each at `location`."""
        products = env["product.product"].create(
            [
                {
                    "name": f"{name.title()} {i}",
                    "default_code": f"{name.upper()}-{i:05d}",
                    "type": "consu",
                    "is_storable": True,
                }
                for i in range(count)
            ]
        )
        for product in products:
            env["stock.quant"]._update_available_quantity(product, location, quantity)
        return products

    def create_channels(self, env, warehouse, **vals):
        """The `channels`: generic_json marketplaces of `warehouse` pushing to the simulator."""
        return env["stock.channel"].create(
            [
                {
                    "name": code,
                    "code": code,
                    "channel_type": "marketplace",
                    "warehouse_id": warehouse.id,
                    "connector": "generic_json",
                    "endpoint_url": self.sim.generic_url(code),
                    "api_secret": self.secret,
                    **vals,
                }
                for code in self.channels
            ]
        )

    def start_server(self):
        args = self.args
        self.server = OdooServer(
            args.conf, args.db, args.workers, args.cron_workers, log_name=self.server_log
        ).start()

    def stop_server(self):
        if self.server:
            self.server.stop()
