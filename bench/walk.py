"""The two data walks, measured: which of the addon's functions a change goes through.

(a) stock change -> channel: an inventory adjustment (``stock.quant.action_apply_inventory``
    of one bound variant, committed) until the Shopify connector's ``push`` is called by
    the dispatcher.
(b) order in -> status back: a Shopify ``orders/create`` webhook (signed, served by Odoo's
    WSGI application in this process), the order's delivery validated with a tracking
    number, until the Shopify connector's ``push_order_status`` is called by the
    dispatcher.

Everything runs in this one process, on one thread: Odoo's application answers the
webhook through werkzeug's test client (the real route, the real controller), and the
dispatcher runs in sequence (``stock.channel.dispatcher._run(parallel=False)``: the same
per-channel rounds as the cron's threads, without the supervisor thread polling beside
it, so the order of the calls is the same from one run to the next). The set-up (channel,
variant, binding, first push) is done and dispatched before the tracer starts.

What is counted (``sys.setprofile``, its ``call`` events only): a **call** is one entry
into a Python function whose code lives in the addon under ``models/``, ``core/`` or
``controllers/`` (any depth; ``tests/`` folders left out), called from anywhere (Odoo's
ORM calling a compute method counts, as does the addon calling its own helper). Not
counted: the resumption of a generator (only its first start), comprehensions,
generator expressions, lambdas and module bodies (code named ``<...>``), functions of
Odoo, of the standard library and of the simulator. The last call recorded is the
connector's ``push`` (a) / ``push_order_status`` (b); nothing after it.

Printed per walk: calls, distinct functions, distinct files (paths relative to the
addon, so a file that moves is counted where it is), the calls per top-level directory,
and the hops: the calls in order, a run of consecutive calls to the same file:function
collapsed into one hop (``x N``), numbered, in phases. Files are matched by directory,
never by name: the table stays comparable when models move to one file per model.

Started by ``bench/run walk [--phase-files] [--hops-limit N]``.
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import dis
import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path

from werkzeug.test import Client

import odoo
from odoo import http

from bench._server import ServerBench, add_arguments
from bench.wires import SHOPIFY_LOCATION, SHOPIFY_TOKEN
from simulator.clients import shopify_webhook_request

REPO = Path(__file__).resolve().parent.parent
TRACED_DIRS = ("models", "core", "controllers")
CHANNEL = "walk"
WEBHOOK_SECRET = "walk-webhook-secret"
SKU = "WALK-0001"
ITEM = "gid://shopify/InventoryItem/4242"
ORDER_ID = 7_001
LINE_ID = 70_011
START_QTY = 20
ADJUSTED_QTY = 17
RESUME = dis.opmap.get("RESUME")
GENERATOR_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR, CO_COROUTINE, CO_ASYNC_GENERATOR


class Tracer:
    """Records the calls into the addon's traced directories, in order, until the call
    that `last` names ((directory prefix, function name)) is entered."""

    def __init__(self, roots, last):
        self.roots = sorted({str(root) + os.sep for root in roots}, key=len, reverse=True)
        self.last = last
        self.calls = []  # (phase, "dir/file.py", "Class.function")
        self.phase = ""
        self.done = False
        self._where_cache = {}
        self._lock = threading.Lock()

    def _where(self, code):
        """("models/x.py", "Class.function") when `code` is one of the addon's traced
        functions, else None; cached per code object."""
        if code in self._where_cache:
            return self._where_cache[code]
        hit = None
        name = code.co_name
        if not name.startswith("<"):
            filename = code.co_filename
            for root in self.roots:
                if filename.startswith(root):
                    relative = filename[len(root) :].replace(os.sep, "/")
                    parts = relative.split("/")
                    if parts[0] in TRACED_DIRS and "tests" not in parts[:-1]:
                        hit = (relative, getattr(code, "co_qualname", name))
                    break
        self._where_cache[code] = hit
        return hit

    def _profile(self, frame, event, arg):
        if event != "call" or self.done:
            return
        code = frame.f_code
        hit = self._where(code)
        if hit is None:
            return
        if code.co_flags & GENERATOR_FLAGS and RESUME is not None:
            raw, at = code.co_code, frame.f_lasti
            if 0 <= at < len(raw) - 1 and raw[at] == RESUME and raw[at + 1] != 0:
                return  # a generator resumed, not called
        with self._lock:
            if self.done:
                return
            self.calls.append((self.phase, *hit))
            prefix, function = self.last
            if hit[0].startswith(prefix) and hit[1].rsplit(".", 1)[-1] == function:
                self.done = True

    def __enter__(self):
        threading.setprofile(self._profile)
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc_info):
        sys.setprofile(None)
        threading.setprofile(None)


class Walk(ServerBench):
    secret = WEBHOOK_SECRET

    def __init__(self, args):
        super().__init__(args)
        import odoo.addons.stock_channel_sync as addon  # noqa: PLC0415 (the registry's path)

        addon_dir = Path(addon.__file__).parent
        self.roots = {REPO, addon_dir, addon_dir.resolve()}
        self.sim.configure_shop(
            CHANNEL, token=SHOPIFY_TOKEN, webhook_secret=WEBHOOK_SECRET, catalog={SKU: ITEM}
        )
        self.channel_id = self.product_id = self.location_id = None

    def log(self, message):
        print(f"  {message}", file=sys.stderr, flush=True)

    def dispatch(self, until=None):
        """Run the dispatcher in sequence until nothing is pending (or `until()`)."""
        for _ in range(50):
            with self.registry.cursor() as cr:
                env = self.env(cr)
                env["stock.channel.dispatcher"]._run(parallel=False)
                cr.execute(
                    "SELECT count(*) FROM stock_channel_outbox "
                    "WHERE channel_id = %s AND state IN ('pending', 'late')",
                    [self.channel_id],
                )
                if not cr.fetchone()[0] or (until and until()):
                    return

    def set_up(self):
        """A Shopify channel on the simulator, one bound variant with stock, published."""
        with self.registry.cursor() as cr:
            env = self.env(cr, tracking_disable=True)
            warehouse = env["stock.warehouse"].search([], limit=1, order="id")
            self.location_id = warehouse.lot_stock_id.id
            product = env["product.product"].create(
                {
                    "name": "Walk",
                    "default_code": SKU,
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 10.0,
                }
            )
            self.product_id = product.id
            channel = env["stock.channel"].create(
                {
                    "name": CHANNEL,
                    "code": CHANNEL,
                    "channel_type": "marketplace",
                    "warehouse_id": warehouse.id,
                    "connector": "shopify",
                    "endpoint_url": self.sim.shopify_url(CHANNEL),
                    "api_key": SHOPIFY_TOKEN,
                    "api_secret": WEBHOOK_SECRET,
                }
            )
            channel._set_settings({"location_id": SHOPIFY_LOCATION})
            self.channel_id = channel.id
            env["stock.channel.binding"].create(
                {"channel_id": channel.id, "product_id": product.id, "external_id": "4242"}
            )
            self.adjust(env, START_QTY)
            self.carrier_id = (
                env["delivery.carrier"]
                .create(
                    {
                        "name": "Walk Parcel",
                        "product_id": env["stock.channel"]
                        .browse(channel.id)
                        ._shipping_product()
                        .id,
                        "channel_carrier_code": "DHL",
                    }
                )
                .id
            )
            self.currency = env.company.currency_id.name
        self.dispatch()  # the first push (it reads Shopify's level first): not traced

    def adjust(self, env, qty):
        """An inventory adjustment, applied: the quantity of the variant in stock."""
        env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.product_id,
                "location_id": self.location_id,
                "inventory_quantity": qty,
            }
        ).action_apply_inventory()

    # -- (a) -----------------------------------------------------------------------
    def walk_stock(self):
        tracer = Tracer(self.roots, ("core/connectors/", "push"))
        with tracer:
            tracer.phase = "inventory adjustment applied, committed"
            with self.registry.cursor() as cr:
                self.adjust(self.env(cr, tracking_disable=True), ADJUSTED_QTY)
            tracer.phase = "dispatcher, until the connector's push"
            self.dispatch(until=lambda: tracer.done)
        return tracer

    # -- (b) -----------------------------------------------------------------------
    def order_payload(self):
        return {
            "id": ORDER_ID,
            "name": f"#{ORDER_ID}",
            "created_at": "2026-11-23T10:00:00+01:00",
            "currency": self.currency,
            "email": "sam@example.com",
            "customer": {"first_name": "Sam", "last_name": "Walk", "email": "sam@example.com"},
            "shipping_address": {
                "name": "Sam Walk",
                "address1": "Rue Haute 1",
                "zip": "1000",
                "city": "Brussels",
                "country_code": "BE",
            },
            "line_items": [{"id": LINE_ID, "sku": SKU, "quantity": 2, "price": "10.00"}],
            "total_price": "20.00",
            "taxes_included": True,
            "cancelled_at": None,
        }

    def webhook(self, payload):
        """The orders/create delivery, through Odoo's application in this process."""
        body, headers = shopify_webhook_request(
            WEBHOOK_SECRET, payload, "orders/create", f"wh-{ORDER_ID}"
        )
        client = Client(http.root)
        response = client.post(
            f"/stock_channel_sync/{CHANNEL}/orders",
            data=body,
            headers=headers,
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        return response.status_code, response.get_data(as_text=True)

    def ship(self):
        with self.registry.cursor() as cr:
            env = self.env(cr, tracking_disable=True)
            order = env["sale.order"].search(
                [("channel_id", "=", self.channel_id), ("channel_order_ref", "=", str(ORDER_ID))]
            )
            picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
            picking.carrier_id = self.carrier_id
            picking.carrier_tracking_ref = "WALK-TRACK-1"
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            picking.with_context(skip_backorder=True).button_validate()

    def walk_order(self):
        payload = self.order_payload()
        self.sim.shopify.add_order(CHANNEL, json.loads(json.dumps(payload)))
        tracer = Tracer(self.roots, ("core/connectors/", "push_order_status"))
        with tracer:
            tracer.phase = "webhook POST /stock_channel_sync/<code>/orders (orders/create)"
            status, text = self.webhook(payload)
            tracer.phase = "dispatcher (the reservation's stock push)"
            self.dispatch()
            tracer.phase = "delivery validated with a tracking number, committed"
            self.ship()
            tracer.phase = "dispatcher, until the connector's push_order_status"
            self.dispatch(until=lambda: tracer.done)
        if status != 200 or "accepted" not in text:
            raise SystemExit(f"the webhook was answered {status}: {text}")
        return tracer


def hops(calls):
    """[(phase, file, function, repeats)]: consecutive calls to one function collapsed."""
    out = []
    for phase, path, function in calls:
        if out and tuple(out[-1][:3]) == (phase, path, function):
            out[-1][3] += 1
        else:
            out.append([phase, path, function, 1])
    return out


def route(calls):
    """[(phase, file, first function called in it)]: the files in the order the walk
    first enters them."""
    seen, out = set(), []
    for phase, path, function in calls:
        if path not in seen:
            seen.add(path)
            out.append((phase, path, function))
    return out


def print_walk(title, tracer, limit):
    calls = tracer.calls
    functions = {(path, function) for _phase, path, function in calls}
    files = Counter(path for _phase, path, _function in calls)
    by_dir = Counter(path.split("/")[0] for path in files.elements())
    files_by_dir = Counter(path.split("/")[0] for path in files)
    collapsed = hops(calls)
    print(f"\n### {title}\n")
    if not tracer.done:
        print(f"**the walk did not reach `{tracer.last[1]}`**\n")
    print(
        "| calls | hops | distinct functions | distinct files | files by directory "
        "| calls by directory |"
    )
    print("|---:|---:|---:|---:|---|---|")
    spread = ", ".join(f"{d} {n}" for d, n in sorted(by_dir.items()))
    file_spread = ", ".join(f"{d} {n}" for d, n in sorted(files_by_dir.items()))
    print(
        f"| {len(calls)} | {len(collapsed)} | {len(functions)} | {len(files)} "
        f"| {file_spread} | {spread} |"
    )
    print("\nRoute (each file once, where the walk first enters it):\n")
    phase = None
    for number, (hop_phase, path, function) in enumerate(route(calls), 1):
        if hop_phase != phase:
            phase = hop_phase
            print(f"  -- {phase}")
        print(f"  {number:4d}. {path}:{function}")
    print("\nCalls per file:\n")
    print("| file | calls | distinct functions |")
    print("|---|---:|---:|")
    for path in sorted(files):
        distinct = len({f for p, f in functions if p == path})
        print(f"| `{path}` | {files[path]} | {distinct} |")
    print("\nHops (consecutive calls to one function collapsed):\n")
    phase = None
    for number, (hop_phase, path, function, repeats) in enumerate(collapsed, 1):
        if limit and number > limit:
            print(f"... {len(collapsed) - limit} more hops")
            break
        if hop_phase != phase:
            phase = hop_phase
            print(f"  -- {phase}")
        times = f" x {repeats}" if repeats > 1 else ""
        print(f"  {number:4d}. {path}:{function}{times}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser, workers=0, cron_workers=0)
    parser.add_argument("--hops-limit", type=int, default=0, help="print at most N hops")
    args = parser.parse_args()
    odoo.tools.config["dbfilter"] = f"^{args.db}$"

    walk = Walk(args)
    try:
        walk.log("set-up: a Shopify channel, one bound variant, its first push")
        walk.set_up()
        walk.log("walk (a): inventory adjustment -> push")
        stock = walk.walk_stock()
        walk.log("walk (b): order webhook -> status push")
        order = walk.walk_order()
    finally:
        walk.sim.stop()
    print(f"\nThe two data walks: calls into {', '.join(d + '/' for d in TRACED_DIRS)}")
    print("(see bench/walk.py for what a call is)")
    print_walk(
        "(a) stock change -> channel: action_apply_inventory ... shopify push",
        stock,
        args.hops_limit,
    )
    print_walk(
        "(b) order in -> status back: orders/create webhook ... shopify push_order_status",
        order,
        args.hops_limit,
    )
    raise SystemExit(0 if stock.done and order.done else 1)


if __name__ == "__main__":
    main()
