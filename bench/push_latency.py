"""Accepted latency of stock pushes, from the stock change's commit to the channel's 2xx.

Runs the real Odoo server (prefork: HTTP workers, cron workers) against a fresh
database, the marketplace simulator in this process, and writer threads that commit stock
changes at a fixed rate through Odoo's own choke point
(stock.quant._update_available_quantity: what done moves, inventory adjustments, scrap
and POS pickings call). Each change adds one unit to one of the bench variants; a change
counts as delivered on a channel when the simulator receives a quantity at least as high
for that SKU (quantities only grow: that push reflects the change). Each rate is run
`--runs` times (3 by default); the first table gives, per run, the latency percentiles
over every channel and p99 / max per channel. Then times a forced republish of every
variant on every channel. `--connector` picks the channels' wire format (generic_json,
shopify, woocommerce, bol, mirakl, amazon). For the marketplaces that confirm later, a
third table gives the confirmed latency (commit -> the verdict read by Odoo, as the sync
log records it) against the simulator's processing delay (`--processing-delay`).
Started by `bench/run push_latency`.
"""

import argparse
import os
import threading
import time

from bench._server import ServerBench, add_arguments
from bench._stats import epoch, percentile
from bench.wires import WIRES
from core.connectors import get_connector

SECRET = "bench-secret"
CHANNELS = ("bench_a", "bench_b", "bench_c")
WRITERS = 4


