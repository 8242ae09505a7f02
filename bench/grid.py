"""The Products x Channels grid at volume: a page of stock.channel.grid.get_page (80
rows x every channel) at growing numbers of variants, its time and its SQL queries.

Set-up: ``--channels`` (10) generic_json marketplace channels of the main warehouse,
created with the ORM, pointing at http://127.0.0.1:9/generic/x (never contacted:
nothing is dispatched); 20 product categories. Then, per size (ascending: the variants
are added to those of the previous size), by SQL bulk inserts (``generate_series``: the
ORM would take hours), storable variants GRID-0000000... (each a copy of one template
and variant made with the ORM, its name and internal reference numbered, its category
one of the 20 in turn), and for every variant on every channel:

- a quantity line: publishable 0-49 (0 for one variant in 50 on each channel, on a
  different channel each), published the same quantity a minute ago (in sync);
- one variant in 100 with a pending push on the channel, one in 500 a dead letter,
  one in 1,000 an open drift.

Then ANALYZE. Measured, ``--runs`` (5) times each after a warm-up, in a new cursor
and environment (record cache empty) as the administrator (record rules apply), the
median and the maximum, with the SQL queries each issued (``cr.sql_log_count``):

- first page: ``get_page(0, 80)``;
- at 0: ``get_page(0, 80, filters=["at_zero"])``;
- failing, grouped: ``get_page(0, 80, filters=["failed"], group_by="category")``;
- last page: ``get_page(total - 80, 80)``.

Checks (exit 1 otherwise): the query counts are the same at every size, and the totals
are those inserted. Started by ``bench/run grid [--sizes 10000,100000] [--channels 10]
[--runs 5]``; sizes are variants (100,000 x 10 channels: a million quantity lines).
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import os
import statistics
import time

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

ENDPOINT = "http://127.0.0.1:9/generic/x"
ADMIN_UID = 2
PAGE = 80
CATEGORIES = 20

# copies of the model template (%(tmpl)s) and variant (%(variant)s), numbered from
# %(start)s; {tmpl_cols} / {variant_cols}: their other columns, copied as they are
SEED_PRODUCTS = """
CREATE TEMP TABLE grid_new ON COMMIT DROP AS
SELECT n, nextval('product_template_id_seq')::int AS tmpl_id,
       nextval('product_product_id_seq')::int AS product_id,
       (%(categories)s::int[])[n %% {categories} + 1] AS categ_id
  FROM generate_series(%(start)s, %(stop)s - 1) AS n;

INSERT INTO product_template (id, name, categ_id, {tmpl_cols})
SELECT g.tmpl_id, jsonb_build_object('en_US', 'Grid variant ' || g.n), g.categ_id,
       {tmpl_src}
  FROM grid_new g, product_template t WHERE t.id = %(tmpl)s;

INSERT INTO product_product (id, product_tmpl_id, default_code, {variant_cols})
SELECT g.product_id, g.tmpl_id, 'GRID-' || lpad(g.n::text, 7, '0'), {variant_src}
  FROM grid_new g, product_product v WHERE v.id = %(variant)s;

INSERT INTO stock_channel_quantity
       (channel_id, company_id, product_id, sellable_qty, publishable_qty, published_qty,
        published_at, computed_at, create_uid, write_uid, create_date, write_date)
SELECT ch.id, %(company)s, g.product_id, qty, qty, qty, %(now)s, %(now)s, 1, 1, %(now)s, %(now)s
  FROM grid_new g
 CROSS JOIN unnest(%(channels)s::int[]) WITH ORDINALITY AS ch(id, k),
       LATERAL (SELECT CASE WHEN (g.n + ch.k) %% 50 = 0 THEN 0
                            ELSE 1 + (g.n * 7 + ch.k) %% 49 END AS qty) AS q;

INSERT INTO stock_channel_outbox
       (channel_id, product_id, company_id, state, priority, attempts, generation, force,
        event_at, next_attempt_at, dead_at, create_uid, write_uid, create_date, write_date)
