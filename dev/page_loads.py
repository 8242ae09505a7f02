"""Page loads of the running demo (dev/run) in a real Chromium: the overview, the products x
channels grid and a channel's form, each opened several times from a fresh navigation, timed
from the navigation to the page's content shown with Odoo's loading indicator gone.

    dev/page_loads                      # http://localhost:8069, database scs_demo, 5 loads each
    dev/page_loads --loads 10

Prints a table (ms): the first load (cold: assets fetched) apart, then the median and the worst
of the others (warm: assets cached, what a store manager sees all day).
"""

import json
import statistics
import sys
import time

from screenshots import Browser, Odoo, demo_arguments

READY = "!!document.querySelector({selector}) && !document.querySelector('.o_loading_indicator')"


def timed_open(browser, url, selector, timeout=60):
    """Milliseconds from the navigation to `selector` shown and Odoo done loading."""
    check = READY.format(selector=json.dumps(selector))
    browser.send("Page.navigate", url="about:blank")
    start = time.monotonic()
    browser.send("Page.navigate", url=url)
    deadline = start + timeout
    while time.monotonic() < deadline:
        if browser.evaluate(check):
            return (time.monotonic() - start) * 1000
        time.sleep(0.02)
    raise RuntimeError(f"{selector} did not show within {timeout} s at {url}")


def main():
    parser = demo_arguments(__doc__)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()

    odoo = Odoo(args.url, args.db, args.login, args.password)
    market = odoo.call("stock.channel", "search_read", [], fields=["id"], limit=1)
    if not market:
        sys.exit(f"no channel in {args.db}: run dev/run first")
    action = f"{args.url}/odoo/action-stock_channel_sync"
    pages = [
        ("Overview", f"{action}.action_stock_channel_overview", ".o_channel_health"),
        ("Products x Channels", f"{action}.action_stock_channel_grid", ".o_grid_row"),
        (
            "Channel form",
            f"{action}.action_stock_channel/{market[0]['id']}",
            ".o_form_view .o_field_widget[name=name]",
        ),
    ]
    browser = Browser(*map(int, args.size.split("x")))
    rows = []
    try:
        host = args.url.split("//", 1)[1].split("/", 1)[0].split(":")[0]
        browser.send(
            "Network.setCookie", name="session_id", value=odoo.session_id, domain=host, path="/"
        )
        for name, url, selector in pages:
            times = [timed_open(browser, url, selector) for _ in range(args.loads)]
            warm = times[1:] or times
            rows.append((name, times[0], statistics.median(warm), max(warm)))
    finally:
        browser.close()
    print(f"Page loads in Chromium ({args.loads} loads each; ms from navigation to content)")
    print("| page | first load | median of the others | worst of the others |")
    print("|---|---:|---:|---:|")
    for name, first, median, worst in rows:
        print(f"| {name} | {first:.0f} | {median:.0f} | {worst:.0f} |")
    if browser.errors:
        sys.exit("errors in the page:\n" + "\n".join(map(str, browser.errors)))


if __name__ == "__main__":
    main()
