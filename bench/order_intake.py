"""Order intake throughput and latency: signed channel orders sent by concurrent senders
to the real Odoo server (prefork, HTTP workers > 0).

Sets up 3 generic_json channels and a few hundred variants with plenty of stock (every
order can be accepted), then, for each level of concurrent senders (threads, one
requests.Session each), sends a number of orders of 1 to 3 lines of random variants to
POST /stock_channel_sync/<code>/orders and times each request. Orders of the same
variants take the same variant locks: the losers run again on the winner's result,
as in production. After each level it checks the database: one sale order per accepted
answer (no duplicate, none lost), all of them confirmed, every message stored. Prints a
table. Started by `bench/run order_intake`.

With --rate R --duration S (open loop), orders arrive at a fixed rate whatever the
answers: order i is due at start + i/R, a pool of sender threads (one session each) sends
it then, and its latency runs from that due time to the answer (a sender pool too small
shows as latency, not as a lower rate). Then the bench waits for the confirmation backlog
(a channel answering "as soon as its stock is reserved" confirms in background batches):
the time until every accepted order is a confirmed sale order with its picking, the drain
rate after the burst and the longest time from an answer to its confirmation; then the
database checks (one sale order per accepted answer, no duplicate per channel reference,
no variant reserved beyond its stock, no reservation left confirming, every message
stored). Exits 1 when a check fails.

With --drain-only (open loop), the confirmation crons are held during the burst: every
accepted order waits reserved; once the burst is answered and the other scheduled actions
are idle, the crons are released (triggered) and the drain alone is timed, from the
release: the backlog's size, its drain rate and the CPU per order of the drain.

With --sourcing, every level runs twice in the same run: first without sources (each
order takes its channel's warehouse), then with 3 sources per channel (the warehouse
and two more, stocked alike; ordered strategy, the first source at a daily capacity
below the orders sent so that sourcing passes to the next one): one table each.
"""

import argparse
import datetime
import os
import random
import threading
import time
import uuid

import psutil
import requests

from bench._server import ServerBench, add_arguments
from bench._stats import interpolated_percentile as percentile
from simulator.clients import signed_order_request

SECRET = "bench-secret"
CHANNELS = ("intake_a", "intake_b", "intake_c")
ROUTE = "/stock_channel_sync/{code}/orders"
STOCK_PER_VARIANT = 100_000
MAX_LINES = 3
MAX_QUANTITY = 3
REQUEST_TIMEOUT = 120
# Odoo's prefork server listens with a backlog of 8 x workers (no proxy in front here):
# a connection beyond it is dropped, which the client sees only when it fails (after up
# to 2 minutes); the order is then sent again, as a channel resends a webhook (an order
# received twice would be answered as a duplicate, never created twice)
CONNECT_TIMEOUT = 10
MAX_SENDS = 6
ACCEPTED = "accepted"
PRICE, SHIPPING = 10.0, 4.95
CUSTOMERS = 500  # orders come from this many customers (found again by e-mail)
CREATED_AT = "2026-11-23T10:00:00Z"
CUSTOMER = {"name": "Bench Buyer", "phone": "+32 2 000"}
ADDRESS = {
    "name": "Bench Buyer",
    "street": "Rue Haute 1",
    "street2": "",
    "zip": "1000",
    "city": "Brussels",
    "country_code": "BE",
}


SENDER_POOL = 200  # open loop: threads sending the orders when they are due
DRAIN_TIMEOUT = 900  # seconds the open loop waits for the confirmation backlog
DRAIN_POLL = 0.5
WINDOW = 10  # seconds of due time per line of the open loop's latency by window
# the scheduled actions of the background confirmation (held with --drain-only)
CONFIRM_CRONS = (
    "stock_channel_sync.ir_cron_confirm_reserved",
    "stock_channel_sync.ir_cron_confirm_reserved_2",
)


