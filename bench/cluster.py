"""Several Odoo servers on one PostgreSQL: the same load on one server, then on two, then
on two with one killed in the middle; and a streaming replica for the read-only work.

Each server is a real `odoo-bin` (prefork: HTTP workers and cron workers) on its own
port, all on the benchmark database of the dev cluster. The load of each phase: signed
generic_json orders (as bench/order_intake.py sends them) spread over the servers by
concurrent senders (a load balancer's round robin: a sender whose server does not answer
sends to the next one), while writer threads commit stock changes at a fixed rate (as
bench/push_latency.py makes them); the servers' crons push to 3 generic_json channels
on the simulator. Stock is scarce (orders ask for more units than there are): the
variant locks decide who gets the last units.

Checked after each phase (exit 1 when one fails): no push sent twice (the simulator's
requests per (channel, Idempotency-Key) and per (channel, SKU, sequence), replays of the
same key apart), none out of order (items dropped as stale), the outbox drained (no row
pending, no push in doubt) and the channels' levels equal to what Odoo published; one
sale order per accepted order (none without), every accepted order confirmed; no unit
sold twice (per variant, the units of the channel orders at most the units on hand:
no delivery is done during the bench). The pushes' share of each server is read from
the sync log's server tag (hostname or ODOO_SERVER_TAG, and pid).

The kill phase sends SIGKILL to the process group of the second server in the middle of
the load: the other one finishes the work (the dispatcher's advisory lock and the cron's
row lock die with the session; the rows of a push in doubt are still pending and leave
again with fresh sequences).

The replica part: `pg_basebackup -R` from the dev cluster into a temporary data
directory, started on another port (127.0.0.1 and a private socket only), a server with
--db_replica_host/--db_replica_port; readers (JSON-RPC sessions) open the overview
(web_search_read of the channels' cards) and the Products x Channels grid (get_page) in
a loop, first on a server without replica, then on the one with it; the primary's
pg_stat_database counters of the database show what the primary did in each case.
Started by `bench/run cluster`.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from bench._server import OdooServer as BaseServer
from bench._server import ServerBench, add_arguments, free_port
from bench._stats import interpolated_percentile as percentile
from simulator.clients import signed_order_request

SECRET = "bench-secret"
CHANNELS = ("cluster_a", "cluster_b", "cluster_c")
ROUTE = "/stock_channel_sync/{code}/orders"
ACCEPTED = "accepted"
PRICE = 10.0
REQUEST_TIMEOUT = (10, 120)
WRITERS = 2
DRAIN_SECONDS = 300
PHASES = 3  # one server, two servers, two servers and one killed
PG_DIR = os.environ.get("SCS_PG_DIR", "/var/lib/stock_channel_sync/pg")
OVERVIEW_FIELDS = ("overview_health", "overview_pending", "overview_accepted_p95")


class OdooServer(BaseServer):
    """A server of the cluster: its own process group (killed as a whole), a tag in its
    environment (the sync log's server column), extra options (the replica's)."""

    def __init__(self, conf, db, workers, cron_workers, tag, options=()):
        super().__init__(conf, db, workers, cron_workers, log_name=f"bench-cluster-{tag}")
        self.tag = tag
        self.options = list(options)
        self.environ = dict(os.environ, ODOO_SERVER_TAG=tag)
        self.own_group = True

    def kill(self):
        """SIGKILL to the whole process group: the master, its HTTP and cron workers."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def cursor_modes(self):
        """{cursor mode: calls} of the call_kw requests logged (Odoo ends each request's
        line with its cursor: ro, rw, or ro->rw for a read-only call that wrote)."""
        modes = Counter()
        for line in Path(self.log).read_text(errors="replace").splitlines():
            if "/web/dataset/call_kw/" in line and ' HTTP/1.1" 200 ' in line:
                modes[line.rsplit(" ", 1)[-1]] += 1
        return modes


