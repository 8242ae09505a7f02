"""Reconciliation at scale: one full run reading back 10,000 and 100,000 SKUs from the
simulator, with edits made on the channel, then their corrections.

Set-up (per size, the sizes ascending on one channel: the next size adds variants):
storable variants with internal references RECON-000000... are created with the ORM in
chunks of CREATE_CHUNK, each chunk committed (their website and POS sequences given: the
defaults read the table's maximum for each variant, quadratic), with a random stock each
(seeded; one ``stock.quant`` per variant created in one batch ``create``, outside
inventory mode: the quant holds that quantity, no move, nothing queued). The channel's
quantities are computed (``_refresh_quantities``) and marked published by SQL
(published_qty = publishable_qty, published a minute ago), and the simulator's levels
are seeded with the same quantities directly, rather than pushing every item through
HTTP: the starting point is "in sync" (the outbox is emptied of the republish that
creating the channel queued).

Then ``--edit-share`` (0.5 %) of the SKUs, picked at random (seeded), are edited on the
simulator to another level, as someone working on the marketplace would. One full run
(``channel._reconcile("full")``) is timed in this process, in a transaction of its own
and committed (the commit queues the corrections in the outbox); its memory: the peak
resident set size sampled every 10 ms during the run, less the size before it (a lower
bound: the allocator reuses what the set-up freed first). Then the dispatcher runs in
this process (``stock.channel.dispatcher._run``, a thread per channel as in the cron)
until the outbox is empty, every SKU of the simulator is compared with Odoo's
publishable quantity, and a second full run, under tracemalloc (Python's allocation
peak; slower, not timed), must find every SKU in sync. Prints a table, and the read
requests the simulator received during each first run (SKUs per request; the channel's
``--batch-size``, 500 by default). Exits 1 unless every edit was found as
``channel_edit`` and nothing else, every SKU is back to Odoo's quantity and the second
run finds no drift.

``--connector`` generic_json (default) or shopify (levels read by inventoryItems
searches of 50 SKUs, then the catalogue listed: the simulator's catalogue listing sums
every level per variant, quadratic, so keep shopify to 10,000). Started by
``bench/run reconcile [--sizes 10000,100000] [--connector generic_json]``.
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import gc
import os
import random
import threading
import time
import tracemalloc
from collections import Counter
from urllib.parse import parse_qs

from bench._server import ServerBench, add_arguments
from bench.wires import SHOPIFY_LOCATION, WIRES

SECRET = "bench-secret"
CHANNEL = "recon"
CREATE_CHUNK = 5000
MAX_STOCK = 200
SEED = 20261123
DISPATCH_TIMEOUT = 600
CONNECTORS = ("generic_json", "shopify")
SEQUENCES = ("website_sequence", "pos_sequence")  # of website_sale and point_of_sale
SEQUENCE_BASE = 1_000_000
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakRss:
    """The peak resident set size while the block runs (sampled), less the size before."""

    def __init__(self, interval=0.01):
        self.interval = interval
        self.base = self.peak = 0
        self._stop = threading.Event()
        self._thread = None

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self):
        self.base = self.peak = rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def mib(self):
        return (self.peak - self.base) / 2**20


class Bench(ServerBench):
    secret = SECRET

    def __init__(self, args):
        super().__init__(args)
        self.wire = WIRES[args.connector](self.sim, SECRET)
        self.rng = random.Random(SEED)
        self.channel_id = None
        self.location_id = None
        self.skus = {}  # product id -> sku
        self.timings = []

    def log(self, message):
        print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)

    # -- set-up ------------------------------------------------------------
    def create_channel(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            warehouse = env["stock.warehouse"].search([], limit=1)
            self.location_id = warehouse.lot_stock_id.id
            self.wire.configure(CHANNEL)
            if self.wire.connector == "shopify":  # a throttled query in the journal: 429
                self.sim.configure_shop(CHANNEL, throttle_status=429)
            channel = env["stock.channel"].create(
                {
                    "name": CHANNEL,
                    "code": CHANNEL,
                    "channel_type": "marketplace",
                    "warehouse_id": warehouse.id,
                    "connector": self.wire.connector,
                    "batch_size": self.args.batch_size,
                    **self.wire.channel_vals(CHANNEL),
                }
            )
            channel._set_settings(self.wire.settings(CHANNEL))
            self.channel_id = channel.id
        self.empty_outbox()

    def empty_outbox(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM stock_channel_outbox WHERE channel_id = %s", [self.channel_id])

    def grow(self, size):
        """Variants up to `size`, with stock, published and seeded on the simulator."""
        start = len(self.skus)
        began = time.monotonic()
        timings = Counter()
        for low in range(start, size, CREATE_CHUNK):
            high = min(size, low + CREATE_CHUNK)
            with self.registry.cursor() as cr:
                env = self.env(cr, tracking_disable=True, mail_create_nolog=True)
                self.add_chunk(env, low, high, timings)
            if high % 20_000 == 0 or high == size:
                self.log(f"{high} variants ({time.monotonic() - began:.0f} s)")
        self.empty_outbox()  # a binding queues its variant: the channel holds it already
        spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
        self.timings.append((size - start, time.monotonic() - began, spent))

    def add_chunk(self, env, low, high, timings):
        tick = time.monotonic()
        # the sequences given: their defaults read MAX() of the table for each variant
        known = env["product.template"]._fields
        sequences = [name for name in SEQUENCES if name in known]
        products = env["product.product"].create(
            [
                {
                    "name": f"Recon {i}",
                    "default_code": f"RECON-{i:06d}",
                    "type": "consu",
                    "is_storable": True,
                    **dict.fromkeys(sequences, SEQUENCE_BASE + i),
                }
                for i in range(low, high)
            ]
        )
        timings["variants"] += time.monotonic() - tick
        tick = time.monotonic()
        env["stock.quant"].sudo().create(
            [
                {
                    "product_id": product.id,
                    "location_id": self.location_id,
                    "quantity": self.rng.randint(0, MAX_STOCK),
                }
                for product in products
            ]
        )
        env.flush_all()
        timings["stock"] += time.monotonic() - tick
        tick = time.monotonic()
        channel = env["stock.channel"].browse(self.channel_id)
        self.wire.bind(env, channel, products)
        channel._refresh_quantities(products)
        env.cr.execute(
            """UPDATE stock_channel_quantity
                  SET published_qty = publishable_qty, push_in_doubt = false,
                      published_at = (now() at time zone 'utc') - interval '1 minute'
                WHERE channel_id = %s AND product_id = ANY(%s)
            RETURNING product_id, publishable_qty""",
            [self.channel_id, products.ids],
        )
        published = dict(env.cr.fetchall())
        skus = {product.id: product.default_code for product in products}
        self.skus.update(skus)
        self.seed({skus[pid]: qty for pid, qty in published.items()})
        timings["publish"] += time.monotonic() - tick

    def seed(self, levels):
        """What the channel holds: Odoo's quantities, as if pushed."""
        if self.wire.connector == "shopify":
            catalog = self.wire.catalogs[CHANNEL]
            location = f"gid://shopify/Location/{SHOPIFY_LOCATION}"
            with self.sim.state.lock:
                for sku, qty in levels.items():
                    self.sim.shopify.levels[(CHANNEL, catalog[sku], location)] = qty
        else:
            for sku, qty in levels.items():
                self.sim.set_generic_level(CHANNEL, sku, qty)

    def level(self, sku):
        if self.wire.connector == "shopify":
            item = self.wire.catalogs[CHANNEL][sku]
            return self.sim.shopify_level(
                CHANNEL, item, f"gid://shopify/Location/{SHOPIFY_LOCATION}"
            )
        return self.sim.generic_level(CHANNEL, sku)

    def levels(self):
        if self.wire.connector == "shopify":
            by_item = {item: sku for sku, item in self.wire.catalogs[CHANNEL].items()}
            with self.sim.state.lock:
                return {
                    by_item[item]: qty
                    for (shop, item, _location), qty in self.sim.shopify.levels.items()
                    if shop == CHANNEL
                }
        return self.sim.generic_levels(CHANNEL)

    def publishable(self):
        """{sku: publishable quantity} of every variant, as Odoo holds it now."""
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT product_id, publishable_qty FROM stock_channel_quantity "
                "WHERE channel_id = %s",
                [self.channel_id],
            )
            return {self.skus[pid]: qty for pid, qty in cr.fetchall() if pid in self.skus}

    # -- the run -----------------------------------------------------------
    def edit(self, share):
        """Edit `share` of the SKUs on the channel: {sku: (Odoo's quantity, new level)}."""
        skus = sorted(self.skus.values())
        chosen = self.rng.sample(skus, max(1, round(len(skus) * share)))
        edits = {}
        for sku in chosen:
            current = self.level(sku)
            new = current
            while new == current:
                new = max(0, current + self.rng.randint(-10, 25))
            edits[sku] = (current, new)
        self.seed({sku: new for sku, (_old, new) in edits.items()})
        return edits

    def reconcile(self, traced=False):
        """One full run, committed: (run values, seconds, memory MiB): the peak resident
        set size less the size before (allocator arenas freed by the set-up are reused
        first: a lower bound), or with `traced` Python's allocation peak (tracemalloc:
        the run is slower)."""
        gc.collect()
        self.sim.clear_received()
        with self.registry.cursor() as cr:
            env = self.env(cr)
            channel = env["stock.channel"].browse(self.channel_id)
            if traced:
                tracemalloc.start()
            with PeakRss() as rss:
                start = time.monotonic()
                run = channel._reconcile("full")
                values = run.read(
                    [
                        "state",
                        "error",
                        "skus_read",
                        "in_sync",
                        "drifted",
                        "in_flight",
                        "unbound",
                        "corrections",
                        "duration",
                        "skus_per_second",
                    ]
                )[0]
                cr.commit()  # pylint: disable=invalid-commit
                seconds = time.monotonic() - start
            if traced:
                memory = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            else:
                memory = rss.mib
            cr.execute(
                "SELECT sku, cause FROM stock_channel_drift WHERE run_id = %s", [values["id"]]
            )
            values["drifts"] = dict(cr.fetchall())
        values["requests"] = self.read_requests()
        return values, seconds, memory

    def read_requests(self):
        """Counter of the SKUs each read request carried (GET ?sku=...; Shopify: the
        terms of each inventoryItems search), and the requests answered 429/throttled."""
        sizes, throttled = Counter(), 0
        for request in self.sim.received(self.wire.prefix(CHANNEL).rstrip("/")):
            if request["status"] == 429 or "THROTTLED" in str(request.get("fault") or ""):
                throttled += 1
            if self.wire.connector == "shopify":
                if "inventoryItems" in request["body"]:
                    sizes[request["body"].count("sku:")] += 1
            elif request["method"] == "GET":
                sizes[len(parse_qs(request["query"]).get("sku", []))] += 1
        return sizes, throttled

    def dispatch(self):
        """Run the dispatcher here until nothing is pending: (seconds, pushes)."""
        self.sim.clear_received()
        start = time.monotonic()
        deadline = start + DISPATCH_TIMEOUT
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                env = self.env(cr)
                env["stock.channel.dispatcher"]._run()
                cr.execute(
                    "SELECT count(*) FROM stock_channel_outbox "
                    "WHERE channel_id = %s AND state = 'pending'",
                    [self.channel_id],
                )
                if not cr.fetchone()[0]:
                    break
            time.sleep(0.2)
        pushes = [
            r
            for r in self.sim.received(self.wire.prefix(CHANNEL).rstrip("/"))
            if self.wire.items(r)
        ]
        return time.monotonic() - start, len(pushes)

    def corrected_drifts(self, skus):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT sku, state FROM stock_channel_drift "
                "WHERE channel_id = %s AND sku = ANY(%s)",
                [self.channel_id, list(skus)],
            )
            return {sku for sku, state in cr.fetchall() if state == "corrected"}


