"""Publishable quantities at volume, per source: ``_compute_publishable`` of channels fed
by several sources, against one native ``free_qty`` pass of the same variants. Started
by ``bench/run publishable [--variants 100000] [--channels 5] [--sources 3] [--kits N]
[--spread 40]``.

Set-up: ``--sources`` warehouses (the company's, then new ones), ``--channels``
generic_json marketplace channels (never contacted), each fed by every warehouse as a
source (in a rotating order; no promise, so every source counts); by SQL bulk inserts,
``--variants`` storable variants PUB-0000000... (copies of one ORM-made variant) with a
quant in the stock of every warehouse (copies of one ORM-made quant): on hand
1 + (7 n + location id) mod ``--spread`` (40: 40 levels, 1,000,000: every variant its
own figures), reserved (n + location id) mod 3. ``--kits N``:
when bench/_kits.py exists, its ``make_kits(env, component_ids, n)`` makes N kits of
the seeded variants (the kits are then part of the variants computed). Then ANALYZE.

Measured, in one process, one after the other on the same variants: (a) native, one
read of ``free_qty`` of every variant with ``warehouse_id`` = the source warehouses in
context (Odoo's own availability); (b) ours, ``_compute_publishable`` of the channels
(grouped queries per warehouse, the allocation per source, combined per channel); then,
untimed, 20 variants computed alone must give the batch's Results (else exit 1). Peak
memory: the process's peak resident set (ru_maxrss) after each, and Python's peak
allocations during each (tracemalloc, measured in a separate run so that it does not
slow the timings down).
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import importlib.util
import os
import resource
import time
import tracemalloc

import _sql

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

ENDPOINT = "http://127.0.0.1:9/generic/x"
CHANNEL = {"connector": "generic_json", "endpoint_url": ENDPOINT, "channel_type": "marketplace"}
KITS = os.path.join(os.path.dirname(__file__), "_kits.py")

SEED_PRODUCTS = """
CREATE TEMP TABLE pub_new ON COMMIT DROP AS
SELECT n, nextval('product_template_id_seq')::int AS tmpl_id,
       nextval('product_product_id_seq')::int AS product_id
  FROM generate_series(0, %(stop)s - 1) AS n;

INSERT INTO product_template (id, name, {tmpl_cols})
SELECT g.tmpl_id, jsonb_build_object('en_US', 'Publishable variant ' || g.n), {tmpl_src}
  FROM pub_new g, product_template t WHERE t.id = %(tmpl)s;

INSERT INTO product_product (id, product_tmpl_id, default_code, {variant_cols})
SELECT g.product_id, g.tmpl_id, 'PUB-' || lpad(g.n::text, 7, '0'), {variant_src}
  FROM pub_new g, product_product v WHERE v.id = %(variant)s;

INSERT INTO stock_quant (product_id, location_id, quantity, reserved_quantity, {quant_cols})
SELECT g.product_id, q.location_id, 1 + (g.n * 7 + q.location_id) %% %(spread)s,
       (g.n + q.location_id) %% 3, {quant_src}
  FROM pub_new g, stock_quant q WHERE q.id = ANY(%(quants)s);

