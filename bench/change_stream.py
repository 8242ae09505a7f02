"""A stream of inventory changes made by store staff over Odoo's RPC, and the channels
converging on it.

Runs the real Odoo server (prefork: HTTP workers, cron workers) against a fresh
database, 3 generic_json channels on the marketplace simulator (in this process) and
several staff users (Inventory administrators, one API key and thread each) who commit
`--rate` stock changes per second for `--duration` seconds, open loop (each change has
its slot; a late thread catches up; a slot not started within the duration is not
achieved), over JSON-2 (POST /json/2/<model>/<method>, bearer
API key). Two kinds of change (`--mix adjust:0.5,move:0.5`):

- adjust: an inventory adjustment (stock.quant write of `inventory_quantity` in
  inventory mode, then action_apply_inventory), a new counted quantity;
- move: a done move, a receipt of 1-3 units or a delivery of 1-3 units in turn
  (stock.picking create with its move, then button_validate).

Odoo's RPC layer retries a transaction that hit a serialization failure (up to 5 tries,
with a random back-off); the server log's "bad query ... could not serialize" lines
are counted per table; a change whose RPC still failed is tried again by the bench (up
to 3 times: counted as retries). At the end it waits (bounded) until every channel's
last quantity on the simulator equals Odoo's publishable quantity for every variant;
exit 1 if any differs. Prints changes asked / achieved per second, per kind, conflicts,
RPC ms percentiles, the commit -> channel latency (from the change's RPC answer, its
commit being just before it, to the first push of the variant received by the channel
after the RPC began) and the machine's cores. Started by `bench/run change_stream`.
"""

import argparse
import json
import os
import random
import re
import threading
import time
from collections import Counter, defaultdict

import requests

from bench._server import ServerBench, add_arguments
from bench._stats import epoch, percentile

SECRET = "bench-secret"
CHANNELS = ("stream_a", "stream_b", "stream_c")
INITIAL_QUANTITY = 1000
BENCH_TRIES = 3
CONVERGE_SECONDS = 180
CONFLICT = re.compile(r"bad query: (?:b['\"])?\s*(?:UPDATE|INSERT INTO|DELETE FROM)\s+\"?(\w+)")


def parse_mix(text):
    mix = {}
    for part in text.split(","):
        kind, _sep, share = part.partition(":")
        if kind not in ("adjust", "move"):
            raise SystemExit(f"unknown kind of change {kind!r} (adjust, move)")
        mix[kind] = float(share or 1)
    return mix


class Staff:
    """One store user's RPC session: JSON-2 calls with the user's API key."""

    def __init__(self, url, db, key):
        self.url = url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"bearer {key}", "X-Odoo-Database": db})

    def call(self, model, method, ids=(), context=None, **kwargs):
        body = {"ids": list(ids), "context": context or {}, **kwargs}
        response = self.session.post(f"{self.url}/json/2/{model}/{method}", json=body, timeout=120)
        if response.status_code != 200:
            raise RuntimeError(f"{model}.{method}: {response.status_code} {response.text[:300]}")
        return response.json()