def measure(bench, size, args):
    bench.log(f"setting up {size} SKUs")
    bench.grow(size)
    edits = bench.edit(args.edit_share)
    bench.log(f"{len(edits)} edits injected; full run")
    run, seconds, rss = bench.reconcile()
    bench.log(f"run: {run['state']} {run['error'] or ''} in {seconds:.1f} s; dispatching")
    dispatch_s, pushes = bench.dispatch()
    publishable = bench.publishable()
    levels = bench.levels()
    back = [sku for sku in edits if levels.get(sku) == publishable.get(sku)]
    off = [sku for sku, qty in publishable.items() if levels.get(sku) != qty]
    drifts = run["drifts"]
    causes = Counter(drifts.values())
    found = set(edits) == set(drifts) and set(causes) == {"channel_edit"}
    corrected = len(back) == len(edits) and not off
    corrected_drifts = bench.corrected_drifts(edits)
    bench.log(f"corrections dispatched in {dispatch_s:.1f} s; a second run (tracemalloc)")
    again, again_s, traced = bench.reconcile(traced=True)
    corrected = corrected and again["drifted"] == 0 and again["in_sync"] == size
    return {
        "size": size,
        "edits": len(edits),
        "run": run,
        "seconds": seconds,
        "rss": rss,
        "again": again,
        "again_s": again_s,
        "traced": traced,
        "causes": causes,
        "found": found,
        "corrected": corrected,
        "back": len(back),
        "off": off,
        "dispatch_s": dispatch_s,
        "pushes": pushes,
        "drifts_corrected": len(corrected_drifts),
    }