class Bench(ServerBench):
    channels = CHANNELS
    secret = SECRET

    def __init__(self, args):
        super().__init__(args)
        self.run_id = uuid.uuid4().hex[:6]
        self.servers = []
        self.done_phases = []

    # -- set-up ------------------------------------------------------------
    def setup(self):
        with self.registry.cursor() as cr:
            env = self.env(cr, tracking_disable=True)
            warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)])[:1]
            products = self.create_variants(
                env, "cluster", PHASES * self.args.variants, self.args.stock,
                warehouse.lot_stock_id,
            )  # fmt: skip
            channels = self.create_channels(env, warehouse)
            self.channel_ids = channels.ids
            self.all_product_ids = products.ids
            size = self.args.variants
            # each phase its own variants, stocked alike: the same load for each
            self.groups = [
                (products[i : i + size].ids, products[i : i + size].mapped("default_code"))
                for i in range(0, len(products), size)
            ]
            self.product_ids, self.skus = self.groups[0]
            self.location_id = warehouse.lot_stock_id.id
            self.currency = env.company.currency_id.name
            admin = env.ref("base.user_admin")
            admin.group_ids += env.ref("stock_channel_sync.group_channel_manager")
            cr.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'stock_channel_sync_log' AND column_name = 'server_tag'"
            )
            self.has_tag = bool(cr.fetchone())

    def start_servers(self, count, options=()):
        args = self.args
        self.servers = [
            OdooServer(args.conf, args.db, args.workers, args.cron_workers, tag, options).start()
            for tag in "ab"[:count]
        ]

    def stop_servers(self):
        for server in self.servers:
            server.stop()
        self.servers = []

    # -- orders ------------------------------------------------------------
    def order(self, order_id, rng):
        skus = rng.sample(self.skus, rng.randint(1, 2))
        lines = [
            {
                "id": f"{order_id}-{i}",
                "sku": sku,
                "quantity": rng.randint(1, 3),
                "price_unit": PRICE,
            }
            for i, sku in enumerate(skus, 1)
        ]
        return {
            "id": order_id,
            "created_at": "2026-11-23T10:00:00Z",
            "currency": self.currency,
            "customer": {"name": "Bench Buyer", "email": f"b{rng.randint(1, 200)}@example.com"},
            "shipping_address": {
                "name": "Bench Buyer",
                "street": "Rue Haute 1",
                "zip": "1000",
                "city": "Brussels",
                "country_code": "BE",
            },
            "lines": lines,
            "total_amount": sum(line["quantity"] for line in lines) * PRICE,
        }

    def send_orders(self, label, count, senders, on_progress=None):
        """Send `count` orders round robin over the servers alive; a sender whose server
        does not answer sends to the next one (as a load balancer). Returns
        [(order id, server tag or None, answer status, seconds)], elapsed."""
        rng = random.Random(label)
        todo = iter(range(count))
        lock = threading.Lock()
        results = []

        def sender():
            with requests.Session() as session:
                while True:
                    with lock:
                        index = next(todo, None)
                    if index is None:
                        return
                    if on_progress:
                        on_progress(index)
                    order_id = f"{self.run_id}-{label}-{index}"
                    with lock:
                        payload = self.order(order_id, rng)
                    body, headers = signed_order_request(SECRET, payload)
                    code = CHANNELS[index % len(CHANNELS)]
                    start = time.perf_counter()
                    outcome = self._send(session, index, code, body, headers)
                    with lock:
                        results.append((order_id, *outcome, time.perf_counter() - start))

        threads = [threading.Thread(target=sender) for _ in range(senders)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results, time.perf_counter() - start

    def _send(self, session, index, code, body, headers):
        for attempt in range(2 * len(self.servers) + 2):
            alive = [s for s in self.servers if s.process]
            server = alive[(index + attempt) % len(alive)]
            try:
                response = session.post(
                    server.url + ROUTE.format(code=code),
                    data=body, headers=headers, timeout=REQUEST_TIMEOUT,
                )  # fmt: skip
            except requests.RequestException:
                time.sleep(0.5)
                continue
            try:
                status = response.json().get("status") or str(response.status_code)
            except ValueError:
                status = str(response.status_code)
            return server.tag, status
        return None, "no answer"

    # -- stock changes -------------------------------------------------------
    def change_stock(self, per_minute, seconds, stop):
        """Commit `per_minute` changes of +1 unit for `seconds` (or until `stop` is set);
        returns the number of changes committed."""
        total = max(1, round(per_minute * seconds / 60))
        interval = 60.0 / per_minute
        start = time.monotonic()
        slots = iter(range(total))
        lock = threading.Lock()
        done = []

        def writer():
            with self.registry.cursor() as cr:
                env = self.env(cr)
                location = env["stock.location"].browse(self.location_id)
                while not stop.is_set():
                    with lock:
                        slot = next(slots, None)
                    if slot is None:
                        return
                    delay = start + slot * interval - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    product = env["product.product"].browse(
                        self.product_ids[(slot * 7) % len(self.product_ids)]
                    )
                    for _attempt in range(5):
                        try:
                            env["stock.quant"]._update_available_quantity(product, location, 1)
                            env.flush_all()
                            cr.commit()
                            done.append(slot)
                            break
                        except Exception:  # a serialization failure: again
                            cr.rollback()
                            env.invalidate_all()

        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return len(done)

    # -- the database and the channels ------------------------------------------
    def query(self, sql, params=()):
        with self.registry.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()

    def wait_drained(self, timeout=DRAIN_SECONDS):
        """Seconds until no outbox row is pending and no push is in doubt (None: never)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            (left,) = self.query(
                "SELECT (SELECT count(*) FROM stock_channel_outbox WHERE channel_id = ANY(%s) "
                "AND state IN ('pending', 'late')) + (SELECT count(*) FROM "
                "stock_channel_quantity WHERE channel_id = ANY(%s) AND push_in_doubt)",
                [self.channel_ids, self.channel_ids],
            )[0]
            if not left:
                return time.monotonic() - start
            time.sleep(1)
        return None

    def in_doubt(self):
        return self.query(
            "SELECT count(*) FROM stock_channel_quantity WHERE channel_id = ANY(%s) "
            "AND push_in_doubt",
            [self.channel_ids],
        )[0][0]

    def push_checks(self):
        """(problems, HTTP pushes, items pushed) from the simulator's journal."""
        per_key, per_sequence, pushes, items = Counter(), Counter(), 0, 0
        for code in CHANNELS:
            for request in self.sim.received(f"/generic/{code}"):
                if request["method"] != "POST" or request["replayed"]:
                    continue
                if not (request["status"] and 200 <= request["status"] < 300):
                    continue
                pushes += 1
                headers = {k.lower(): v for k, v in request["headers"].items()}
                per_key[code, headers.get("idempotency-key")] += 1
                for item in _json_items(request["body"]):
                    items += 1
                    per_sequence[code, item["sku"], item["sequence"]] += 1
        problems = []
        twice = sum(1 for (_c, key), n in per_key.items() if key and n > 1)
        if twice:
            problems.append(f"{twice} pushes sent twice (same channel and Idempotency-Key)")
        twice = sum(1 for n in per_sequence.values() if n > 1)
        if twice:
            problems.append(f"{twice} items sent twice (same channel, SKU and sequence)")
        stale = sum(self.sim.stale_count(code) for code in CHANNELS)
        if stale:
            problems.append(f"{stale} items dropped as stale (sent out of order)")
        published = {
            (code, sku): qty
            for code, sku, qty in self.query(
                "SELECT c.code, pp.default_code, q.published_qty FROM stock_channel_quantity q "
                "JOIN stock_channel c ON c.id = q.channel_id "
                "JOIN product_product pp ON pp.id = q.product_id "
                "WHERE q.channel_id = ANY(%s) AND q.published_at IS NOT NULL",
                [self.channel_ids],
            )
        }
        levels = {
            (code, sku): q for code in CHANNELS for sku, q in self.sim.generic_levels(code).items()
        }
        differ = sum(1 for key, qty in published.items() if levels.get(key) != qty)
        if differ:
            problems.append(f"{differ} channel levels differ from what Odoo published")
        return problems, pushes, items

    def order_checks(self, results, timeout=180):
        """Problems of the orders: one sale order per accepted answer, confirmed; no unit
        sold beyond the units on hand."""
        accepted = {order_id for order_id, _tag, status, _s in results if status == ACCEPTED}
        refs = [order_id for order_id, *_rest in results]
        deadline = time.monotonic() + timeout
        while True:
            rows = self.query(
                "SELECT channel_order_ref, count(*), bool_and(state = 'sale') FROM sale_order "
                "WHERE channel_id = ANY(%s) AND channel_order_ref = ANY(%s) "
                "GROUP BY channel_order_ref",
                [self.channel_ids, refs],
            )
            orders = {ref: (n, confirmed) for ref, n, confirmed in rows}
            waiting = [ref for ref in accepted if ref in orders and not orders[ref][1]]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(2)
        problems = []
        checks = (
            ("sale orders created twice", sum(1 for n, _c in orders.values() if n > 1)),
            ("accepted orders without sale order", len(accepted - set(orders))),
            (
                "confirmed sale orders without accepted answer",
                sum(1 for ref, (_n, c) in orders.items() if c and ref not in accepted),
            ),
            ("accepted orders not confirmed", len(waiting)),
            ("variants sold beyond their units on hand", self.oversold()),
        )
        problems = [f"{n} {what}" for what, n in checks if n]
        return problems, len(accepted)

    def oversold(self):
        """Variants whose confirmed channel order lines ask more units than on hand."""
        return self.query(
            """
            WITH sold AS (
                SELECT l.product_id, sum(l.product_uom_qty) AS qty FROM sale_order_line l
                  JOIN sale_order o ON o.id = l.order_id
                 WHERE o.channel_id = ANY(%s) AND o.state = 'sale' AND l.product_id = ANY(%s)
                 GROUP BY l.product_id),
            onhand AS (
                SELECT q.product_id, sum(q.quantity) AS qty FROM stock_quant q
                  JOIN stock_location loc ON loc.id = q.location_id
                 WHERE loc.usage = 'internal' AND q.product_id = ANY(%s)
                 GROUP BY q.product_id)
            SELECT count(*) FROM sold LEFT JOIN onhand USING (product_id)
             WHERE sold.qty > coalesce(onhand.qty, 0)
            """,
            [self.channel_ids, self.all_product_ids, self.all_product_ids],
        )[0][0]

    def shares(self, since_id):
        """{server tag: pushes logged} of the sync log rows after `since_id`."""
        if not self.has_tag:
            return None
        rows = self.query(
            "SELECT split_part(server_tag, ':', 1), count(*) FROM stock_channel_sync_log "
            "WHERE channel_id = ANY(%s) AND id > %s GROUP BY 1",
            [self.channel_ids, since_id],
        )
        return dict(rows)

    def last_log_id(self):
        return self.query("SELECT coalesce(max(id), 0) FROM stock_channel_sync_log")[0][0]


def _json_items(body):
    try:
        return json.loads(body).get("items") or []
    except (ValueError, AttributeError):
        return []


# -- phases --------------------------------------------------------------------
def run_phase(bench, name, servers, kill_after=None):
    """One phase of load; returns its row for the table (and its problems)."""
    args = bench.args
    bench.product_ids, bench.skus = bench.groups[len(bench.done_phases)]
    bench.done_phases.append(name)
    bench.start_servers(servers)
    bench.sim.clear_received()
    since = bench.last_log_id()
    killed = {}
    stop = threading.Event()
    changes = {}
    start = time.monotonic()
    writer = threading.Thread(
        target=lambda: changes.setdefault("n", bench.change_stock(args.rate, args.seconds, stop))
    )
    writer.start()

    def on_progress(index):
        if kill_after is not None and index == kill_after and not killed:
            killed["at"] = time.monotonic() - start
            bench.servers[-1].kill()
            killed["in_doubt"] = bench.in_doubt()

    try:
        results, elapsed = bench.send_orders(name, args.orders, args.senders, on_progress)
        writer.join()
        drained = bench.wait_drained()
        total = time.monotonic() - start
        push_problems, pushes, items = bench.push_checks()
        order_problems, accepted = bench.order_checks(results)
        shares = bench.shares(since)
    finally:
        stop.set()
        writer.join()
        bench.stop_servers()
    problems = push_problems + order_problems
    if drained is None:
        problems.append("the outbox was not drained (rows pending or pushes in doubt)")
    latencies = [row[3] * 1000 for row in results]
    by_server = Counter(tag for _o, tag, _s, _t in results)
    return {
        "name": name,
        "servers": servers,
        "orders": len(results),
        "accepted": accepted,
        "orders_s": len(results) / elapsed,
        "p95": percentile(latencies, 95),
        "answered_by": by_server,
        "changes": changes.get("n", 0),
        "pushes": pushes,
        "items": items,
        "drained": None if drained is None else total,
        "shares": shares,
        "killed": killed,
        "problems": problems,
    }


class Replica:
    """A streaming replica of the dev cluster in a temporary directory (as its owner)."""

    def __init__(self, bench):
        self.slot = f"{bench.args.db}_replica"
        bindirs = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
        )
        self.bin = bindirs[-1]
        self.root = Path(tempfile.mkdtemp(prefix="scs-replica-", dir=PG_DIR))
        self.port = free_port()
        self.owner = Path(PG_DIR, "data").owner()

    def _as_owner(self, *cmd):
        if os.getuid() == 0:
            cmd = ("runuser", "-u", self.owner, "--", *cmd)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    def start(self, bench):
        shutil.chown(self.root, self.owner)
        # a slot keeps the WAL the replica has not received (the dev cluster recycles it
        # fast while others work on it); dropped with the replica
        self.drop_slot(bench)
        # reserved now, before the backup starts (pg_basebackup -C reserves it later)
        bench.query("SELECT 1 FROM pg_create_physical_replication_slot(%s, true)", [self.slot])
        started = time.monotonic()
        self._as_owner(
            str(self.bin / "pg_basebackup"), "-S", self.slot,
            "-h", f"{PG_DIR}/run", "-p", "5432", "-U", "postgres",
            "-D", str(self.root / "data"), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        self.copy_seconds = time.monotonic() - started
        self._as_owner("mkdir", "-p", str(self.root / "run"))
        options = f"-p {self.port} -k {self.root}/run -c listen_addresses=127.0.0.1"
        self._as_owner(
            str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-l",
            str(self.root / "postgresql.log"), "-o", options, "-w", "start",
        )  # fmt: skip
        return self

    def drop_slot(self, bench):
        bench.query(
            "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots "
            "WHERE slot_name = %s",
            [self.slot],
        )

    def stop(self, bench):
        try:
            self._as_owner(
                str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"
            )
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
        self.drop_slot(bench)

    def wait_caught_up(self, bench, timeout=180):
        """Wait until the replica replayed the primary's WAL of a moment ago."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lag = self.lag_bytes(bench)
            if 0 <= lag < 1_000_000:
                return
            time.sleep(1)

    def lag_bytes(self, bench):
        rows = bench.query(
            "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), -1) "
            "FROM pg_stat_replication WHERE application_name <> 'pg_basebackup'"
        )
        return int(rows[0][0])


def read_loop(server, db, readers, seconds):
    """Readers opening the overview and the grid in a loop; returns (calls, errors)."""
    stop = time.monotonic() + seconds
    counts = Counter()
    lock = threading.Lock()

    def reader():
        with requests.Session() as session:
            session.post(
                f"{server.url}/web/session/authenticate",
                json={"params": {"db": db, "login": "admin", "password": "admin"}},
                timeout=60,
            ).raise_for_status()
            calls = (
                ("stock.channel", "web_search_read", [], {
                    "domain": [], "specification": {f: {} for f in OVERVIEW_FIELDS},
                }),
                ("stock.channel.grid", "get_page", [], {"offset": 0, "limit": 80}),
            )  # fmt: skip
            while time.monotonic() < stop:
                for model, method, call_args, kwargs in calls:
                    answer = session.post(
                        f"{server.url}/web/dataset/call_kw/{model}.{method}",
                        json={
                            "params": {
                                "model": model,
                                "method": method,
                                "args": call_args,
                                "kwargs": kwargs,
                            }
                        },
                        timeout=120,
                    ).json()
                    with lock:
                        counts["error" if "error" in answer else "ok"] += 1

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["error"]


def primary_counters(bench):
    time.sleep(1.5)  # the statistics are flushed about every second
    return bench.query(
        "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched FROM pg_stat_database "
        "WHERE datname = current_database()"
    )[0]


def run_readers(bench, replica):
    """Rows (label, calls, errors, calls on a read-only cursor, read-only calls that
    wrote (run again read/write), primary transactions, rows returned, rows fetched)
    with and without the replica (the warm-up's calls counted in the cursors)."""
    args = bench.args
    rows = []
    for label, options in (
        ("without replica", ()),
        ("with replica", ("--db_replica_host=127.0.0.1", f"--db_replica_port={replica.port}")),
    ):
        bench.start_servers(1, options)
        server = bench.servers[0]
        try:
            read_loop(server, args.db, 1, 3)  # warm-up: caches, sessions
            before = primary_counters(bench)
            ok, errors = read_loop(server, args.db, args.readers, args.read_seconds)
            after = primary_counters(bench)
            modes = server.cursor_modes()
        finally:
            bench.stop_servers()
        deltas = (b - a for a, b in zip(before, after, strict=True))
        rows.append((label, ok, errors, modes["ro"], modes["ro->rw"], *deltas))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser, workers=2, cron_workers=1)
    parser.add_argument("--orders", type=int, default=300, help="orders sent per phase")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--variants", type=int, default=100)
    parser.add_argument("--stock", type=int, default=10, help="units of each variant at start")
    parser.add_argument("--rate", type=int, default=300, help="stock changes per minute")
    parser.add_argument("--seconds", type=float, default=30, help="of stock changes per phase")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--read-seconds", type=float, default=20)
    parser.add_argument("--no-replica", action="store_true")
    args = parser.parse_args()

    bench = Bench(args)
    bench.setup()
    phases = []
    readers = None
    replica = None
    try:
        bench.start_servers(1)  # the first push of every variant, before the phases
        initial = bench.wait_drained()
        bench.stop_servers()
        if initial is None:
            raise SystemExit("the first pushes of the variants did not all leave")
        phases.append(run_phase(bench, "one", 1))
        phases.append(run_phase(bench, "two", 2))
        phases.append(run_phase(bench, "kill", 2, kill_after=args.orders // 2))
        print_tables(args, phases, bench.has_tag)
        if not args.no_replica:
            replica = Replica(bench)
            replica.start(bench)
            replica.wait_caught_up(bench)
            readers = run_readers(bench, replica), replica.copy_seconds, replica.lag_bytes(bench)
            print_readers(args, readers)
    finally:
        bench.stop_servers()
        if replica:
            replica.stop(bench)
        bench.sim.stop()
    problems = [f"{p['name']}: {problem}" for p in phases for problem in p["problems"]]
    for problem in problems:
        print(f"FAILED {problem}")
    if problems:
        raise SystemExit(1)


def print_tables(args, phases, has_tag):
    print()
    print(
        f"Several Odoo servers on one PostgreSQL ({args.workers} HTTP workers + "
        f"{args.cron_workers} cron worker(s) each; {args.orders} orders of 1-2 lines by "
        f"{args.senders} senders, {args.rate} stock changes/min for {args.seconds:.0f} s, "
        f"{len(CHANNELS)} generic_json channels, {args.variants} variants x {args.stock} units "
        "a phase; "
        f"{os.cpu_count()} cores)"
    )
    print(
        "| phase | servers | orders | accepted | orders/s | p95 ms | answered by | stock changes "
        "| pushes (items) | all pushed in s | pushes sent by | checks |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|")
    for p in phases:
        answered = ", ".join(f"{tag}: {n}" for tag, n in sorted(p["answered_by"].items(), key=str))
        shares = p["shares"]
        sent_by = (
            ", ".join(f"{tag}: {n}" for tag, n in sorted(shares.items())) if shares else
            ("not recorded (no server tag on the sync log)" if not has_tag else "-")
        )  # fmt: skip
        name = p["name"]
        if p["killed"]:
            name += (
                f" (b killed at {p['killed']['at']:.0f} s, "
                f"{p['killed']['in_doubt']} pushes in doubt then)"
            )
        drained = "not drained" if p["drained"] is None else f"{p['drained']:.0f}"
        print(
            f"| {name} | {p['servers']} | {p['orders']} | {p['accepted']} | {p['orders_s']:.1f} "
            f"| {p['p95']:.0f} | {answered} | {p['changes']} | {p['pushes']} ({p['items']}) "
            f"| {drained} | {sent_by} | {'; '.join(p['problems']) or 'ok'} |"
        )


def print_readers(args, readers):
    rows, copy_seconds, lag = readers
    print()
    print(
        f"Primary's load while {args.readers} readers open the overview and the grid in a "
        f"loop for {args.read_seconds:.0f} s (one server; the replica: pg_basebackup -R in "
        f"{copy_seconds:.0f} s, replay lag at the end {lag} bytes; {os.cpu_count()} cores)"
    )
    print(
        "| server | calls | errors | on a read-only cursor | read-only retried read/write "
        "| primary transactions | primary rows returned | primary rows fetched |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(str(value) for value in row) + " |")


if __name__ == "__main__":
    main()