class Bench(ServerBench):
    channels = CHANNELS
    secret = SECRET
    server_log = "bench-change-stream"

    def setup(self, args):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            warehouse = env["stock.warehouse"].search([], limit=1)
            stock = warehouse.lot_stock_id
            products = self.create_variants(env, "stream", args.variants, INITIAL_QUANTITY, stock)
            if not args.native:
                self.create_channels(env, warehouse)
            quants = env["stock.quant"].search(
                [("product_id", "in", products.ids), ("location_id", "=", stock.id)]
            )
            self.quant_of = {quant.product_id.id: quant.id for quant in quants}
            self.product_ids = products.ids
            self.sku_of = {p.id: p.default_code for p in products}
            self.keys = self.create_staff(env, args.threads, warehouse)
            self.picking = {
                "in": (warehouse.in_type_id.id, env.ref("stock.stock_location_suppliers").id,
                       stock.id),
                "out": (warehouse.out_type_id.id, stock.id,
                        env.ref("stock.stock_location_customers").id),
            }  # fmt: skip

    def create_staff(self, env, count, warehouse):
        """`count` Inventory administrators of the warehouse's company: their API keys."""
        group = env.ref("stock.group_stock_manager")
        keys = []
        for i in range(count):
            user = env["res.users"].create(
                {
                    "name": f"Store Staff {i}",
                    "login": f"stream-staff-{i}",
                    "company_id": warehouse.company_id.id,
                    "company_ids": [(6, 0, warehouse.company_id.ids)],
                    "group_ids": [(4, group.id)],
                }
            )
            apikeys = env["res.users.apikeys"].with_user(user).sudo()
            keys.append(apikeys._generate(None, "bench", None))
        return keys

    # -- the stream --------------------------------------------------------
    def adjust(self, staff, product_id, rng):
        quant = [self.quant_of[product_id]]
        quantity = rng.randint(INITIAL_QUANTITY - 100, INITIAL_QUANTITY + 100)
        ctx = {"inventory_mode": True}
        staff.call("stock.quant", "write", quant, ctx, vals={"inventory_quantity": quantity})
        answer = staff.call("stock.quant", "action_apply_inventory", quant, ctx)
        if isinstance(answer, dict):  # Odoo's conflict wizard: the quant moved meanwhile
            raise RuntimeError(f"inventory conflict: {answer.get('name')}")

    def move(self, staff, product_id, rng, direction):
        picking_type, source, dest = self.picking[direction]
        move = {
            "product_id": product_id,
            "product_uom_qty": rng.randint(1, 3),
            "location_id": source,
            "location_dest_id": dest,
        }
        vals = {
            "picking_type_id": picking_type,
            "location_id": source,
            "location_dest_id": dest,
            "move_ids": [(0, 0, move)],
        }
        [picking] = staff.call("stock.picking", "create", vals_list=[vals])
        answer = staff.call("stock.picking", "button_validate", [picking])
        if answer is not True:
            raise RuntimeError(f"picking {picking} not validated: {answer}")

    def run_stream(self, args, mix):
        """Open-loop stream: [(kind, product_id, began, answered, rpc_ms, tries)], errors."""
        total = round(args.rate * args.duration)
        kinds = list(mix)
        weights = [mix[k] for k in kinds]
        plan_rng = random.Random(22)
        plan = [
            (plan_rng.choices(kinds, weights)[0], self.product_ids[i % len(self.product_ids)])
            for i in range(total)
        ]
        lock = threading.Lock()
        slots = iter(range(total))
        done, errors = [], []
        start = time.monotonic() + 1.0
        end = start + args.duration
        self.stream_start = time.time() + 1.0

        def worker(index):
            staff = Staff(self.server.url, self.args.db, self.keys[index])
            rng = random.Random(index)
            directions = ("in", "out")
            moves = 0
            while True:
                with lock:
                    slot = next(slots, None)
                if slot is None or time.monotonic() > end:
                    return  # the stream is over: a slot not started by then is not achieved
                delay = start + slot / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                kind, product_id = plan[slot]
                tries, answered = 0, None
                while answered is None and tries < BENCH_TRIES:
                    tries += 1
                    began = time.time()
                    try:
                        if kind == "adjust":
                            self.adjust(staff, product_id, rng)
                        else:
                            self.move(staff, product_id, rng, directions[moves % 2])
                        answered = time.time()
                    except (RuntimeError, requests.RequestException) as error:
                        with lock:
                            errors.append((kind, str(error)[:200]))
                if answered is None:
                    continue
                moves += kind == "move"
                with lock:
                    done.append(
                        (kind, product_id, began, answered, (answered - began) * 1000, tries)
                    )

        threads = [
            threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return done, errors, time.monotonic() - start

    # -- observations --------------------------------------------------------
    def latencies(self, done):
        """{channel: [ms]}: from a change's answer to the first push of its variant
        received by the channel after its RPC began (0 when received before the answer)."""
        result = {}
        for code in CHANNELS:
            pushes = defaultdict(list)  # sku -> [received at]
            for request in self.sim.received(f"/generic/{code}"):
                if request["method"] != "POST" or request["status"] != 200:
                    continue
                for item in json.loads(request["body"])["items"]:
                    pushes[item["sku"]].append(epoch(request["time"]))
            values = []
            for _kind, product_id, began, answered, _ms, _tries in done:
                after = [t for t in pushes[self.sku_of[product_id]] if t >= began]
                if after:
                    values.append(max(0.0, (min(after) - answered) * 1000))
            result[code] = values
        return result

    def mismatches(self):
        """[(channel, sku, on the simulator, Odoo's publishable)] that differ."""
        wrong = []
        with self.registry.cursor() as cr:
            env = self.env(cr)
            channels = env["stock.channel"].search([("code", "in", CHANNELS)])
            products = env["product.product"].browse(self.product_ids)
            results = channels._compute_publishable(products)
            for channel in channels:
                levels = self.sim.generic_levels(channel.code)
                for product in products:
                    want = results[channel.id, product.id].publishable
                    got = levels.get(product.default_code)
                    if got != want:
                        wrong.append((channel.code, product.default_code, got, want))
        return wrong

    def converge(self, timeout=CONVERGE_SECONDS):
        """(seconds until every channel holds Odoo's quantities, or None; mismatches)."""
        began = time.monotonic()
        while True:
            wrong = self.mismatches()
            if not wrong:
                return time.monotonic() - began, []
            if time.monotonic() - began > timeout:
                return None, wrong
            time.sleep(2)

    def conflicts(self, offset):
        """Counter of the tables named by the server log's serialization failures since
        `offset`, and the number of RPC retries Odoo logged."""
        with open(self.server.log, errors="replace") as log:
            log.seek(offset)
            text = log.read()
        tables = Counter()
        query = None
        for line in text.splitlines():
            if "bad query:" in line:
                match = CONFLICT.search(line)
                query = match.group(1) if match else "other"
            elif "could not serialize" in line and query:
                tables[query] += 1
                query = None
        retries = len(re.findall(r"tries left, try again", text))
        gave_up = len(re.findall(r"maximum number of tries reached", text))
        return tables, retries, gave_up


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser, workers=4, cron_workers=2)
    parser.add_argument("--rate", type=float, default=20, help="changes asked per second")
    parser.add_argument("--duration", type=float, default=300, help="seconds of stream")
    parser.add_argument("--mix", default="adjust:0.5,move:0.5", help="kind:share,...")
    parser.add_argument("--threads", type=int, default=12, help="staff users (RPC threads)")
    parser.add_argument("--variants", type=int, default=300)
    parser.add_argument(
        "--native",
        action="store_true",
        help="Odoo alone: the same stream on a database without the addon (started "
        "with SCS_BENCH_NATIVE=1), no channels: Odoo's own ceiling on this machine",
    )
    args = parser.parse_args()
    mix = parse_mix(args.mix)

    bench = Bench(args)
    bench.setup(args)
    bench.start_server()
    seconds, wrong, latencies = None, [], {}
    try:
        if not args.native and not wait_initial(bench, args.variants):
            raise SystemExit("initial sync incomplete")
        bench.sim.clear_received()
        offset = os.path.getsize(bench.server.log)
        done, errors, elapsed = bench.run_stream(args, mix)
        if not args.native:
            seconds, wrong = bench.converge()
            latencies = bench.latencies(done)
        tables, retries, gave_up = bench.conflicts(offset)
    finally:
        bench.stop_server()
        bench.sim.stop()
    report(args, mix, done, errors, elapsed, latencies, (tables, retries, gave_up))
    if args.native:
        print("\nOdoo alone (no addon, no channels): nothing to converge")
        return
    print_convergence(seconds, wrong)
    if wrong:
        raise SystemExit(1)


