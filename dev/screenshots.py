"""Screenshots of the running demo (dev/run) for the README, docs/cockpit.md and Odoo's app
page.

Drives a headless Chromium over the DevTools protocol (websocket-client), logged in as the
demo's admin, and saves PNGs under static/description/. Before the shots, the Demo
Marketplace is given two sources (the main warehouse with a daily capacity, a "Lyon store"
taking offered orders), the simulator sends it 10 orders (Generate orders), sourced and
offered to the store, and refuses one of its pushes, so that a dead letter makes its card
red and opens an alert; customer service changes one order's delivery address. After the
shots the dead letters are replayed.

    dev/screenshots              # against http://localhost:8069, database scs_demo
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket
from screenshots_automation import shoot_automation

SHOTS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static", "description"
)
MARKET = "demo_market"


class Odoo:
    """JSON-RPC as the demo's admin: the session cookie is handed to the browser."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        reply = self._post(
            "/web/session/authenticate", {"db": db, "login": login, "password": password}
        )
        if not reply.get("uid"):
            sys.exit(f"cannot log in to {url} as {login} on {db}")
        self.session_id = self.http.cookies["session_id"]

    def _post(self, path, params):
        answer = self.http.post(
            f"{self.url}{path}", json={"jsonrpc": "2.0", "params": params}, timeout=60
        )
        answer.raise_for_status()
        body = answer.json()
        if "error" in body:
            sys.exit(f"{path}: {body['error'].get('data', {}).get('message') or body['error']}")
        return body.get("result")  # a method returning None: no result

    def call(self, model, method, *args, **kwargs):
        params = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        return self._post(f"/web/dataset/call_kw/{model}/{method}", params)


