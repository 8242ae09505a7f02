"""What one order intake request costs, in process: CPU, SQL queries, PostgreSQL CPU.

Sets up 3 generic_json channels answering "as soon as its stock is reserved" and a few
hundred stocked variants (found again when the database has them), then sends signed
orders of 1 to 3 lines through Odoo's own WSGI application in this process (werkzeug's
test client: the real route, request, session, registry check and commits), one after
the other. The first --warmup requests fill Odoo's caches; the next --requests are
measured: this process's CPU time (time.process_time), the SQL queries (a hook on the
cursor's execute), the CPU of the database's PostgreSQL backends (/proc, via psutil) and
the most frequent query shapes. --cprofile prints the functions that cost the most.
The confirmation crons do not run here (no cron worker): the orders stay reserved.
Every answer must be 200 "accepted": exits 1 otherwise. Started by
`bench/run intake_profile`.
"""

import argparse
import collections
import cProfile
import io
import os
import pstats
import random
import re
import sys
import time
import traceback

import psutil
from werkzeug.test import Client

import odoo
from odoo import http, sql_db
from odoo.modules.registry import Registry
from odoo.service.server import load_server_wide_modules
from odoo.tools import config

from simulator.clients import signed_order_request

SECRET = "bench-secret"
CHANNELS = ("profile_a", "profile_b", "profile_c")
SKU_PREFIX = "PROFILE"
ROUTE = "/stock_channel_sync/{code}/orders"
STOCK_PER_VARIANT = 1_000_000
MAX_LINES = 3
PRICE, SHIPPING = 10.0, 4.95
CUSTOMERS = 500
ADDRESS = {
    "name": "Bench Buyer",
    "street": "Rue Haute 1",
    "zip": "1000",
    "city": "Brussels",
    "country_code": "BE",
}
TOP_SHAPES = 25
TRACED_EACH = 3  # stacks printed of each query text traced
SHAPE_WIDTH = 110


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--requests", type=int, default=200, help="requests measured")
    parser.add_argument("--warmup", type=int, default=30, help="requests before measuring")
    parser.add_argument("--variants", type=int, default=300)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="top N functions")
    parser.add_argument(
        "--trace", help="print the stack of the queries holding this text (a||b: either)"
    )
    parser.add_argument(
        "--sequence", action="store_true", help="list the queries of the last request in order"
    )
    parser.add_argument("--shapes", type=int, default=TOP_SHAPES, help="query shapes listed")
    return parser.parse_args()


class QueryCounter:
    """Counts the queries of every cursor (a wrap of sql_db.Cursor.execute) by shape."""

    def __init__(self, trace=None):
        self.queries = collections.Counter()  # by text: the shapes are made at the end
        # print the stack of the first query of each text holding one of these
        self.trace = trace.split("||") if trace else ()
        self.traced = collections.Counter()
        self.sequence = None  # [(query, its caller in the addon)] when listed
        self.on = False
        self._execute = sql_db.Cursor.execute

    def install(self):
        counter, execute = self, self._execute

        def counted(cursor, query, params=None, log_exceptions=True):
            if counter.on:
                text = query.code if hasattr(query, "code") else query
                counter.queries[text] += 1
                if counter.sequence is not None:
                    counter.sequence.append((text, caller()))
                traced = any(part in text for part in counter.trace)
                if traced and counter.traced[text] < TRACED_EACH:
                    counter.traced[text] += 1
                    print(f"--- {shape(text)[:SHAPE_WIDTH]}")
                    traceback.print_stack(limit=14, file=sys.stdout)
            return execute(cursor, query, params, log_exceptions)

        sql_db.Cursor.execute = counted

    def total(self):
        return sum(self.queries.values())

    def shapes(self):
        shapes = collections.Counter()
        for text, count in self.queries.items():
            shapes[shape(text)] += count
        return shapes


def caller():
    """The innermost frame of the addon (or of Odoo's HTTP layer) asking the query."""
    for frame in reversed(traceback.extract_stack(limit=40)[:-2]):
        if "stock_channel_sync" in frame.filename or frame.filename.endswith("http.py"):
            return f"{'/'.join(frame.filename.split('/')[-2:])}:{frame.lineno} {frame.name}"
    return "?"


def shape(query):
    """A query's text without its literal values, on one line."""
    text = re.sub(r"\s+", " ", str(query)).strip()
    text = re.sub(r'"[0-9a-f]{8}-[0-9a-f-]{27}"', '"?"', text)  # savepoint names
    text = re.sub(r"'[^']*'", "'?'", text)
    text = re.sub(r"\b\d+\b", "?", text)
    return text


def postgres_cpu(db):
    """CPU seconds of the PostgreSQL backends connected to `db` so far, by pid."""
    seconds = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            title = " ".join(proc.info["cmdline"] or [])
            if proc.info["name"] == "postgres" and f" {db} " in f"{title} ":
                times = proc.cpu_times()
                seconds[proc.pid] = times.user + times.system
        except psutil.Error:
            continue
    return seconds