def wait_initial(bench, variants, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(len(bench.sim.generic_levels(code)) >= variants for code in CHANNELS):
            return True
        time.sleep(0.5)
    return False


def report(args, mix, done, errors, elapsed, latencies, conflicts):
    tables, retries, gave_up = conflicts
    total = round(args.rate * args.duration)
    share = sum(mix.values())
    print()
    print(
        f"Change stream over JSON-2 RPC{' (Odoo alone, without the addon)' if args.native else ''} "
        f"({args.threads} staff threads, {args.workers} HTTP "
        f"workers + {args.cron_workers} cron workers, {args.variants} variants, "
        f"{0 if args.native else len(CHANNELS)} generic_json channels, "
        f"{args.duration:.0f} s asked, "
        f"{elapsed:.0f} s taken, {os.cpu_count()} cores)"
    )
    print(
        "| kind | changes asked | asked/s | changes done | achieved/s | bench retries "
        "| RPC p50 ms | RPC p95 ms | RPC p99 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind in [*mix, "all"]:
        rows = [row for row in done if kind in ("all", row[0])]
        asked = total if kind == "all" else round(total * mix[kind] / share)
        ms = [row[4] for row in rows]
        again = sum(row[5] - 1 for row in rows)
        print(
            f"| {kind} | {asked} | {asked / args.duration:.1f} | {len(rows)} | "
            f"{len(rows) / elapsed:.1f} | {again} | {percentile(ms, 50):.0f} | "
            f"{percentile(ms, 95):.0f} | {percentile(ms, 99):.0f} |"
        )
    print()
    named = ", ".join(f"{table} {count}" for table, count in tables.most_common()) or "none"
    print(
        f"Serialization failures (server log): {sum(tables.values())} ({named}); "
        f"RPC retries by Odoo: {retries}, given up: {gave_up}; "
        f"changes failed at the bench: {len(errors)}"
    )
    for kind, error in Counter(errors).most_common(3):
        print(f"  {kind}: {error}")
    if not latencies:
        return
    every = [ms for values in latencies.values() for ms in values]
    print()
    print("| commit -> channel | pushes matched | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for code, values in [*latencies.items(), ("every channel", every)]:
        print(
            f"| {code} | {len(values)} | {percentile(values, 50):.0f} | "
            f"{percentile(values, 95):.0f} | {percentile(values, 99):.0f} | "
            f"{max(values) if values else float('nan'):.0f} |"
        )


def print_convergence(seconds, wrong):
    print()
    if not wrong:
        print(f"Converged: yes (every channel equals Odoo's publishable {seconds:.1f} s after)")
        return
    print(f"Converged: NO, {len(wrong)} quantity(ies) differ after {CONVERGE_SECONDS} s:")
    for code, sku, got, want in wrong[:10]:
        print(f"  {code} {sku}: simulator {got}, Odoo {want}")


if __name__ == "__main__":
    main()