SELECT ch.id, g.product_id, %(company)s, s.state, 0, 0, 0, false, %(now)s, %(now)s,
       CASE WHEN s.state = 'dead' THEN %(now)s END, 1, 1, %(now)s, %(now)s
  FROM grid_new g
 CROSS JOIN unnest(%(channels)s::int[]) WITH ORDINALITY AS ch(id, k),
       LATERAL (SELECT CASE WHEN (g.n + ch.k) %% 500 = 1 THEN 'dead'
                            WHEN (g.n + ch.k) %% 100 = 2 THEN 'pending' END AS state) AS s
 WHERE s.state IS NOT NULL;

INSERT INTO stock_channel_drift
       (channel_id, company_id, product_id, sku, cause, state, expected_qty, channel_qty,
        publishable_qty, listed, detected_at, create_uid, write_uid, create_date, write_date)
SELECT ch.id, %(company)s, g.product_id, 'GRID-' || lpad(g.n::text, 7, '0'), 'channel_edit',
       'open', 1, 2, 1, true, %(now)s, 1, 1, %(now)s, %(now)s
  FROM grid_new g
 CROSS JOIN unnest(%(channels)s::int[]) WITH ORDINALITY AS ch(id, k)
 WHERE (g.n + ch.k) %% 1000 = 3;
"""
SKIPPED = {
    "product_template": {"id", "name", "categ_id"},
    "product_product": {"id", "product_tmpl_id", "default_code", "barcode"},
}
TABLES = (
    "product_template",
    "product_product",
    "stock_channel_quantity",
    "stock_channel_outbox",
    "stock_channel_drift",
)
MEASURES = {
    "first page": {},
    "at 0": {"filters": ["at_zero"]},
    "failing, by category": {"filters": ["failed"], "group_by": "category"},
    "last page": "last",
}


def columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND table_schema = current_schema() ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cr.fetchall() if name not in SKIPPED[table]]


def seed_sql(cr):
    """SEED_PRODUCTS with the columns of the copied template and variant."""
    tmpl, variant = columns(cr, "product_template"), columns(cr, "product_product")
    return SEED_PRODUCTS.format(
        categories=CATEGORIES,
        tmpl_cols=", ".join(tmpl),
        tmpl_src=", ".join(f"t.{name}" for name in tmpl),
        variant_cols=", ".join(variant),
        variant_src=", ".join(f"v.{name}" for name in variant),
    )


def expected_totals(size, channels):
    """{measure: the variants it lists} among those inserted up to `size`."""
    ks = range(1, channels + 1)
    return {
        "first page": size,
        "at 0": sum(any((n + k) % 50 == 0 for k in ks) for n in range(size)),
        "failing, by category": sum(any((n + k) % 500 == 1 for k in ks) for n in range(size)),
        "last page": size,
    }


class Bench:
    def __init__(self, args):
        self.args = args
        config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
        self.registry = Registry(args.db)
        self.channel_ids, self.category_ids = [], []
        self.company_id = self.tmpl_id = self.variant_id = None
        self.seeded = 0

    def env(self, cr, uid=odoo.SUPERUSER_ID):
        return odoo.api.Environment(cr, uid, {"lang": "en_US"})

    def log(self, message):
        print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)

    def create(self, count):
        """The channels, the categories and the model variant, with the ORM."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            warehouse = env["stock.warehouse"].search([], limit=1)
            self.company_id = warehouse.company_id.id
            channels = env["stock.channel"].create(
                [
                    {
                        "name": f"Grid {i:02d}",
                        "code": f"grid_{i:02d}",
                        "connector": "generic_json",
                        "endpoint_url": ENDPOINT,
                        "channel_type": "marketplace",
                        "warehouse_id": warehouse.id,
                    }
                    for i in range(count)
                ]
            )
            self.channel_ids = channels.ids
            categories = env["product.category"].create(
                [{"name": f"Grid category {i:02d}"} for i in range(CATEGORIES)]
            )
            self.category_ids = categories.ids
            model = env["product.product"].create(
                {"name": "Grid model", "default_code": "GRID-MODEL", "is_storable": True}
            )
            self.tmpl_id, self.variant_id = model.product_tmpl_id.id, model.id

    def seed(self, size):
        """The variants up to `size` and their rows on every channel."""
        with self.registry.cursor() as cr:
            cr.execute("SELECT now() at time zone 'utc'")
            now = cr.fetchone()[0]
            cr.execute(
                seed_sql(cr),
                {
                    "start": self.seeded,
                    "stop": size,
                    "categories": self.category_ids,
                    "tmpl": self.tmpl_id,
                    "variant": self.variant_id,
                    "company": self.company_id,
                    "channels": self.channel_ids,
                    "now": now,
                },
            )
        self.seeded = size
        with self.registry.cursor() as cr:
            for table in TABLES:
                cr.execute(f"ANALYZE {table}")

    def page(self, kwargs):
        """(seconds, queries, page) of one get_page as the administrator, rolled back."""
        with self.registry.cursor() as cr:
            env = self.env(cr, ADMIN_UID)
            env.invalidate_all()
            Grid = env["stock.channel.grid"]
            if kwargs == "last":
                total = Grid.get_page(0, 1)["total"]
                kwargs = {"offset": max(total - PAGE, 0)}
                env.invalidate_all()
            count0 = cr.sql_log_count
            start = time.perf_counter()
            page = Grid.get_page(limit=PAGE, **kwargs)
            seconds = time.perf_counter() - start
            queries = cr.sql_log_count - count0
            cr.rollback()
        return seconds, queries, page


