"""The Products x Channels grid at volume: a page of stock.channel.grid.get_page (80
rows x every channel) at growing numbers of variants, its time and its SQL queries.
Started by ``bench/run grid [--sizes 10000,100000] [--channels 10] [--runs 5]``.

Set-up: ``--channels`` generic_json marketplace channels (never contacted), 20
categories; per size (ascending, cumulative), by SQL bulk inserts, storable variants
GRID-0000000... (copies of one ORM-made template and variant) and on every channel a
quantity line (publishable 0-49, 0 for one variant in 50 on each channel, published
in sync); one variant in 100 with a pending push, one in 500 a dead letter, one in
1,000 an open drift. Then ANALYZE.

Measured ``--runs`` times after a warm-up, in a new cursor as the administrator (record
rules apply): median and max ms, and the SQL queries (``cr.sql_log_count``) of
first page ``get_page(0, 80)`` (its total counted up to 1,000: "1000+"), at 0
(``filters=["at_zero"]``), failing grouped by category, the last page, and the exact
count ``get_total()`` (the pager's "+", on demand). Exit 1 unless the query counts are
the same at every size and the exact totals are those inserted.
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import os
import statistics
import time

import _sql

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

ENDPOINT = "http://127.0.0.1:9/generic/x"
CHANNEL = {"connector": "generic_json", "endpoint_url": ENDPOINT, "channel_type": "marketplace"}
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
        published_at, computed_at)
SELECT ch.id, %(company)s, g.product_id, qty, qty, qty, %(now)s, %(now)s
  FROM grid_new g
 CROSS JOIN unnest(%(channels)s::int[]) WITH ORDINALITY AS ch(id, k),
       LATERAL (SELECT CASE WHEN (g.n + ch.k) %% 50 = 0 THEN 0
                            ELSE 1 + (g.n * 7 + ch.k) %% 49 END AS qty) AS q;

INSERT INTO stock_channel_outbox
       (channel_id, product_id, company_id, state, priority, attempts, generation, force,
        event_at, next_attempt_at, dead_at)
SELECT ch.id, g.product_id, %(company)s, s.state, 0, 0, 0, false, %(now)s, %(now)s,
       CASE WHEN s.state = 'dead' THEN %(now)s END
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
TABLES = (  # analyzed after each seeding
    "product_template, product_product, stock_channel_quantity, stock_channel_outbox, "
    "stock_channel_drift"
)
MEASURES = {
    "first page": {},
    "at 0": {"filters": ["at_zero"]},
    "failing, by category": {"filters": ["failed"], "group_by": "category"},
    "last page": "last",
    "exact count": "count",
}


def columns(cr, table):
    return _sql.columns(cr, table, SKIPPED[table])


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
        "exact count": size,
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
                [dict(CHANNEL, name=f"Grid {i:02d}", code=f"grid_{i:02d}") for i in range(count)]
            )
            channels.warehouse_id = warehouse
            self.channel_ids = channels.ids
            self.category_ids = (
                env["product.category"]
                .create([{"name": f"Grid category {i:02d}"} for i in range(CATEGORIES)])
                .ids
            )
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
            cr.execute(f"ANALYZE {TABLES}")

    def page(self, kwargs):
        """(seconds, queries, page with its exact total) of one get_page (or get_total) as
        the administrator, rolled back."""
        with self.registry.cursor() as cr:
            Grid = self.env(cr, ADMIN_UID)["stock.channel.grid"]
            filters = kwargs.get("filters", ()) if isinstance(kwargs, dict) else ()
            total = Grid.get_total(filters)
            if kwargs == "last":
                kwargs = {"offset": max(total - PAGE, 0)}
            Grid.env.invalidate_all()
            count0, start = cr.sql_log_count, time.perf_counter()
            if kwargs == "count":
                page = {"total": Grid.get_total(), "total_exact": True, "rows": [None] * PAGE}
            else:
                page = Grid.get_page(limit=PAGE, **kwargs)
            seconds, queries = time.perf_counter() - start, cr.sql_log_count - count0
            cr.rollback()
        return seconds, queries, dict(page, exact=total)


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
        if page["exact"] != expected[name] + baseline[name]:
            result["wrong"].append(f"{name}: {page['exact']} != {expected[name]}+{baseline[name]}")
        if len(page["rows"]) != PAGE:
            result["wrong"].append(f"{name}: {len(page['rows'])} rows")
    return result


def ms(values):
    return f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f}"


def print_tables(rows, args):
    print(
        f"\nget_page, {PAGE} rows x {args.channels} channels ({args.runs} runs each after a "
        f"warm-up, in-process, {os.cpu_count()} cores, as the administrator)"
    )
    print("| variants | quantity lines | page | total shown | ms (median / max) | queries |")
    print("|---:|---:|---|---:|---:|---:|")
    for row in rows:
        for name, (seconds, queries, page) in row["measures"].items():
            total = f"{page['total']}{'' if page['total_exact'] else '+'}"
            print(
                f"| {row['size']} | {row['size'] * args.channels} | {name} | {total} "
                f"| {ms(seconds)} | {'/'.join(str(n) for n in sorted(queries))} |"
            )
    seeds = ", ".join(f"{row['seed_s']:.1f} s to {row['size']}" for row in rows)
    print(f"\nSet-up (SQL inserts + ANALYZE, cumulative): {seeds}")
    last = rows[-1]["measures"]["at 0"][2]
    print(f"\nThe first rows of the page 'at 0' at {rows[-1]['size']} variants:")
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
    baseline = {name: bench.page(kwargs)[2]["exact"] for name, kwargs in MEASURES.items()}
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