def print_tables(rows, bench, args):
    print()
    print(
        f"Full reconciliation run ({args.connector} on the simulator, in-process, "
        f"{os.cpu_count()} cores; {args.edit_share * 100:g} % of the SKUs edited on the "
        f"channel; chunks of 1000 SKUs)"
    )
    print(
        "| SKUs | edits injected | drift found | causes | corrections queued | corrected "
        "| run s | SKUs/s | peak RSS +MiB | Python peak MiB | next run: drift | all found "
        "| all corrected |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|")
    for row in rows:
        run = row["run"]
        causes = ", ".join(f"{cause} {n}" for cause, n in sorted(row["causes"].items()))
        print(
            f"| {row['size']} | {row['edits']} | {run['drifted']} | {causes or '-'} | "
            f"{run['corrections']} | {row['back']} | {row['seconds']:.1f} | "
            f"{row['size'] / row['seconds']:.0f} | {row['rss']:.0f} | {row['traced']:.0f} | "
            f"{row['again']['drifted']} | "
            f"{'yes' if row['found'] else 'NO'} | {'yes' if row['corrected'] else 'NO'} |"
        )
    print()
    print("Read requests the simulator received during each run, and the corrections")
    print(
        "| SKUs | read requests | SKUs per request (requests) | 429 / throttled "
        "| correction pushes (HTTP) | dispatch s | drifts marked corrected |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|")
    for row in rows:
        sizes, throttled = row["run"]["requests"]
        spread = ", ".join(f"{n} SKUs ({count})" for n, count in sorted(sizes.items()))
        print(
            f"| {row['size']} | {sum(sizes.values())} | {spread} | {throttled} | "
            f"{row['pushes']} | {row['dispatch_s']:.2f} | {row['drifts_corrected']} |"
        )
    print()
    print("Set-up (not part of the run)")
    print("| variants added | s | of which |")
    print("|---:|---:|---|")
    for added, seconds, spent in bench.timings:
        print(f"| {added} | {seconds:.0f} | {spent} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser, workers=0, cron_workers=0)
    parser.add_argument("--sizes", default="10000,100000", help="SKUs per run, ascending")
    parser.add_argument("--connector", default="generic_json", choices=CONNECTORS)
    parser.add_argument(
        "--edit-share", type=float, default=0.005, help="share of the SKUs edited on the channel"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=500,
        help="the channel's batch size (within the connector's)",
    )
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    bench = Bench(args)
    rows = []
    try:
        bench.create_channel()
        for size in sizes:
            rows.append(measure(bench, size, args))
    finally:
        bench.sim.stop()
    print_tables(rows, bench, args)
    failed = [
        r for r in rows if not (r["found"] and r["corrected"] and r["run"]["state"] == "done")
    ]
    for row in failed:
        run = row["run"]
        off = row["off"]
        print(
            f"FAILED at {row['size']}: run {run['state']} {run['error'] or ''}; drifts "
            f"{dict(row['causes'])}; {len(off)} SKUs off, e.g. {off[:5]}"
        )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