class Browser:
    """A headless Chromium and one page of it, over the DevTools protocol."""

    def __init__(self, width, height):
        binary = next(
            filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
        )
        if not binary:
            sys.exit("no Chromium found (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="scs-shots-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        page = next(
            t
            for t in requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
            if t["type"] == "page"
        )
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self.next_id = 0
        self.errors = []  # uncaught exceptions of the page: the script fails on them
        self.send("Runtime.enable")
        self.send("Page.enable")
        self.send("Network.enable")

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.errors.append(details.get("exception", {}).get("description") or details)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        """Wait until `selector` is in the page and Odoo has stopped loading."""
        check = (
            f"!!document.querySelector({json.dumps(selector)})"
            " && !document.querySelector('.o_loading_indicator, .o_blockUI')"
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(check):
                time.sleep(0.8)  # fonts and the last paint
                return
            time.sleep(0.25)
        raise RuntimeError(f"{selector} did not show within {timeout} s")

    def click(self, selector):
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def scroll_to(self, selector, text):
        """Scroll the first `selector` whose text starts with `text` to the top."""
        self.evaluate(
            f"[...document.querySelectorAll({json.dumps(selector)})]"
            f".find(e => e.textContent.trim().startsWith({json.dumps(text)}))"
            ".scrollIntoView({block: 'start'})"
        )
        time.sleep(0.5)

    def open(self, url, selector):
        self.send("Page.navigate", url=url)
        self.wait_for(selector)

    def shoot(self, name):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path = os.path.join(SHOTS_DIR, name)
        with open(path, "wb") as png:
            png.write(base64.b64decode(data))
        sys.stdout.write(f"{path}\n")

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def wait_until(what, check, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    sys.exit(f"the demo did not get there within {timeout} s: {what}")


def generate_orders(odoo, market, count=10):
    """The simulator sends orders through the real webhook route (Generate orders)."""

    def orders():
        return odoo.call("stock.channel.inbound", "search_count", [("channel_id", "=", market)])

    def published():
        shown = [("channel_id", "=", market), ("published_qty", ">", 0)]
        return odoo.call("stock.channel.quantity", "search_count", shown)

    wait_until("the channel's first pushes (a demo just started)", published)
    before = orders()
    odoo.call("stock.channel", "action_generate_orders", [market])
    wait_until(f"{count} orders received from the simulator", lambda: orders() >= before + count)


def one(odoo, model, domain, fields=("id",)):
    found = odoo.call(model, "search_read", domain, fields=list(fields), limit=1)
    return found[0] if found else None


def lyon_store(odoo, company):
    """The second warehouse, "Lyon store" (created once), holding 6 of every storable
    variant the main warehouse holds (set once, by an inventory adjustment)."""
    store = one(odoo, "stock.warehouse", [("name", "=", "Lyon store")], ("lot_stock_id",))
    if not store:
        odoo.call(
            "stock.warehouse",
            "create",
            {"name": "Lyon store", "code": "LYON", "company_id": company},
        )
        store = one(odoo, "stock.warehouse", [("name", "=", "Lyon store")], ("lot_stock_id",))
    location = store["lot_stock_id"][0]
    quants = odoo.call(
        "stock.quant",
        "search_read",
        [("location_id.usage", "=", "internal"), ("quantity", ">", 0)],
        fields=["product_id", "location_id"],
    )
    there = {q["product_id"][0] for q in quants if q["location_id"][0] == location}
    inventory = {"inventory_mode": True}
    for product in sorted({q["product_id"][0] for q in quants} - there):
        quant = odoo.call(
            "stock.quant",
            "create",
            {"product_id": product, "location_id": location, "inventory_quantity": 6},
            context=inventory,
        )
        odoo.call("stock.quant", "action_apply_inventory", [quant], context=inventory)
    return store["id"]


def set_up_sourcing(odoo, market):
    """The Demo Marketplace sources its orders (docs/sourcing.md): the main warehouse
    (3 orders a day), then the Lyon store, which takes offered orders (docs/store-offers.md)."""
    channel = odoo.call("stock.channel", "read", [market], ["warehouse_id", "company_id"])[0]
    store = lyon_store(odoo, channel["company_id"][0])
    sources = [
        (channel["warehouse_id"][0], {"sequence": 10, "daily_capacity": 3, "cost_rank": 1}),
        (store, {"sequence": 20, "offer_orders": True, "cost_rank": 2, "handling_days": 1}),
    ]
    for warehouse, values in sources:
        domain = [("channel_id", "=", market), ("warehouse_id", "=", warehouse)]
        if not odoo.call("stock.channel.source", "search_count", domain):
            values = dict(values, channel_id=market, warehouse_id=warehouse)
            odoo.call("stock.channel.source", "create", values)
    odoo.call(
        "stock.channel",
        "write",
        [market],
        {"sourcing_strategy": "ordered", "offer_to_stores": True, "offer_minutes": 60},
    )


def sourced_orders(odoo, market):
    return odoo.call(
        "sale.order",
        "search",
        [("channel_id", "=", market), ("channel_sourcing_explain", "!=", False)],
        order="id desc",
    )


def change_an_address(odoo, order):
    """Customer service changes `order`'s delivery address (once)."""
    done = [("order_id", "=", order), ("kind", "=", "address")]
    if odoo.call("stock.channel.order.action", "search_count", done):
        return
    france = one(odoo, "res.country", [("code", "=", "FR")])
    customer = odoo.call("sale.order", "read", [order], ["partner_id"])[0]["partner_id"][1]
    wizard = odoo.call(
        "stock.channel.cs.address",
        "create",
        {
            "order_id": order,
            "name": customer,
            "street": "12 rue de la République",
            "zip": "69002",
            "city": "Lyon",
            "country_id": france["id"],
            "phone": "+33 4 72 00 00 00",
        },
    )
    odoo.call("stock.channel.cs.address", "action_confirm", [wizard])


def make_a_dead_letter(odoo, simulator, market):
    """The simulator refuses the Demo Marketplace's next push: a dead letter, an alert."""
    refused = {
        "kind": "status",
        "status": 422,
        "path_prefix": f"/generic/{MARKET}",
        "count": 1,
        "body": {"error": "quantity refused: listing blocked by the marketplace"},
    }
    requests.post(f"{simulator}/_sim/faults", json=refused, timeout=10).raise_for_status()
    bound = [("channel_id", "=", market), ("active", "=", True)]
    pending = [("channel_id", "=", market), ("state", "=", "pending")]
    queued = odoo.call("stock.channel.outbox", "search_read", pending, fields=["product_id"])
    queued = {row["product_id"][0] for row in queued if row["product_id"]}
    bound = odoo.call("stock.channel.binding", "search_read", bound, fields=["product_id"])
    # a variant without a pending push (one pending push per channel and variant)
    product = next(b["product_id"][0] for b in bound if b["product_id"][0] not in queued)
    odoo.call(
        "stock.channel.outbox",
        "create",
        {"channel_id": market, "product_id": product, "force": True},
    )
    odoo.call("stock.channel", "action_dispatch_now", [market])

    def dead_letter():
        return odoo.call(
            "stock.channel.outbox",
            "search_count",
            [("channel_id", "=", market), ("state", "=", "dead")],
        )

    wait_until("a dead letter on the Demo Marketplace", dead_letter)
    odoo.call("stock.channel", "action_check_alerts", [market])


def shown_order(odoo, market):
    """A confirmed order of the market, sourced: the one whose address customer service
    changed on an earlier run, else one the sourcing sent past a full source."""
    sourced = [
        ("channel_id", "=", market),
        ("channel_sourcing_explain", "!=", False),
        ("state", "=", "sale"),
    ]
    found = (
        one(odoo, "sale.order", [*sourced, ("channel_action_ids.kind", "=", "address")])
        or one(odoo, "sale.order", [*sourced, ("channel_sourcing_explain", "ilike", "capacity")])
        or one(odoo, "sale.order", sourced)
    )
    if not found:
        sys.exit("no confirmed sourced order of the Demo Marketplace")
    return found["id"]


def shoot_sourcing(browser, url, action, market, order):
    """The order's sourcing explain, the channel's sources, the store offers, the
    customer service screen."""
    browser.open(f"{url}/odoo/action-sale.action_orders/{order}", ".o_form_view")
    browser.click(".o_notebook a[name=channel_sourcing]")
    browser.wait_for(".o_notebook .tab-pane.active .o_field_widget[name=channel_sourcing_explain]")
    browser.scroll_to(".o_notebook a.nav-link", "Sourcing")
    browser.shoot("screenshot_sourcing.png")
    browser.open(f"{action}.action_stock_channel/{market}", ".o_form_view .o_notebook")
    browser.click(".o_notebook a[name=sources]")
    browser.wait_for(".o_notebook .tab-pane.active .o_field_widget[name=source_ids] .o_data_row")
    browser.scroll_to(".o_notebook a.nav-link", "Sources")
    browser.shoot("screenshot_sources.png")
    browser.open(f"{action}.action_stock_channel_offer", ".o_list_view .o_data_row")
    browser.shoot("screenshot_store_offers.png")
    browser.open(f"{action}.action_sale_order_customer_service/{order}", ".o_form_view")
    browser.click(".o_notebook a[name=cs_history]")
    browser.wait_for(".o_notebook .tab-pane.active .o_field_widget[name=channel_cs_history_html]")
    browser.scroll_to(".o_notebook a.nav-link", "History")
    browser.shoot("screenshot_customer_service.png")


def demo_arguments(doc):
    """The options of a script driving the running demo in Chromium (url, db, login...)."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="scs_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--size", default="1440x900", help="window size, WIDTHxHEIGHT")
    return parser


def main():
    parser = demo_arguments(__doc__)
    parser.add_argument("--simulator", default="http://127.0.0.1:8071")
    parser.add_argument(
        "--only", choices=["automation"], help="only these shots (the order rules, the what-if)"
    )
    args = parser.parse_args()

    odoo = Odoo(args.url, args.db, args.login, args.password)
    if args.only == "automation":
        return shoot_only_automation(args, odoo)
    channels = {
        c["code"]: c for c in odoo.call("stock.channel", "search_read", [], fields=["code", "name"])
    }
    if MARKET not in channels:
        sys.exit(f"no channel {MARKET} in {args.db}: run dev/run (FRESH=1 for a new demo database)")
    market = channels[MARKET]["id"]
    set_up_sourcing(odoo, market)
    before = len(sourced_orders(odoo, market))
    generate_orders(odoo, market)
    wait_until("orders sourced", lambda: len(sourced_orders(odoo, market)) > before)
    order = shown_order(odoo, market)
    change_an_address(odoo, order)
    make_a_dead_letter(odoo, args.simulator.rstrip("/"), market)
    shown = [("channel_id", "=", market), ("publishable_qty", ">", 0)]
    product = odoo.call(
        "stock.channel.quantity", "search_read", shown, fields=["product_id"], limit=1
    )
    product = product[0]["product_id"][0]

    browser, action = logged_in_browser(args, odoo)
    try:
        browser.open(
            f"{action}.action_stock_channel_overview", ".o_channel_health[data-health=red]"
        )
        browser.shoot("screenshot_overview.png")
        browser.open(f"{action}.action_stock_channel_grid", ".o_grid_row")
        browser.shoot("screenshot_grid.png")
        browser.open(
            f"{action}.action_stock_channel/{market}", ".o_form_view .o_field_widget[name=name]"
        )
        browser.shoot("screenshot_channel.png")
        browser.click(".o_notebook a[name=alerts]")
        browser.wait_for(".o_notebook .tab-pane.active .o_field_widget")
        browser.shoot("screenshot_channel_alerts.png")
        browser.open(f"{action}.action_stock_channel_alert", ".o_list_view .o_data_row")
        browser.shoot("screenshot_alerts.png")
        browser.open(
            f"{args.url}/odoo/action-stock.stock_product_normal_action/{product}", ".o_form_view"
        )
        browser.click(".o_notebook a[name=stock_channels]")
        browser.wait_for(
            ".o_notebook .tab-pane.active .o_field_widget[name=channel_explanation_html]"
        )
        browser.scroll_to("h5", channels[MARKET]["name"])
        browser.shoot("screenshot_explain.png")
        shoot_sourcing(browser, args.url, action, market, order)
        shoot_automation(
            browser, args.url, action, odoo, wait_until, lambda: generate_orders(odoo, market)
        )
    finally:
        browser.close()
        odoo.call("stock.channel", "action_replay_dead_letters", [market])
    if browser.errors:
        sys.exit("errors in the page:\n" + "\n".join(map(str, browser.errors)))


def logged_in_browser(args, odoo):
    """(a Chromium logged in as `odoo`'s user, the addon's action URL prefix)."""
    os.makedirs(SHOTS_DIR, exist_ok=True)
    browser = Browser(*map(int, args.size.split("x")))
    host = args.url.split("//", 1)[1].split("/", 1)[0].split(":")[0]
    browser.send(
        "Network.setCookie", name="session_id", value=odoo.session_id, domain=host, path="/"
    )
    return browser, f"{args.url}/odoo/action-stock_channel_sync"


def shoot_only_automation(args, odoo):
    """The order rules and the what-if alone; the Demo Marketplace's first orders made
    first when it has none (the dry run needs past orders)."""
    market = one(odoo, "stock.channel", [("code", "=", MARKET)])
    if market and not one(odoo, "sale.order", [("channel_id", "=", market["id"])]):
        generate_orders(odoo, market["id"])
        wait_until(
            "orders imported",
            lambda: one(odoo, "sale.order", [("channel_id", "=", market["id"])]),
        )
    browser, action = logged_in_browser(args, odoo)
    try:
        shoot_automation(
            browser,
            args.url,
            action,
            odoo,
            wait_until,
            lambda: market and generate_orders(odoo, market["id"]),
        )
    finally:
        browser.close()
    if browser.errors:
        sys.exit("errors in the page:\n" + "\n".join(map(str, browser.errors)))


if __name__ == "__main__":
    main()