def measure(bench, size, args, baseline):
    bench.log(f"seeding up to {size} variants x {len(bench.channel_ids)} channels")
    start = time.monotonic()
    bench.seed(size)
    seed_s = time.monotonic() - start
    bench.log(f"seeded in {seed_s:.1f} s; measuring")
    expected = expected_totals(size, len(bench.channel_ids))
    result = {"size": size, "seed_s": seed_s, "measures": {}, "wrong": []}
    for name, kwargs in MEASURES.items():
        bench.page(kwargs)  # warm-up
        seconds, queries = [], set()
        for _run in range(args.runs):
            took, count, page = bench.page(kwargs)
            seconds.append(took)
            queries.add(count)
        result["measures"][name] = (seconds, queries, page)
        if page["total"] != expected[name] + baseline[name]:
            result["wrong"].append(
                f"{name}: {page['total']} != {expected[name]} + {baseline[name]}"
            )
        if len(page["rows"]) != PAGE or len(page["channels"]) != len(bench.channel_ids):
            result["wrong"].append(f"{name}: {len(page['rows'])} rows")
    return result


def ms(values):
    return f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f}"


def print_tables(rows, args):
    print()
    print(
        f"get_page, {PAGE} rows x {args.channels} channels ({args.runs} runs each after a "
        f"warm-up, in-process, {os.cpu_count()} cores, as the administrator)"
    )
    print("| variants | quantity lines | page | total | ms (median / max) | queries |")
    print("|---:|---:|---|---:|---:|---:|")
    for row in rows:
        for name, (seconds, queries, page) in row["measures"].items():
            print(
                f"| {row['size']} | {row['size'] * args.channels} | {name} | {page['total']} "
                f"| {ms(seconds)} | {'/'.join(str(n) for n in sorted(queries))} |"
            )
    print()
    print("| variants | set-up s (SQL inserts + ANALYZE, cumulative sizes) |")
    print("|---:|---:|")
    for row in rows:
        print(f"| {row['size']} | {row['seed_s']:.1f} |")
    last = rows[-1]["measures"]["at 0"][2]
    print()
    print(f"The first rows of the page 'at 0' at {rows[-1]['size']} variants:")
    names = [ch["name"] for ch in last["channels"]]
    print("| SKU | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for page_row in last["rows"][:5]:
        cells = [page_row["cells"][ch["id"]] for ch in last["channels"]]
        print(
            f"| {page_row['sku']} | " + " | ".join(f"{c['qty']} {c['state']}" for c in cells) + " |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--sizes", default="10000,100000", help="variants, ascending")
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    bench = Bench(args)
    bench.log(f"creating {args.channels} channels and {CATEGORIES} categories")
    bench.create(args.channels)
    baseline = {name: bench.page(kwargs)[2]["total"] for name, kwargs in MEASURES.items()}
    rows = [measure(bench, size, args, baseline) for size in sizes]
    print_tables(rows, args)
    failures = [wrong for row in rows for wrong in row["wrong"]]
    for name in MEASURES:
        counts = {n for row in rows for n in row["measures"][name][1]}
        if len(counts) != 1:
            failures.append(f"{name}: queries vary: {sorted(counts)}")
    for failure in failures:
        print(f"FAILED: {failure}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
