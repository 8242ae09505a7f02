"""A forced republish of every variant on every channel, timed until the simulator holds
every SKU of every channel at the right quantity. Started by ``bench/run republish
[--variants 100000] [--channels 5] [--connector generic_json|shopify|woocommerce|bol|
mirakl|amazon] [--batch-size N]``.

Set-up (untimed): by SQL bulk inserts (as bench/publishable.py), ``--variants`` storable
variants REP-0000000... with a quant each in the company warehouse's stock (quantities
1 to 40, none reserved); ``--channels`` channels of ``--connector`` on the simulator
(this process), their batch size ``--batch-size`` (default: the connector's largest),
the variants bound on the marketplaces that need it (bindings by SQL, the catalogues in
the simulator). Nothing is pending when the server starts.

Measured: the real Odoo server (prefork: ``--workers`` HTTP workers, ``--cron-workers``
cron workers: the job cron queues the variants, the dispatch cron pushes them, as in
production), and the forced republish started as a manager does it: the channels'
``action_republish`` (the *Republish all* button), in the admin's name, committed. The
clock runs from that commit until every channel's SKUs are on the simulator (the
accepted requests of its journal, read as they come). The server starts with its
scheduled actions not due (as a server that has been running; a fresh database has them
all overdue at once), but for the dispatcher's and the jobs' (their own schedule).
Printed: variants, channels, items, seconds, items/s, the platform's floor (the least
time its documented limits allow for those items), peak RSS of the server's processes
(VmHWM) and of the bench, requests made, 429s; the CPU seconds during the run of the
server's processes, of the database's backends (sampled with the RSS) and of this process
(the simulator's threads, and the bench's main thread apart), each also per item; then
the check:
every SKU's last accepted quantity on the simulator (and, for the generic receiver, its
level) equals Odoo's publishable (``_compute_publishable``, read after the run); exit 1
otherwise.
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import os
import resource
import sys
import time

import psutil

from bench._server import ServerBench, add_arguments
from bench.publishable import seed_sql
from bench.wires import WIRES
from core.connectors import get_connector

SECRET = "bench-secret"
CHECK_CHUNK = 20_000
# the server's RSS and CPU read every second (each read goes over every process of the
# machine: at every look at the journal, they cost the bench a core's 5 s in a run)
SAMPLE_SECONDS = 1.0


def floor_seconds(connector, items, channels, sim_settings):
    """The least time the platform's documented limits allow for `items` items spread
    over `channels` accounts (each account has its own limits); None: no limit."""
    per_channel = -(-items // channels)
    if connector == "bol":  # one PUT per offer, 50 per second per account (offer_stock)
        return per_channel / 50
    if connector == "shopify":  # 250 a mutation, its cost taken from a leaky bucket
        calls = -(-per_channel // 250)
        cost = calls * sim_settings["mutation_cost"] - sim_settings["maximum_available"]
        return max(cost, 0) / sim_settings["restore_rate"]
    if connector == "mirakl":  # one stock file (10,000 offers) a minute per shop
        return (-(-per_channel // 10_000) - 1) * 60
    if connector == "amazon":  # patches 5/s, feeds above the threshold: a feed a file
        return None
    return None


class Bench(ServerBench):
    server_log = "bench-republish"

    def __init__(self, args):
        self.channels = tuple(f"rep_{i:02d}" for i in range(args.channels))
        super().__init__(args)
        self.wire = WIRES[args.connector](self.sim, SECRET)
        self.wire.processing_delay = 0.5
        self.connector = get_connector(args.connector)
        self.batch_size = args.batch_size or self.connector.max_batch_size
        self.channel_ids, self.product_ids, self.skus, self.wanted = [], [], {}, set()
        self.seen = {code: {} for code in self.channels}  # code -> {sku: quantity}
        self.read_upto = 0
        self.requests = self.throttled = 0
        self.hwm = {}  # pid -> VmHWM kB
        # pid -> CPU seconds (user + system), the last read: a process that ended keeps
        # what it had at the last sample (the server's workers, the database's backends)
        self.cpu = {"odoo": {}, "pg": {}}
        self.root_pid = None
        # this process's CPU seconds (user + system): the simulator's threads and the
        # bench's own (its main thread: the journal, the samples)
        self.own_cpu = {"process": 0.0, "bench": 0.0}

    def log(self, message):
        print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)

    # -- set-up ------------------------------------------------------------
    def setup(self):
        args = self.args
        with self.registry.cursor() as cr:
            env = self.env(cr)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            model = env["product.product"].create(
                {"name": "Republish model", "default_code": "REP-MODEL", "is_storable": True}
            )
            env["stock.quant"]._update_available_quantity(model, warehouse.lot_stock_id, 1)
            quants = env["stock.quant"].search([("product_id", "=", model.id)])
            env.flush_all()
            cr.execute(
                seed_sql(cr)
                .replace("'PUB-'", "'REP-'")
                .replace("Publishable", "Republish")
                # nothing reserved: no move would hold it (Odoo repairs such quants)
                .replace("(g.n + q.location_id) %% 3", "0"),
                {
                    "stop": args.variants,
                    "tmpl": model.product_tmpl_id.id,
                    "variant": model.id,
                    "quants": quants.ids,
                    "spread": 40,  # quantities 1 to 40
                },
            )
            self.product_ids = [pid for (pid,) in cr.fetchall()]
            model.active = False  # not published: the bench's variants only
            env.flush_all()
            cr.execute(
                "SELECT id, default_code FROM product_product WHERE id = ANY(%s)",
                [self.product_ids],
            )
            self.skus = dict(cr.fetchall())
            self.wanted = set(self.skus.values())
            for code in self.channels:
                self.wire.configure(code)
                channel = env["stock.channel"].create(
                    {
                        "name": code,
                        "code": code,
                        "channel_type": "marketplace",
                        "warehouse_id": warehouse.id,
                        "connector": self.wire.connector,
                        "batch_size": self.batch_size,
                        **self.wire.channel_vals(code),
                    }
                )
                channel._set_settings(self.wire.settings(code))
                self.bind(env, channel)
                self.channel_ids.append(channel.id)
        with self.registry.cursor() as cr:
            # nothing pending before the republish (what the set-up queued at its
            # commit): the server starts idle
            cr.execute("DELETE FROM stock_channel_outbox")
            cr.execute("DELETE FROM stock_channel_job")
            # a server that has been running: its scheduled actions are not all overdue
            # at once (a fresh database's are: website's and the hourly recompute would
            # hold both cron workers for minutes); the republish triggers its own
            cr.execute(
                "UPDATE ir_cron SET nextcall = (now() at time zone 'utc') + interval '2 hours' "
                "WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' "
                "AND module = 'stock_channel_sync' AND name = ANY(%s))",
                [["ir_cron_dispatch", "ir_cron_channel_jobs"]],
            )
            cr.execute(
                "ANALYZE product_template, product_product, stock_quant, stock_channel_binding"
            )

    def bind(self, env, channel):
        """The variants bound on the marketplaces that need it (bindings by SQL)."""
        connector = self.wire.connector
        if connector == "generic_json":
            return
        if connector not in ("shopify", "bol", "woocommerce"):
            self.wire.bind(env, channel, env["product.product"].browse(self.product_ids))
            return
        external = {}
        for product_id in self.product_ids:
            sku = self.skus[product_id]
            if connector == "shopify":
                number = len(self.wire.skus) + 1
                gid = f"gid://shopify/InventoryItem/{number}"
                self.wire.skus[gid] = sku
                self.wire.catalogs.setdefault(channel.code, {})[sku] = gid
                external[product_id] = str(number)
            elif connector == "bol":
                offer_id = self.sim.bol.add_offer(channel.code, sku, sku)
                self.wire.skus[offer_id] = sku
                external[product_id] = offer_id
            else:
                shop_id = self.sim.woocommerce.add_product(channel.code, sku, 0)
                self.wire.skus[(channel.code, shop_id)] = sku
                external[product_id] = str(shop_id)
        if connector == "shopify":
            self.wire.configure(channel.code)
        env.cr.execute(
            """
            INSERT INTO stock_channel_binding (channel_id, company_id, product_id, external_id,
                   external_sku, active, fulfilled_by_channel, create_uid, create_date,
                   write_uid, write_date)
            SELECT %s, %s, v.p, v.e, pp.default_code, true, false, 1, now() at time zone 'utc',
                   1, now() at time zone 'utc'
              FROM unnest(%s::int[], %s::varchar[]) AS v(p, e)
              JOIN product_product pp ON pp.id = v.p
            """,
            [channel.id, channel.company_id.id, list(external), list(external.values())],
        )

    # -- the run -----------------------------------------------------------
    def republish(self):
        """The Republish all button of every channel, in the admin's name; committed."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            admin = env.ref("base.user_admin")
            env["stock.channel"].browse(self.channel_ids).with_user(admin).action_republish()

    def read_journal(self):
        """The simulator's requests received since the last read: the items each
        accepted request carried (its last quantity per SKU), requests, 429s."""
        state = self.sim.state
        with state.lock:
            entries = state.received[self.read_upto :]
        for entry in entries:
            if entry["status"] is None:  # not answered yet: read again next time
                break
            self.read_upto += 1
            self.requests += 1
            self.throttled += entry["status"] == 429
            code = entry["path"].split("/")[2]
            if code in self.seen:
                items = self.wire.items(entry)
                self.seen[code].update(
                    (sku, qty) for sku, qty in items.items() if sku in self.wanted
                )
        with state.lock:  # what is read is forgotten: the journal stays small
            del state.received[: self.read_upto]
        self.read_upto = 0

    def complete(self):
        return all(len(self.seen[code]) >= len(self.product_ids) for code in self.channels)

    def sample_rss(self):
        """VmHWM of the server's processes (the main one and its workers)."""
        root = self.root_pid = self.server.process.pid
        pids = [root]
        try:
            for name in os.listdir("/proc"):
                if name.isdigit():
                    with open(f"/proc/{name}/stat") as stat:
                        if int(stat.read().rsplit(")", 1)[1].split()[1]) == root:
                            pids.append(int(name))
        except OSError:
            pass
        for pid in pids:
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            kb = int(line.split()[1])
                            self.hwm[pid] = max(self.hwm.get(pid, 0), kb)
            except OSError:
                continue

    def sample_cpu(self):
        """CPU seconds so far of the server's processes and of the PostgreSQL backends of
        the benchmark database (a measure of the work that the machine's load does not
        change; the republish's backends are the server's pooled connections)."""
        try:
            server = psutil.Process(self.server.process.pid)
            procs = [server, *server.children(recursive=True)]
        except psutil.Error:
            procs = []
        for proc in procs:
            try:
                times = proc.cpu_times()
                self.cpu["odoo"][proc.pid] = times.user + times.system
            except psutil.Error:
                continue
        for proc in psutil.process_iter(["name", "cmdline"]):
            try:
                title = " ".join(proc.info["cmdline"] or [])
                if proc.info["name"] == "postgres" and f" {self.args.db} " in title:
                    times = proc.cpu_times()
                    self.cpu["pg"][proc.pid] = times.user + times.system
            except psutil.Error:
                continue

        self.own_cpu = {"process": time.process_time(), "bench": time.thread_time()}

    def cpu_seconds(self):
        """(Odoo, PostgreSQL, this process, its main thread) CPU seconds so far."""
        servers = tuple(sum(self.cpu[side].values()) for side in ("odoo", "pg"))
        return (*servers, self.own_cpu["process"], self.own_cpu["bench"])

    def wait(self, timeout):
        start = time.monotonic()
        last = sampled = 0
        while time.monotonic() - start < timeout:
            self.read_journal()
            if time.monotonic() - sampled >= SAMPLE_SECONDS:
                sampled = time.monotonic()
                self.sample_rss()
                self.sample_cpu()
            if self.complete():
                return True
            if time.monotonic() - last > 10:
                last = time.monotonic()
                done = sum(len(seen) for seen in self.seen.values())
                self.log(f"{done} items on the simulator, {self.requests} requests")
            time.sleep(0.25)
        return False

    # -- the check ---------------------------------------------------------
    def check(self):
        """[(channel, sku, on the simulator, Odoo's publishable)] of the wrong SKUs."""
        wrong = []
        with self.registry.cursor() as cr:
            env = self.env(cr)
            for channel in env["stock.channel"].browse(self.channel_ids):
                levels = self.sim.generic_levels(channel.code) if self.generic else None
                for start in range(0, len(self.product_ids), CHECK_CHUNK):
                    products = env["product.product"].browse(
                        self.product_ids[start : start + CHECK_CHUNK]
                    )
                    results = channel._compute_publishable(products)
                    for product_id in products.ids:
                        sku = self.skus[product_id]
                        expected = results[channel.id, product_id].publishable
                        held = self.seen[channel.code].get(sku)
                        if levels is not None and levels.get(sku) != held:
                            held = ("level", levels.get(sku))
                        if held != expected:
                            wrong.append((channel.code, sku, held, expected))
                    env.invalidate_all()
        return wrong

    @property
    def generic(self):
        return self.wire.connector == "generic_json"