class Bench(ServerBench):
    channels = CHANNELS
    secret = SECRET
    server_log = "bench-order-intake-server"

    def __init__(self, args):
        super().__init__(args)
        self.run_id = uuid.uuid4().hex[:6]
        self.channel_ids = []
        self.skus = []
        self.currency = None
        self.warehouse_ids = []

    # -- set-up ------------------------------------------------------------
    def setup(self):
        with self.registry.cursor() as cr:
            env = self.env(cr, tracking_disable=True)
            warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)])[:1]
            products = self.create_variants(
                env, "intake", self.args.variants, STOCK_PER_VARIANT, warehouse.lot_stock_id
            )
            channels = self.create_channels(env, warehouse)
            if "intake_answer" in channels._fields:  # answer once the stock is reserved
                channels.intake_answer = "reserved"
            self.channel_ids = channels.ids
            self.skus = products.mapped("default_code")
            self.currency = env.company.currency_id.name
            self.warehouse_ids = [warehouse.id]
            if self.args.sourcing:
                for code in ("SRC1", "SRC2"):
                    other = env["stock.warehouse"].search([("code", "=", code)])[:1]
                    other = other or env["stock.warehouse"].create({"name": code, "code": code})
                    for product in products:
                        env["stock.quant"]._update_available_quantity(
                            product, other.lot_stock_id, STOCK_PER_VARIANT
                        )
                    self.warehouse_ids.append(other.id)

    def enable_sourcing(self, capacity):
        """3 sources per channel (its warehouse first, at a daily `capacity`)."""
        with self.registry.cursor() as cr:
            env = self.env(cr, tracking_disable=True)
            env["stock.channel.source"].create(
                [
                    {
                        "channel_id": channel_id,
                        "warehouse_id": warehouse_id,
                        "sequence": sequence,
                        "daily_capacity": capacity if sequence == 0 else 0,
                    }
                    for channel_id in self.channel_ids
                    for sequence, warehouse_id in enumerate(self.warehouse_ids)
                ]
            )
        # the server's workers drop their cached lookups of the channels (as after a
        # request that changes them)
        self.registry.signal_changes()

    # -- orders ------------------------------------------------------------
    def payload(self, order_id, rng):
        """A generic_json order of 1 to MAX_LINES lines of distinct random variants."""
        skus = rng.sample(self.skus, rng.randint(1, MAX_LINES))
        lines = [
            {
                "id": f"{order_id}-{index}",
                "sku": sku,
                "quantity": rng.randint(1, MAX_QUANTITY),
                "price_unit": PRICE,
            }
            for index, sku in enumerate(skus, 1)
        ]
        customer = dict(CUSTOMER, email=f"buyer-{rng.randint(1, CUSTOMERS)}@example.com")
        total = sum(line["quantity"] for line in lines) * PRICE + SHIPPING
        return {
            "id": order_id,
            "created_at": CREATED_AT,
            "currency": self.currency,
            "customer": customer,
            "shipping_address": ADDRESS,
            "lines": lines,
            "shipping_amount": SHIPPING,
            "total_amount": round(total, 2),
        }

    def run_level(self, senders, count, label=""):
        """Send `count` orders with `senders` concurrent senders; one result per order:
        (order id, HTTP status or None, answer status or error, resends, seconds)."""
        prefix = f"{self.run_id}-{label or senders}"
        rng = random.Random(senders)
        requests_todo = []
        for index in range(count):
            order_id = f"{prefix}-{index}"
            code = CHANNELS[index % len(CHANNELS)]
            body, headers = signed_order_request(SECRET, self.payload(order_id, rng))
            requests_todo.append(
                (order_id, self.server.url + ROUTE.format(code=code), body, headers)
            )
        todo = iter(requests_todo)
        lock = threading.Lock()
        results = []
        barrier = threading.Barrier(senders + 1)

        def sender():
            with requests.Session() as session:
                barrier.wait()
                while True:
                    with lock:
                        item = next(todo, None)
                    if item is None:
                        return
                    start = time.perf_counter()
                    outcome = _send(session, *item[1:])
                    elapsed = time.perf_counter() - start
                    with lock:
                        results.append((item[0], *outcome, elapsed))

        threads = [threading.Thread(target=sender) for _ in range(senders)]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        return results, time.perf_counter() - start

    def run_open(self, rate, duration):
        """Open loop: `rate` orders a second for `duration` seconds, each sent when due by
        a pool of senders; one result per order: (order id, HTTP status or None, answer
        status or error, resends, seconds from due to answer, wall time answered,
        seconds from the burst's start to its due time)."""
        count = int(rate * duration)
        rng = random.Random(rate)
        todo = []
        for index in range(count):
            order_id = f"{self.run_id}-open-{index}"
            code = CHANNELS[index % len(CHANNELS)]
            body, headers = signed_order_request(SECRET, self.payload(order_id, rng))
            todo.append((index, order_id, self.server.url + ROUTE.format(code=code), body, headers))
        items = iter(todo)
        lock = threading.Lock()
        results, sent_at = [], []
        start = time.perf_counter() + 0.5

        def sender():
            with requests.Session() as session:
                while True:
                    with lock:
                        item = next(items, None)
                    if item is None:
                        return
                    index, order_id, *request = item
                    due = start + index / rate
                    time.sleep(max(0.0, due - time.perf_counter()))
                    sent = time.perf_counter()
                    outcome = _send(session, *request)
                    answered = time.perf_counter()
                    with lock:
                        sent_at.append(sent)
                        results.append(
                            (order_id, *outcome, answered - due, time.time(), due - start)
                        )

        threads = [threading.Thread(target=sender) for _ in range(min(SENDER_POOL, count))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        span = max(sent_at) - min(sent_at) if len(sent_at) > 1 else 0.0
        achieved = (len(sent_at) - 1) / span if span else float("nan")
        return results, achieved

    def cpu_seconds(self):
        """(CPU seconds of the Odoo server's processes, of the PostgreSQL backends of
        the benchmark database) so far: a measure of the work that the machine's load
        does not change."""
        odoo_cpu = pg_cpu = 0.0
        try:
            server = psutil.Process(self.server.process.pid)
            for proc in [server, *server.children(recursive=True)]:
                times = proc.cpu_times()
                odoo_cpu += times.user + times.system
        except psutil.Error:
            pass
        for proc in psutil.process_iter(["name", "cmdline"]):
            try:
                title = " ".join(proc.info["cmdline"] or [])
                if proc.info["name"] == "postgres" and f" {self.args.db} " in title:
                    times = proc.cpu_times()
                    pg_cpu += times.user + times.system
            except psutil.Error:
                continue
        return odoo_cpu, pg_cpu

    def settle_crons(self, timeout=180):
        """Wait until no scheduled action is due or running: a fresh database has every
        one due when the server starts (the cron workers busy for a minute)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                cr.execute(
                    """
                    SELECT count(*) FROM ir_cron c
                     WHERE c.active AND (c.nextcall <= now() at time zone 'utc'
                        OR c.id NOT IN (SELECT id FROM ir_cron FOR UPDATE SKIP LOCKED))
                    """
                )
                busy = cr.fetchone()[0]
                cr.rollback()
            if not busy:
                return
            time.sleep(1)

    def hold_confirmation(self, held):
        """--drain-only: the confirmation crons inactive (`held`), or active again and
        triggered now (their cron workers notified at the commit)."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            crons = env["ir.cron"]
            for xmlid in CONFIRM_CRONS:
                crons |= env.ref(xmlid, raise_if_not_found=False) or env["ir.cron"]
            crons.write({"active": not held})
            if not held:
                for cron in crons:
                    cron._trigger()

    def wait_backlog(self, results, since=None):
        """Wait until every accepted order is a confirmed sale order with a picking:
        (seconds after the burst (or `since`), orders confirmed after it, max answer ->
        confirmation seconds, all confirmed)."""
        answered = {r[0]: r[5] for r in results if r[1] == 200 and r[2] == ACCEPTED}
        burst_end = since or max((r[5] for r in results), default=time.time())
        deadline = time.monotonic() + DRAIN_TIMEOUT
        # a count of the run's confirmed orders while the backlog drains (a query of a
        # millisecond: the bench takes no cores from the drain it times), their times once
        while self._confirmed_count(list(answered)) < len(answered):
            if time.monotonic() > deadline:
                break
            time.sleep(DRAIN_POLL)
        confirmed = self._confirmed_at(list(answered))
        drained = max(0.0, time.time() - burst_end) if len(confirmed) < len(answered) else 0.0
        if confirmed:
            drained = max(0.0, max(confirmed.values()) - burst_end)
        after = sum(1 for at in confirmed.values() if at > burst_end)
        delays = [confirmed[ref] - answered[ref] for ref in confirmed]
        return drained, after, max(delays, default=0.0), len(confirmed) >= len(answered)

    def wait_confirmed(self, results):
        """Wait (bounded) until the accepted orders of a closed-loop level are confirmed
        (at once when they are confirmed before the answer)."""
        refs = [r[0] for r in results if r[1] == 200 and r[2] == ACCEPTED]
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while len(self._confirmed_at(refs)) < len(refs) and time.monotonic() < deadline:
            time.sleep(DRAIN_POLL)

    def _confirmed_count(self, refs):
        """How many sale orders of `refs` are confirmed with a picking: those of the
        channels newer than the oldest of them (no list of references sent)."""
        with self.registry.cursor() as cr:
            if not getattr(self, "_first_order_id", None):
                cr.execute(
                    "SELECT min(id) FROM sale_order WHERE channel_id = ANY(%s) "
                    "AND channel_order_ref = ANY(%s)",
                    [self.channel_ids, refs],
                )
                self._first_order_id = cr.fetchone()[0]
                if self._first_order_id is None:
                    return 0
            cr.execute(
                """
                SELECT count(*) FROM sale_order so
                 WHERE so.id >= %s AND so.channel_id = ANY(%s) AND so.state = 'sale'
                   AND EXISTS (SELECT FROM stock_picking p WHERE p.sale_id = so.id)
                """,
                [self._first_order_id, self.channel_ids],
            )
            return cr.fetchone()[0]

    def _confirmed_at(self, refs):
        """{channel order ref: unix time its first picking was created} of the confirmed
        sale orders of `refs`."""
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT so.channel_order_ref, min(p.create_date)
                  FROM sale_order so JOIN stock_picking p ON p.sale_id = so.id
                 WHERE so.channel_id = ANY(%s) AND so.channel_order_ref = ANY(%s)
                   AND so.state = 'sale'
                 GROUP BY so.channel_order_ref
                """,
                [self.channel_ids, refs],
            )
            utc = datetime.UTC
            return {ref: at.replace(tzinfo=utc).timestamp() for ref, at in cr.fetchall()}

    def check_stock(self):
        """(ok, details): no variant reserved beyond its stock in the warehouse, no
        reservation of the intake left confirming."""
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT count(*) FROM (
                    SELECT q.product_id FROM stock_quant q
                      JOIN stock_location l ON l.id = q.location_id AND l.usage = 'internal'
                     GROUP BY q.product_id
                    HAVING sum(q.reserved_quantity) > sum(q.quantity) OR sum(q.quantity) < 0
                ) AS oversold
                """
            )
            oversold = cr.fetchone()[0]
            confirming = 0
            cr.execute("SELECT to_regclass('stock_channel_reservation')")
            if cr.fetchone()[0]:
                cr.execute(
                    "SELECT count(*) FROM stock_channel_reservation "
                    "WHERE state = 'confirming' AND channel_id = ANY(%s)",
                    [self.channel_ids],
                )
                confirming = cr.fetchone()[0]
        details = f"variants oversold {oversold}, reservations still confirming {confirming}"
        return not (oversold or confirming), details

    def check(self, results):
        """The database against the answers: (ok, details)."""
        accepted = {
            order_id
            for order_id, http, status, *_rest in results
            if http == 200 and status == ACCEPTED
        }
        order_ids = [order_id for order_id, *_rest in results]
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT channel_order_ref, count(*), bool_and(state = 'sale')
                  FROM sale_order
                 WHERE channel_id = ANY(%s) AND channel_order_ref = ANY(%s)
                 GROUP BY channel_order_ref
                """,
                [self.channel_ids, order_ids],
            )
            orders = {ref: (n, confirmed) for ref, n, confirmed in cr.fetchall()}
            cr.execute(
                """
                SELECT external_id, count(*) FROM stock_channel_inbound
                 WHERE channel_id = ANY(%s) AND external_id = ANY(%s) AND kind = 'order'
                 GROUP BY external_id
                """,
                [self.channel_ids, order_ids],
            )
            stored_ids = dict(cr.fetchall())
        # every order the server answered is stored (one never delivered, after all the
        # resends, never reached it)
        answered = {order_id for order_id, http, *_rest in results if http is not None}
        stored = len(stored_ids)
        messages = sum(stored_ids.values())
        unstored = len(answered - set(stored_ids))
        duplicates = sum(1 for n, _c in orders.values() if n > 1)
        lost = len(accepted - set(orders))
        unexpected = len(set(orders) - accepted)
        unconfirmed = sum(1 for ref in accepted & set(orders) if not orders[ref][1])
        ok = not (duplicates or lost or unexpected or unconfirmed or unstored)
        details = (
            f"{len(orders)} sale orders for {len(accepted)} accepted answers; duplicates "
            f"{duplicates}, lost {lost}, without accepted answer {unexpected}, not confirmed "
            f"{unconfirmed}; {stored} orders stored ({messages} messages) for {len(results)} "
            f"sent, {len(answered)} answered, answered but not stored {unstored}"
        )
        return ok, details


def _send(session, url, body, headers):
    """(HTTP status or None, answer status or error, resends) of one order."""
    for attempt in range(MAX_SENDS):
        try:
            response = session.post(
                url, data=body, headers=headers, timeout=(CONNECT_TIMEOUT, REQUEST_TIMEOUT)
            )
        except requests.ConnectionError as error:  # refused, reset or not accepted in time
            outcome = (None, type(error).__name__, attempt)
            continue
        except requests.RequestException as error:
            return None, type(error).__name__, attempt
        return response.status_code, _answer_status(response), attempt
    return outcome


def _answer_status(response):
    try:
        answer = response.json()
    except ValueError:
        return "not JSON"
    return answer.get("status") or answer.get("error", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    # 2 HTTP workers + 2 cron workers (the background confirmation) on 2 cores
    add_arguments(parser, workers=2, cron_workers=2)
    parser.add_argument("--senders", default="10,50", help="levels of concurrent senders")
    parser.add_argument("--orders", type=int, default=500, help="orders sent per level")
    parser.add_argument("--variants", type=int, default=200)
    parser.add_argument("--rate", type=float, help="open loop: orders a second")
    parser.add_argument("--duration", type=float, default=60, help="open loop: seconds")
    parser.add_argument(
        "--drain-only",
        action="store_true",
        help="open loop: confirmation held during the burst, then the drain alone timed",
    )
    parser.add_argument("--verbose", action="store_true", help="print each level's details")
    parser.add_argument(
        "--sourcing", action="store_true", help="each level without, then with 3 sources"
    )
    args = parser.parse_args()

    bench = Bench(args)
    bench.setup()
    bench.start_server()
    tables = []
    try:
        # each worker's first requests fill its caches: not measured
        bench.run_level(args.workers, 3 * args.workers, label="warm-up")
        bench.settle_crons()
        if args.rate:
            return run_open(bench, args)
        tables.append(("sourcing off" if args.sourcing else "", run_levels(bench, args, "")))
        if args.sourcing:
            bench.enable_sourcing(capacity=args.orders // 2)
            bench.run_level(args.workers, 3 * args.workers, label="warm-up-src")
            tables.append(("sourcing on, 3 sources", run_levels(bench, args, "src")))
    finally:
        bench.stop_server()
        bench.sim.stop()
    for title, rows in tables:
        print_table(args, rows, title)
    if not all(ok for _title, rows in tables for *_rest, ok in rows):
        raise SystemExit("the database does not match the answers (run with --verbose)")


def run_open(bench, args):
    """The open-loop run, its table and checks (the server stopped by main)."""
    if args.drain_only:
        bench.hold_confirmation(True)
    cpu_before = bench.cpu_seconds()
    results, achieved = bench.run_open(args.rate, args.duration)
    released = None
    if args.drain_only:  # the burst's pushes done, the other crons idle: the drain alone
        bench.settle_crons()
        bench.hold_confirmation(False)
        released = time.time()
    cpu_burst = bench.cpu_seconds()
    drained, after, max_delay, all_confirmed = bench.wait_backlog(results, since=released)
    cpu_after = bench.cpu_seconds()
    ok, details = bench.check(results)
    stock_ok, stock_details = bench.check_stock()
    latencies = [row[4] * 1000 for row in results]
    accepted = sum(1 for row in results if row[1] == 200 and row[2] == ACCEPTED)
    print()
    print(
        f"Order intake, open loop: {args.rate:g} orders/s for {args.duration:g} s, signed "
        f"generic_json orders of 1-{MAX_LINES} lines ({len(CHANNELS)} channels, "
        f"{args.variants} variants, {args.workers} HTTP workers + {args.cron_workers} cron "
        f"workers, {os.cpu_count()} cores)"
    )
    print(
        "| rate asked | achieved | orders | accepted | errors | resent | p50 ms | p95 ms "
        "| p99 ms | max ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.rate:g} | {achieved:.1f} | {len(results)} | {accepted} "
        f"| {sum(1 for r in results if r[1] != 200)} | {sum(1 for r in results if r[3])} "
        f"| {percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} "
        f"| {percentile(latencies, 99):.0f} | {max(latencies, default=0):.0f} |"
    )
    print_windows(results, args.duration)
    rate = after / drained if drained else float("nan")
    print()
    if args.drain_only:
        print("Drain only: the confirmation held during the burst, timed from its release")
    print(
        "| backlog drained after the burst s | confirmed after the burst | drain orders/s "
        "| max answer -> confirmed s | all confirmed | DB ok |"
    )
    print("|---:|---:|---:|---:|:---:|:---:|")
    print(
        f"| {drained:.1f} | {after} | {rate:.1f} | {max_delay:.1f} "
        f"| {'yes' if all_confirmed else 'NO'} | {'yes' if ok and stock_ok else 'NO'} |"
    )
    print(f"  {details}; {stock_details}")
    per_order = [
        f"{(end[i] - start[i]) * 1000 / max(accepted, 1):.0f}"
        for start, end in ((cpu_before, cpu_burst), (cpu_burst, cpu_after))
        for i in (0, 1)
    ]
    print(
        "  CPU ms per accepted order: during the burst Odoo {} + PostgreSQL {}; "
        "after it (the backlog) Odoo {} + PostgreSQL {}".format(*per_order)
    )
    if not (ok and stock_ok and all_confirmed):
        raise SystemExit("the database does not match the answers")


def print_windows(results, duration):
    """The answers by WINDOW seconds of due time: where in the burst the slow ones were."""
    windows = {}
    for row in results:
        windows.setdefault(min(int(row[6] // WINDOW), int(duration // WINDOW)), []).append(
            row[4] * 1000
        )
    cells = [
        f"{index * WINDOW:.0f}-{(index + 1) * WINDOW:.0f} s: p95 {percentile(ms, 95):.0f}, "
        f"max {max(ms):.0f}"
        for index, ms in sorted(windows.items())
    ]
    print("  by due time (ms): " + "; ".join(cells))


def run_levels(bench, args, label):
    rows = []
    for senders in [int(s) for s in args.senders.split(",")]:
        results, elapsed = bench.run_level(senders, args.orders, label=f"{label}{senders}")
        bench.wait_confirmed(results)
        ok, details = bench.check(results)
        rows.append((senders, results, elapsed, ok))
        if args.verbose:
            print(f"  {senders} senders: {details}")
            errors = [r for r in results if r[1] != 200]
            slowest = sorted(results, key=lambda r: -r[4])
            for kind, rows_shown in (("error", errors[:5]), ("slow", slowest[:5])):
                for order_id, http, status, resends, seconds in rows_shown:
                    print(
                        f"  {senders} senders: {kind} {order_id} {http} {status} "
                        f"resent {resends}, {seconds:.2f} s"
                    )
    return rows


def print_table(args, rows, title):
    print()
    print(
        f"Order intake{f' ({title})' if title else ''}, signed generic_json orders of "
        f"1-{MAX_LINES} lines of random variants ({len(CHANNELS)} channels, {args.variants} "
        f"variants, {args.workers} HTTP workers + {args.cron_workers} cron workers, "
        f"{os.cpu_count()} cores)"
    )
    print(
        "| senders | orders | accepted | errors | resent | orders/s | p50 ms | p95 ms | p99 ms "
        "| DB ok |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for senders, results, elapsed, ok in rows:
        latencies = [row[4] * 1000 for row in results]
        accepted = sum(1 for row in results if row[1] == 200 and row[2] == ACCEPTED)
        errors = sum(1 for row in results if row[1] != 200)
        resent = sum(1 for row in results if row[3])
        print(
            f"| {senders} | {len(results)} | {accepted} | {errors} | {resent} "
            f"| {len(results) / elapsed:.1f} | {percentile(latencies, 50):.0f} "
            f"| {percentile(latencies, 95):.0f} | {percentile(latencies, 99):.0f} "
            f"| {'yes' if ok else 'NO'} |"
        )


if __name__ == "__main__":
    main()