def setup(registry, variants):
    """(the channel codes, the variants' SKUs, the currency) in the database, committed."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)])[:1]
        products = env["product.product"].search(
            [("default_code", "=like", f"{SKU_PREFIX}-%")], order="default_code"
        )
        if not products:
            products = env["product.product"].create(
                [
                    {
                        "name": f"Profile {i}",
                        "default_code": f"{SKU_PREFIX}-{i:05d}",
                        "type": "consu",
                        "is_storable": True,
                    }
                    for i in range(variants)
                ]
            )
            for product in products:
                env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, STOCK_PER_VARIANT
                )
        Channel = env["stock.channel"]
        missing = set(CHANNELS) - set(Channel.search([("code", "in", CHANNELS)]).mapped("code"))
        Channel.create(
            [
                {
                    "name": code,
                    "code": code,
                    "channel_type": "marketplace",
                    "warehouse_id": warehouse.id,
                    "connector": "generic_json",
                    "endpoint_url": f"http://127.0.0.1:9/{code}",
                    "api_secret": SECRET,
                    "intake_answer": "reserved",
                }
                for code in sorted(missing)
            ]
        )
        return products.mapped("default_code"), env.company.currency_id.name


def payload(order_id, skus, currency, rng):
    lines = [
        {"id": f"{order_id}-{i}", "sku": sku, "quantity": rng.randint(1, 3), "price_unit": PRICE}
        for i, sku in enumerate(rng.sample(skus, rng.randint(1, MAX_LINES)), 1)
    ]
    total = sum(line["quantity"] for line in lines) * PRICE + SHIPPING
    return {
        "id": order_id,
        "created_at": "2026-11-23T10:00:00Z",
        "currency": currency,
        "customer": {
            "name": "Bench Buyer",
            "email": f"buyer-{rng.randint(1, CUSTOMERS)}@example.com",
        },
        "shipping_address": ADDRESS,
        "lines": lines,
        "shipping_amount": SHIPPING,
        "total_amount": round(total, 2),
    }


def send(client, requests_todo):
    """Send each (code, body, headers); the answers that are not 200 accepted."""
    failures = []
    for code, body, headers in requests_todo:
        response = client.post(ROUTE.format(code=code), data=body, headers=headers)
        answer = response.get_json(silent=True) or {}
        if response.status_code != 200 or answer.get("status") != "accepted":
            failures.append((response.status_code, response.get_data(as_text=True)[:200]))
    return failures


def main():
    args = parse_args()
    config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
    load_server_wide_modules()
    registry = Registry(args.db)
    skus, currency = setup(registry, args.variants)
    rng = random.Random(os.getpid())
    run = f"{time.time_ns():x}"
    todo = []
    for index in range(args.warmup + args.requests):
        body, headers = signed_order_request(
            SECRET, payload(f"prof-{run}-{index}", skus, currency, rng)
        )
        todo.append((CHANNELS[index % len(CHANNELS)], body, headers))
    client = Client(http.root)
    counter = QueryCounter(args.trace)
    counter.install()
    failures = send(client, todo[: args.warmup])

    measured = todo[args.warmup :]
    profiler = cProfile.Profile() if args.cprofile else None
    pg_before = postgres_cpu(args.db)
    counter.on = True
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    failures += send(client, measured[:-1])
    counter.sequence = [] if args.sequence else None
    failures += send(client, measured[-1:])
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    counter.on = False
    pg_after = postgres_cpu(args.db)
    pg = sum(after - pg_before.get(pid, 0.0) for pid, after in pg_after.items())

    n = len(measured)
    print(f"\nOrder intake request in process ({os.cpu_count()} cores, db {args.db})")
    print(f"{'requests':>9} {'wall ms/req':>12} {'CPU ms/req':>11} {'PG CPU ms/req':>14} "
          f"{'SQL/req':>8}")  # fmt: skip
    print(f"{n:>9} {wall / n * 1000:>12.1f} {cpu / n * 1000:>11.1f} {pg / n * 1000:>14.1f} "
          f"{counter.total() / n:>8.1f}")  # fmt: skip
    print(f"\nTop {args.shapes} query shapes (per request)")
    for text, count in counter.shapes().most_common(args.shapes):
        print(f"{count / n:>6.2f}  {text[:SHAPE_WIDTH]}")
    if args.sequence:
        print("\nThe queries of the last request, in order")
        for text, where in counter.sequence:
            print(f"  {where[:60]:<60} {shape(text)[: SHAPE_WIDTH - 20]}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.cprofile)
        stats.sort_stats("tottime").print_stats(args.cprofile)
        print(out.getvalue())
    if failures:
        print(f"\nFAILED: {len(failures)} answers not 200 accepted, first: {failures[0]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
