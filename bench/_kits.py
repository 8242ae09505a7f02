"""Kits for the publishable bench: ``make_kits(env, component_ids, n)`` creates n kit
products, each with a kit bill of materials (mrp, type 'phantom') of 3 components taken
in turn from ``component_ids`` (1, 2 and 3 units per kit), in batched creates.

Run alone (``bench/run _kits [--kits 10]``), it checks itself on the bench database:
30 components with stock, n kits on them, one channel; every kit's publishable quantity
must be floor(min(component publishable / units per kit)), with its limiting component
named; then it rolls back. Exit 1 when a kit is wrong.
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import math
import sys
import time

import odoo
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config

PER_KIT = (1, 2, 3)
CHUNK = 500


def make_kits(env, component_ids, n, prefix="BENCH-KIT"):
    """n storable kit variants (``prefix``-0000...), each with a kit bill of materials
    of 3 of ``component_ids`` (in turn; 1, 2 and 3 units per kit). Returns the kits
    (product.product). Needs mrp installed."""
    if "mrp.bom" not in env:
        raise RuntimeError("kits need mrp installed")
    if len(component_ids) < len(PER_KIT):
        raise ValueError(f"a kit needs {len(PER_KIT)} components")
    Product = env["product.product"].with_context(tracking_disable=True)
    kits = Product.browse()
    for start in range(0, n, CHUNK):
        numbers = range(start, min(n, start + CHUNK))
        chunk = Product.create(
            [
                {"name": f"Bench kit {i}", "default_code": f"{prefix}-{i:07d}", "type": "consu",
                 "is_storable": True}
                for i in numbers
            ]
        )  # fmt: skip
        env["mrp.bom"].create(
            [
                {"product_tmpl_id": kit.product_tmpl_id.id, "type": "phantom",
                 "bom_line_ids": _lines(component_ids, i)}
                for kit, i in zip(chunk, numbers, strict=True)
            ]
        )  # fmt: skip
        kits |= chunk
    return kits


def _lines(component_ids, i):
    count = len(component_ids)
    return [
        Command.create(
            {"product_id": component_ids[(3 * i + k) % count], "product_qty": PER_KIT[k]}
        )
        for k in range(len(PER_KIT))
    ]


def check(env, n):
    """Make 30 components (stock 0..29 units), n kits on them, a channel; compare each
    kit's publishable quantity with the arithmetic. Returns the errors."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    components = env["product.product"].create(
        [
            {"name": f"Bench part {i}", "default_code": f"BENCH-PART-{i:03d}", "type": "consu",
             "is_storable": True}
            for i in range(30)
        ]
    )  # fmt: skip
    for qty, component in enumerate(components):
        if qty:  # the first one has none
            env["stock.quant"]._update_available_quantity(component, warehouse.lot_stock_id, qty)
    start = time.monotonic()
    kits = make_kits(env, components.ids, n)
    made = time.monotonic() - start
    channel = env["stock.channel"].create(
        {"name": "Kit bench", "code": "kit-bench", "warehouse_id": warehouse.id,
         "channel_type": "marketplace"}
    )  # fmt: skip
    start = time.monotonic()
    results = channel._compute_publishable(kits | components)
    computed = time.monotonic() - start
    print(f"{n} kits made in {made:.2f} s; kits and components computed in {computed:.2f} s")
    errors = []
    for i, kit in enumerate(kits):
        parts = [(components.ids[(3 * i + k) % 30], PER_KIT[k]) for k in range(3)]
        expected = min(
            math.floor(results[channel.id, part].publishable / per) for part, per in parts
        )
        result = results[channel.id, kit.id]
        if result.publishable != expected or not result.limited_by:
            errors.append(f"{kit.default_code}: {result.publishable}, expected {expected}")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--kits", type=int, default=10)
    args = parser.parse_args()
    config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        errors = check(env, args.kits)
        cr.rollback()
    for error in errors:
        print(error)
    print("kits: OK" if not errors else f"kits: {len(errors)} wrong")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