SELECT product_id FROM pub_new ORDER BY n;
"""
SKIPPED = {
    "product_template": {"id", "name"},
    "product_product": {"id", "product_tmpl_id", "default_code", "barcode"},
    "stock_quant": {"id", "product_id", "location_id", "quantity", "reserved_quantity"},
}


def columns(cr, table):
    return _sql.columns(cr, table, SKIPPED[table])


def seed_sql(cr):
    names = {
        "tmpl": ("product_template", "t"),
        "variant": ("product_product", "v"),
        "quant": ("stock_quant", "q"),
    }
    values = {}
    for key, (table, alias) in names.items():
        cols = columns(cr, table)
        values[f"{key}_cols"] = ", ".join(cols)
        values[f"{key}_src"] = ", ".join(f"{alias}.{name}" for name in cols)
    return SEED_PRODUCTS.format(**values)


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Bench:
    def __init__(self, args):
        self.args = args
        config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
        self.registry = Registry(args.db)
        self.channel_ids, self.warehouse_ids, self.product_ids = [], [], []

    def env(self, cr):
        return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})

    def log(self, message):
        print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)

    def create(self):
        """The warehouses, the channels and their sources, the model variant and its
        quants, with the ORM; then the variants and their quants by SQL."""
        args = self.args
        with self.registry.cursor() as cr:
            env = self.env(cr)
            Warehouse = env["stock.warehouse"]
            warehouses = Warehouse.search([("company_id", "=", env.company.id)], limit=1)
            for i in range(1, args.sources):
                warehouses |= Warehouse.create({"name": f"Source {i}", "code": f"SRC{i}"})
            self.warehouse_ids = warehouses.ids
            model = env["product.product"].create(
                {"name": "Publishable model", "default_code": "PUB-MODEL", "is_storable": True}
            )
            Quant = env["stock.quant"]
            for warehouse in warehouses:
                Quant._update_available_quantity(model, warehouse.lot_stock_id, 1)
            quants = Quant.search([("product_id", "=", model.id)])
            channels = env["stock.channel"].create(
                [
                    dict(CHANNEL, name=f"Pub {i:02d}", code=f"pub_{i:02d}",
                         warehouse_id=warehouses[0].id)
                    for i in range(args.channels)
                ]
            )  # fmt: skip
            for k, channel in enumerate(channels):
                order = warehouses[k % len(warehouses) :] + warehouses[: k % len(warehouses)]
                env["stock.channel.source"].create(
                    [
                        {"channel_id": channel.id, "warehouse_id": wh.id, "sequence": i,
                         "handling_days": 1}
                        for i, wh in enumerate(order)
                    ]
                )  # fmt: skip
            self.channel_ids = channels.ids
            env["stock.channel.outbox"].flush_model()
            cr.execute(
                seed_sql(cr),
                {
                    "stop": args.variants,
                    "tmpl": model.product_tmpl_id.id,
                    "variant": model.id,
                    "quants": quants.ids,
                    "spread": args.spread,
                },
            )
            self.product_ids = [pid for (pid,) in cr.fetchall()]
            if args.kits:
                self.kits(env)
            cr.execute("DELETE FROM stock_channel_outbox")  # nothing is pushed here
        with self.registry.cursor() as cr:
            cr.execute("ANALYZE product_template, product_product, stock_quant")

    def kits(self, env):
        """--kits N: bench/_kits.py's make_kits(env, component_ids, n), when it exists."""
        if not os.path.exists(KITS):
            self.log(f"--kits {self.args.kits}: no bench/_kits.py, no kits made")
            return
        spec = importlib.util.spec_from_file_location("bench_kits", KITS)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        kit_ids = module.make_kits(env, self.product_ids, self.args.kits).ids
        self.product_ids += kit_ids
        self.log(f"{len(kit_ids)} kits made by bench/_kits.py")

    def native(self, env):
        products = env["product.product"].browse(self.product_ids)
        products.with_context(warehouse_id=self.warehouse_ids).read(["free_qty"])

    def ours(self, env):
        products = env["product.product"].browse(self.product_ids)
        return env["stock.channel"].browse(self.channel_ids)._compute_publishable(products)

    def run(self, what, traced=False):
        """(seconds, peak MB of Python allocations or None) of `what`, rolled back."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            if traced:
                tracemalloc.start()
            start = time.perf_counter()
            result = getattr(self, what)(env)
            seconds = time.perf_counter() - start
            peak = None
            if traced:
                peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
                tracemalloc.stop()
            if what == "ours" and not traced:
                self.check(result)
                self.check_alone(env, result)
            cr.rollback()
        return seconds, peak

    def check(self, results):
        expected = len(self.channel_ids) * len(self.product_ids)
        if len(results) != expected:
            raise SystemExit(f"{len(results)} results, {expected} expected")
        sample = results[self.channel_ids[0], self.product_ids[0]]
        self.log(f"first variant on the first channel: publishable {sample.publishable}")

    def check_alone(self, env, results):
        """20 variants spread over the batch (its chunks, its kits), each computed alone:
        the same Results as in the batch (numbers and explain), or exit non-zero."""
        step = max(1, len(self.product_ids) // 20)
        channels = env["stock.channel"].browse(self.channel_ids)
        for product_id in [*self.product_ids[::step][:19], self.product_ids[-1]]:
            alone = channels._compute_publishable(env["product.product"].browse(product_id))
            for channel_id in self.channel_ids:
                if alone[channel_id, product_id] != results[channel_id, product_id]:
                    raise SystemExit(
                        f"variant {product_id} on channel {channel_id}: the "
                        "batch differs from the variant computed alone"
                    )
        self.log("20 variants computed alone: the same results as in the batch")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--variants", type=int, default=10000)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--sources", type=int, default=3)
    parser.add_argument("--kits", type=int, default=0, help="kits made by bench/_kits.py")
    parser.add_argument(
        "--spread",
        type=int,
        default=40,
        help="on hand 1 + (7 n + location) mod SPREAD: 40, few distinct figures (as most "
        "variants of a catalogue hold a few units); 1000000, every variant its own",
    )
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args()
    bench = Bench(args)
    bench.log(f"creating {args.variants} variants x {args.sources} warehouses")
    start = time.monotonic()
    bench.create()
    bench.log(f"set up in {time.monotonic() - start:.1f} s; measuring")
    native_s, _ = bench.run("native")
    native_rss = rss_mb()
    ours_s, _ = bench.run("ours")
    ours_rss = rss_mb()
    native_peak = ours_peak = None
    if not args.no_trace:
        _s, native_peak = bench.run("native", traced=True)
        _s, ours_peak = bench.run("ours", traced=True)
    variants = len(bench.product_ids)
    print(
        f"\n_compute_publishable vs one native free_qty pass (in-process, {os.cpu_count()} "
        "cores, same variants, same run)"
    )
    print(
        "| variants | channels | sources | native s | ours s | ratio | peak RSS MB after "
        "native / ours | Python peak MB native / ours |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    traced = f"{native_peak:.0f} / {ours_peak:.0f}" if native_peak is not None else "not measured"
    print(
        f"| {variants} | {args.channels} | {args.sources} | {native_s:.2f} | {ours_s:.2f} "
        f"| {ours_s / native_s:.1f} | {native_rss:.0f} / {ours_rss:.0f} | {traced} |"
    )


if __name__ == "__main__":
    main()