class Bench(ServerBench):
    channels = CHANNELS
    secret = SECRET

    def __init__(self, args):
        super().__init__(args)
        self.slowest = []
        self.wire = WIRES[args.connector](self.sim, SECRET)
        self.wire.processing_delay = args.processing_delay
        self.confirms_async = get_connector(args.connector).confirms_async

    def confirmed(self, since, timeout):
        """Confirmed latencies (ms) of the pushes sent since `since` (epoch), once none
        of them waits for its verdict (or `timeout` passed); and how many still wait."""
        deadline = time.monotonic() + timeout
        while True:
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT confirmed_latency_ms, state FROM stock_channel_sync_log "
                    "WHERE channel_id = ANY(%s) AND sent_at >= to_timestamp(%s) at time zone 'utc'",
                    [self.channel_ids, since],
                )
                rows = cr.fetchall()
            waiting = sum(1 for _ms, state in rows if state == "sent")
            if not waiting or time.monotonic() > deadline:
                return [ms for ms, _state in rows if ms is not None], waiting
            time.sleep(1)

    # -- set-up ------------------------------------------------------------
    def setup(self, variants, batch_size):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            warehouse = env["stock.warehouse"].search([], limit=1)
            products = self.create_variants(
                env, "bench", variants, self.wire.initial_quantity, warehouse.lot_stock_id
            )
            self.channel_ids = []
            for code in CHANNELS:
                self.wire.configure(code)
                channel = env["stock.channel"].create(
                    {
                        "name": code,
                        "code": code,
                        "channel_type": "marketplace",
                        "warehouse_id": warehouse.id,
                        "connector": self.wire.connector,
                        "batch_size": batch_size,
                        **self.wire.channel_vals(code),
                    }
                )
                channel._set_settings(self.wire.settings(code))
                self.wire.bind(env, channel, products)
                self.channel_ids.append(channel.id)
            self.location_id = warehouse.lot_stock_id.id
            self.product_ids = products.ids
            self.skus = {p.id: p.default_code for p in products}

    def bind(self, env, products):
        """Bind new variants on every channel (and in the shops' catalogues)."""
        for channel in env["stock.channel"].browse(self.channel_ids):
            self.wire.bind(env, channel, products)

    def wait_items(self, expected_requests_items, timeout):
        """Wait until every channel received `expected` items in total."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = self.items_received()
            if all(counts[code] >= expected_requests_items for code in CHANNELS):
                return True
            time.sleep(0.2)
        return False

    def wait_drained(self, timeout):
        """Wait until the channels' outbox holds nothing pending (the initial sync's last
        rounds done), so that the first run does not measure them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM stock_channel_outbox "
                    "WHERE channel_id = ANY(%s) AND state IN ('pending', 'late')",
                    [self.channel_ids],
                )
                if not cr.fetchone()[0]:
                    return True
            time.sleep(0.5)
        return False

    def pushes(self, code):
        """[(request, {sku: quantity})] of the pushes `code` received."""
        return [
            (request, items)
            for request in self.sim.received(self.wire.prefix(code))
            if (items := self.wire.items(request))
        ]

    def items_received(self):
        return {code: sum(len(items) for _r, items in self.pushes(code)) for code in CHANNELS}

    def requests_received(self):
        return sum(len(self.sim.received(self.wire.prefix(code))) for code in CHANNELS)

    # -- stock changes -----------------------------------------------------
    def run_rate(self, per_minute, seconds):
        """Commit `per_minute` changes per minute for `seconds`; returns [(sku, qty, t)]."""
        changes = []
        lock = threading.Lock()
        total = max(1, round(per_minute * seconds / 60))
        interval = 60.0 / per_minute
        start = time.monotonic() + 0.5
        slots = iter(range(total))
        errors = []

        def writer():
            with self.registry.cursor() as cr:
                env = self.env(cr)
                Quant = env["stock.quant"]
                location = env["stock.location"].browse(self.location_id)
                while True:
                    with lock:
                        slot = next(slots, None)
                    if slot is None:
                        return
                    delay = start + slot * interval - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    product = env["product.product"].browse(
                        self.product_ids[slot % len(self.product_ids)]
                    )
                    for _attempt in range(5):
                        try:
                            Quant._update_available_quantity(product, location, 1)
                            env.flush_all()
                            cr.execute(
                                "SELECT sum(quantity) FROM stock_quant "
                                "WHERE product_id = %s AND location_id = %s",
                                [product.id, location.id],
                            )
                            qty = int(cr.fetchone()[0])
                            cr.commit()
                            committed = time.time()
                            break
                        except Exception as error:  # a serialization failure: retry
                            cr.rollback()
                            env.invalidate_all()
                            errors.append(error)
                    else:
                        continue
                    with lock:
                        changes.append((product.default_code, qty, committed))

        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return changes, time.monotonic() - start

    def pushes_of(self, code, sku, first):
        """[(seconds since `first`, quantity, status)] of the pushes of `sku` to `code`."""
        return [
            (round(epoch(request["time"]) - first, 2), items[sku], request["status"])
            for request, items in self.pushes(code)
            if sku in items
        ]

    def latencies(self, changes, timeout=60):
        """Per channel, per change: ms from commit to the first push that reflects it."""
        deadline = time.monotonic() + timeout
        pending = {(code, sku, qty, t) for sku, qty, t in changes for code in CHANNELS}
        result = {code: [] for code in CHANNELS}
        while pending and time.monotonic() < deadline:
            pushes = {
                code: [(epoch(request["time"]), items) for request, items in self.pushes(code)]
                for code in CHANNELS
            }
            for key in list(pending):
                code, sku, qty, t = key
                for received_at, items in pushes[code]:
                    # quantities only grow: a push of at least `qty` reflects this change
                    # (its commit may be timed after the push, the writer thread having
                    # waited for the GIL after committing: then 0 ms)
                    if items.get(sku, -1) < qty:
                        continue
                    result[code].append(max(0.0, (received_at - t) * 1000))
                    self.slowest.append((result[code][-1], code, sku, t, qty))
                    pending.discard(key)
                    break
            if pending:
                time.sleep(0.5)
        return result, len(pending)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser, workers=2, cron_workers=2)
    parser.add_argument(
        "--connector",
        default="generic_json",
        choices=sorted(WIRES),
        help="the channels' connector (the simulator speaks each)",
    )
    parser.add_argument("--rates", default="60,600,3000", help="stock changes per minute")
    parser.add_argument("--runs", type=int, default=3, help="runs of each rate")
    parser.add_argument("--seconds", type=float, default=30, help="duration of each run")
    parser.add_argument("--variants", type=int, default=500)
    parser.add_argument("--republish-variants", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--verbose", action="store_true", help="print the slowest changes")
    parser.add_argument(
        "--processing-delay",
        type=float,
        default=2.0,
        help="seconds the marketplaces that confirm later take to process a push",
    )
    args = parser.parse_args()

    bench = Bench(args)
    bench.setup(args.variants, args.batch_size)
    bench.start_server()
    try:
        if not bench.wait_items(args.variants, timeout=300):
            raise SystemExit(f"initial sync incomplete: {bench.items_received()}")
        if not bench.wait_drained(timeout=120):
            raise SystemExit("initial sync: the outbox still holds pending rows")
        rows = []
        for rate in [int(r) for r in args.rates.split(",")]:
            for run in range(1, args.runs + 1):
                rows.append((rate, run, *measure(bench, rate, args)))
        print_table(rows, args)
        if bench.confirms_async:
            print_confirmed(rows, args)
        republish(bench, args)
    finally:
        bench.stop_server()
        bench.sim.stop()


def measure(bench, rate, args):
    """One run of `rate`: (changes, achieved/min, HTTP pushes, latencies, undelivered,
    (confirmed latencies, pushes without a verdict))."""
    bench.sim.clear_received()
    started = time.time()
    changes, elapsed = bench.run_rate(rate, args.seconds)
    # Mirakl takes one stock file a minute: a change may wait for the next minute
    latencies, missing = bench.latencies(changes, timeout=150 if bench.confirms_async else 60)
    http = bench.requests_received()
    confirmed = bench.confirmed(started, timeout=180) if bench.confirms_async else ([], 0)
    if args.verbose:
        first = min(t for _sku, _qty, t in changes)
        for ms, code, sku, t, qty in sorted(bench.slowest, reverse=True)[:8]:
            print(f"  {rate}/min slow: {ms:.0f} ms {code} {sku} = {qty} at +{t - first:.2f} s")
            print(f"    pushes of it: {bench.pushes_of(code, sku, first)}")
    bench.slowest = []
    return len(changes), len(changes) * 60 / elapsed, http, latencies, missing, confirmed


def print_table(rows, args):
    print()
    print(
        f"Accepted latency, stock change commit -> simulator 2xx ({len(CHANNELS)} "
        f"{args.connector} channels, "
        f"{args.workers} HTTP workers + {args.cron_workers} cron workers, "
        f"{args.variants} variants, "
        f"{args.seconds:.0f} s per run, {os.cpu_count()} cores)"
    )
    per_channel = " | ".join(f"{code} p99 / max ms" for code in CHANNELS)
    print(
        "| changes/min (target) | run | changes | achieved/min | pushes (HTTP) | p50 ms "
        f"| p95 ms | p99 ms | max ms | {per_channel} | not delivered |"
    )
    print("|---:" * (10 + len(CHANNELS)) + "|")
    for rate, run, count, achieved, http, latencies, missing, _confirmed in rows:
        every = [ms for values in latencies.values() for ms in values]
        channels = " | ".join(
            f"{percentile(latencies[code], 99):.0f} / {_max(latencies[code]):.0f}"
            for code in CHANNELS
        )
        print(
            f"| {rate} | {run} | {count} | {achieved:.0f} | {http} | "
            f"{percentile(every, 50):.0f} | {percentile(every, 95):.0f} | "
            f"{percentile(every, 99):.0f} | {_max(every):.0f} | {channels} | {missing} |"
        )


def print_confirmed(rows, args):
    check = get_connector(args.connector).check_interval
    print()
    print(
        f"Confirmed latency, stock change commit -> the marketplace's verdict read by Odoo "
        f"({args.connector}: processing delay {args.processing_delay:.1f} s on the "
        f"simulator, verdicts read every {check:.0f} s at most), per push"
    )
    print(
        "| changes/min (target) | run | pushes confirmed | p50 ms | p95 ms | p99 ms | max ms "
        "| still waiting |"
    )
    print("|---:" * 8 + "|")
    for rate, run, *_rest, (confirmed, waiting) in rows:
        print(
            f"| {rate} | {run} | {len(confirmed)} | {percentile(confirmed, 50):.0f} | "
            f"{percentile(confirmed, 95):.0f} | {percentile(confirmed, 99):.0f} | "
            f"{_max(confirmed):.0f} | {waiting} |"
        )


def _max(values):
    return max(values) if values else float("nan")


def republish(bench, args):
    extra = args.republish_variants - args.variants
    bench.sim.clear_received()
    with bench.registry.cursor() as cr:
        env = bench.env(cr)
        if extra > 0:
            products = env["product.product"].create(
                [
                    {
                        "name": f"Bulk {i}",
                        "default_code": f"BULK-{i:05d}",
                        "type": "consu",
                        "is_storable": True,
                    }
                    for i in range(extra)
                ]
            )
            bench.bind(env, products)
            location = env["stock.location"].browse(bench.location_id)
            for product in products:
                env["stock.quant"]._update_available_quantity(product, location, 5)
    bench.wait_items(extra, timeout=600)  # the new variants' first push
    bench.sim.clear_received()
    start = time.monotonic()
    with bench.registry.cursor() as cr:
        env = bench.env(cr)
        env["stock.channel"].search([("code", "in", CHANNELS)]).action_republish()
    queued = time.monotonic() - start
    complete = bench.wait_items(args.republish_variants, timeout=900)
    total = time.monotonic() - start
    counts = bench.items_received()
    print()
    print(
        f"Republish every variant on every channel (forced; {args.connector}, "
        f"batch size {args.batch_size})"
    )
    print("| variants x channels | items pushed | queued in s | all accepted in s | items/s |")
    print("|---:|---:|---:|---:|---:|")
    items = sum(counts.values())
    print(
        f"| {args.republish_variants} x {len(CHANNELS)} | {items} | {queued:.1f} | "
        f"{total:.1f}{'' if complete else ' (incomplete)'} | {items / total:.0f} |"
    )


if __name__ == "__main__":
    main()