def print_cpu(before, after, items):
    """The CPU seconds of the run by process: Odoo's (server and workers), PostgreSQL's
    (the database's backends), this process's (the simulator's threads and the bench's
    main thread, told apart), and each side per item."""
    odoo, pg, process, bench = (b - a for a, b in zip(before, after, strict=True))
    sides = (("Odoo", odoo), ("PostgreSQL", pg), ("simulator", process - bench), ("bench", bench))
    total = odoo + pg + process
    per_item = 1e6 / max(items, 1)
    print("| CPU during the run | CPU-s | share | CPU-us an item |")
    print("|---|---:|---:|---:|")
    for name, seconds in sides:
        print(
            f"| {name} | {seconds:.1f} | {seconds / max(total, 1e-9):.0%} "
            f"| {seconds * per_item:.0f} |"
        )
    print(f"| all | {total:.1f} | 100% | {total * per_item:.0f} |")
    print(
        f"  CPU s during the run: Odoo {odoo:.1f} + PostgreSQL {pg:.1f}; "
        f"{(odoo + pg) * per_item:.0f} CPU-microseconds an item (Odoo + PostgreSQL)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser, workers=2, cron_workers=2)
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--connector", default="generic_json", choices=sorted(WIRES))
    parser.add_argument("--batch-size", type=int, default=0, help="0: the connector's largest")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    bench = Bench(args)
    bench.log(f"seeding {args.variants} variants, {args.channels} {args.connector} channels")
    start = time.monotonic()
    bench.setup()
    bench.log(f"set up in {time.monotonic() - start:.1f} s; starting the server")
    bench.start_server()
    try:
        time.sleep(2)
        bench.sim.clear_received()
        bench.sample_cpu()
        cpu_before = bench.cpu_seconds()
        bench.log("Republish all")
        start = time.monotonic()
        bench.republish()
        complete = bench.wait(args.timeout)
        seconds = time.monotonic() - start
        bench.read_journal()
        bench.sample_rss()
        bench.sample_cpu()
        cpu_after = bench.cpu_seconds()
        bench_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        bench.stop_server()
    bench.log(f"{'all' if complete else 'NOT all'} accepted in {seconds:.1f} s; checking")
    wrong = bench.check()
    items = sum(len(seen) for seen in bench.seen.values())
    floor = None
    if not bench.generic:
        settings = {"mutation_cost": 10, "maximum_available": 10_000.0, "restore_rate": 1000.0}
        floor = floor_seconds(args.connector, items, args.channels, settings)
    workers = [kb for pid, kb in bench.hwm.items() if pid != bench.root_pid]
    main_kb = bench.hwm.get(bench.root_pid, 0)
    print(
        f"\nForced republish ({args.connector}, batch size {bench.batch_size}; real server: "
        f"{args.workers} HTTP + {args.cron_workers} cron workers; {os.cpu_count()} cores)"
    )
    print(
        "| variants | channels | items | seconds | items/s | floor s | peak RSS MB server "
        "(max worker / all) | peak RSS MB bench | requests | 429s | check |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    floor_text = "-" if floor is None else f"{floor:.1f}"
    check = "ok" if not wrong and complete else f"{len(wrong)} wrong"
    print(
        f"| {args.variants} | {args.channels} | {items} | {seconds:.1f}"
        f"{'' if complete else ' (incomplete)'} | {items / seconds:.0f} | {floor_text} | "
        f"{max(workers, default=0) / 1024:.0f} / {(sum(workers) + main_kb) / 1024:.0f} | "
        f"{bench_rss:.0f} | {bench.requests} | {bench.throttled} | {check} |"
    )
    print_cpu(cpu_before, cpu_after, items)
    for code, sku, held, expected in wrong[:10]:
        print(f"  {code} {sku}: simulator {held}, Odoo {expected}")
    if wrong or not complete:
        sys.exit(1)


if __name__ == "__main__":
    main()
