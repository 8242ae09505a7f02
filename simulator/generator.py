"""Orders generated at a chosen rate and sent to Odoo's real webhook route, signed as the
marketplace signs them: the demo's traffic, and a load for tests and benches.

``POST /_sim/orders/generate`` starts a run in a background thread::

    {"marketplace": "generic" | "shopify",
     "channel": "<code>" (generic) | "shop": "<shop>" (shopify),
     "url": "http://127.0.0.1:8069/stock_channel_sync/<code>/orders",
     "skus": ["<sku>", ...],
     "count": 20, "rate_per_minute": 60,
     "max_quantity": 1, "max_lines": 2,             optional: per line, per order
     "secret": "<signing secret>",                  optional: the account's (channels:
                                                    secret; shops: webhook_secret)
     "currency": "EUR", "prices": {"<sku>": 12.5},  optional (a unit is 10.00 otherwise)
     "seed": 7}                                     optional: the same orders again

answered ``202`` with the run's progress, or ``400 {"error", "field"}`` naming the field
at fault. Generic JSON orders carry ``X-Channel-Timestamp`` and ``X-Channel-Signature``
over "<timestamp>.<body>"; Shopify orders are placed in the simulator's shop (fulfilments
and the catch-up poll find them there) and delivered as signed ``orders/create``
webhooks. ``GET /_sim/orders/generate[?id=N]`` reports the runs (sent, answers by
status, failures, the last answers); ``DELETE /_sim/orders/generate[?id=N]`` stops them.
Order ids grow with the clock: a restarted simulator never sends an id again.
"""

import itertools
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from dataclasses import dataclass, field

from .clients import signed_order_request
from .common import NOT_FOUND, Reply, error, now_iso

MAX_RATE_PER_MINUTE = 6000
MAX_COUNT = 10_000
MAX_SKUS = 1000
MAX_QUANTITY = 100
MAX_LINES = 10
DEFAULT_PRICE = 10.0
SEND_TIMEOUT = 10
KEPT_ANSWERS = 10  # the last answers a run shows
ANSWER_CHARS = 300
ACCOUNT_RE = re.compile(r"[A-Za-z0-9_-]+")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
RUNNING, DONE, STOPPED = "running", "done", "stopped"
SHOPIFY_TOPIC = "orders/create"
# who buys: (first name, last name, street, zip, city, country code)
CUSTOMERS = (
    ("Ann", "Buyer", "Rue Haute 1", "1000", "Brussels", "BE"),
    ("Lena", "Vogel", "Torstrasse 12", "10115", "Berlin", "DE"),
    ("Tom", "Peeters", "Meir 20", "2000", "Antwerpen", "BE"),
    ("Marie", "Dubois", "Rue de la Republique 5", "69001", "Lyon", "FR"),
    ("Sven", "de Vries", "Damrak 40", "1012 LG", "Amsterdam", "NL"),
    ("Lucia", "Rossi", "Via Roma 3", "20121", "Milano", "IT"),
)
# order and line ids: unique across restarts (milliseconds of the clock at start)
_numbers = itertools.count(int(time.time() * 1000))


class FieldError(ValueError):
    """A request field is missing or invalid: a 400 naming it."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.field = name


@dataclass(frozen=True)
class Generation:
    """What a run sends (a validated request)."""

    marketplace: str
    account: str
    url: str
    secret: str
    skus: tuple
    count: int
    rate_per_minute: float
    max_quantity: int = 1
    max_lines: int = 2
    currency: str = "EUR"
    prices: dict = field(default_factory=dict)
    seed: int | None = None


# -- the request ------------------------------------------------------------------------


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _int(data, name, low, high, default=None):
    value = data.get(name, default)
    if not _is_int(value) or not low <= value <= high:
        raise FieldError(name, f"an integer from {low} to {high} is required")
    return value


def _text(data, name, pattern=None, default=None):
    value = data.get(name, default)
    if not isinstance(value, str) or not value:
        raise FieldError(name, "a non-empty string is required")
    if pattern and not pattern.fullmatch(value):
        raise FieldError(name, f"must match {pattern.pattern}")
    return value


def _rate(data):
    value = data.get("rate_per_minute")
    if not _is_number(value):
        raise FieldError("rate_per_minute", "a number is required")
    if not 0 < value <= MAX_RATE_PER_MINUTE:
        raise FieldError("rate_per_minute", f"above 0 and at most {MAX_RATE_PER_MINUTE}")
    return float(value)


def _skus(data):
    skus = data.get("skus")
    if not isinstance(skus, list) or not 0 < len(skus) <= MAX_SKUS:
        raise FieldError("skus", f"a list of 1 to {MAX_SKUS} SKUs is required")
    if not all(isinstance(sku, str) and sku for sku in skus):
        raise FieldError("skus", "every SKU is a non-empty string")
    return tuple(dict.fromkeys(skus))


def _prices(data):
    prices = data.get("prices", {})
    if not isinstance(prices, dict) or not all(
        _is_number(price) and price >= 0 for price in prices.values()
    ):
        raise FieldError("prices", "an object of SKU: unit price (a number >= 0) is required")
    return dict(prices)


def _url(data):
    url = _text(data, "url")
    if not url.startswith(("http://", "https://")):
        raise FieldError("url", "an http:// or https:// URL is required")
    return url


def parse_request(data, marketplaces):
    """The Generation a ``POST /_sim/orders/generate`` body asks for; FieldError else.
    ``marketplaces``: the simulator's, for the accounts' default secrets."""
    if not isinstance(data, dict):
        raise FieldError("body", "a JSON object is required")
    kind = data.get("marketplace")
    if kind not in BUILDERS:
        raise FieldError("marketplace", f"one of {sorted(BUILDERS)} is required")
    account_key, secret_attribute = ACCOUNT_KEYS[kind]
    known = {*Generation.__dataclass_fields__, account_key} - {"account"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise FieldError(unknown[0], f"unknown field; known: {sorted(known)}")
    account = _text(data, account_key, ACCOUNT_RE)
    default_secret = getattr(marketplaces[kind].account(account), secret_attribute)
    seed = data.get("seed")
    if seed is not None and not _is_int(seed):
        raise FieldError("seed", "an integer is required")
    return Generation(
        marketplace=kind,
        account=account,
        url=_url(data),
        secret=_text(data, "secret", default=default_secret),
        skus=_skus(data),
        count=_int(data, "count", 1, MAX_COUNT),
        rate_per_minute=_rate(data),
        max_quantity=_int(data, "max_quantity", 1, MAX_QUANTITY, default=1),
        max_lines=_int(data, "max_lines", 1, MAX_LINES, default=2),
        currency=_text(data, "currency", CURRENCY_RE, default="EUR"),
        prices=_prices(data),
        seed=seed,
    )


# -- the orders -------------------------------------------------------------------------


def _lines(generation, rng):
    """[(sku, quantity, unit price)] of one order: 1 to max_lines SKUs, each once."""
    size = rng.randint(1, min(generation.max_lines, len(generation.skus)))
    return [
        (
            sku,
            rng.randint(1, generation.max_quantity),
            round(float(generation.prices.get(sku, DEFAULT_PRICE)), 2),
        )
        for sku in rng.sample(generation.skus, size)
    ]


def _generic_order(generation, rng, marketplace):
    """(order id, body, headers) of a generic JSON order, signed with its timestamp."""
    number = next(_numbers)
    first, last, street, zip_code, city, country = rng.choice(CUSTOMERS)
    name = f"{first} {last}"
    lines = [
        {"id": f"SIM-{number}-{index}", "sku": sku, "quantity": quantity, "price_unit": price}
        for index, (sku, quantity, price) in enumerate(_lines(generation, rng), start=1)
    ]
    payload = {
        "type": "order",
        "id": f"SIM-{number}",
        "created_at": now_iso(),
        "currency": generation.currency,
        "customer": {"name": name, "email": _email(first, last), "phone": ""},
        "shipping_address": {
            "name": name,
            "street": street,
            "street2": "",
            "zip": zip_code,
            "city": city,
            "country_code": country,
        },
        "lines": lines,
        "shipping_amount": 0,
        "total_amount": round(sum(line["quantity"] * line["price_unit"] for line in lines), 2),
    }
    body, headers = signed_order_request(generation.secret, payload, timestamp=True)
    return payload["id"], body, headers


def _shopify_order(generation, rng, marketplace):
    """(order id, body, headers) of an ``orders/create`` webhook of an order placed in
    the simulator's shop."""
    number = next(_numbers)
    first, last, street, zip_code, city, country = rng.choice(CUSTOMERS)
    items = [
        {"id": next(_numbers), "sku": sku, "quantity": quantity, "price": f"{price:.2f}"}
        for sku, quantity, price in _lines(generation, rng)
    ]
    total = sum(item["quantity"] * float(item["price"]) for item in items)
    email = _email(first, last)
    order = {
        "id": number,
        "name": f"#{number}",
        "created_at": now_iso(),
        "currency": generation.currency,
        "email": email,
        "customer": {"first_name": first, "last_name": last, "email": email},
        "shipping_address": {
            "first_name": first,
            "last_name": last,
            "name": f"{first} {last}",
            "address1": street,
            "zip": zip_code,
            "city": city,
            "country_code": country,
        },
        "line_items": items,
        "total_price": f"{total:.2f}",
        "taxes_included": True,
        "cancelled_at": None,
    }
    marketplace.add_order(generation.account, order)
    body, headers = marketplace.delivery(
        generation.account, SHOPIFY_TOPIC, order, f"sim-{number}", generation.secret
    )
    return str(number), body, headers


def _email(first, last):
    return f"{first}.{last}@example.com".lower().replace(" ", "")


# marketplace -> how its orders are made; (account field, the account's signing secret)
BUILDERS = {"generic": _generic_order, "shopify": _shopify_order}
ACCOUNT_KEYS = {"generic": ("channel", "secret"), "shopify": ("shop", "webhook_secret")}


def _post(url, body, headers):
    """(status, answer text) of a POST; OSError when nothing answered."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as failure:
        return failure.code, failure.read().decode("utf-8", "replace")


# -- the runs ---------------------------------------------------------------------------


class OrderRun:
    """One generation, sent by a daemon thread: order ``i`` leaves at start + i / rate
    (a slow answer delays the next ones, never skips them)."""

    def __init__(self, run_id, generation, marketplace):
        self.id = run_id
        self.generation = generation
        self.marketplace = marketplace
        self.state = RUNNING
        self.sent = 0
        self.failed = 0
        self.answered = Counter()
        self.last = deque(maxlen=KEPT_ANSWERS)
        self.started_at = now_iso()
        self.finished_at = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._rng = random.Random(generation.seed)
        self._thread = threading.Thread(target=self._run, name=f"orders:{run_id}", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()

    def join(self, timeout=None):
        self._thread.join(timeout)

    def _run(self):
        interval = 60.0 / self.generation.rate_per_minute
        start = time.monotonic()
        state = DONE
        for index in range(self.generation.count):
            if self._stop.wait(max(0.0, start + index * interval - time.monotonic())):
                state = STOPPED
                break
            self._send_one()
        with self._lock:
            self.state = state
            self.finished_at = now_iso()

    def _send_one(self):
        build = BUILDERS[self.generation.marketplace]
        order_id, body, headers = build(self.generation, self._rng, self.marketplace)
        try:
            status, text = _post(self.generation.url, body, headers)
        except OSError as exc:  # refused, reset, timed out: nothing answered
            status, text = None, f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.sent += 1
            if status is None:
                self.failed += 1
            else:
                self.answered[str(status)] += 1
            self.last.append({"order": order_id, "status": status, "answer": text[:ANSWER_CHARS]})

    def progress(self):
        """What the run did so far (never its secret)."""
        generation = self.generation
        with self._lock:
            return {
                "id": self.id,
                "state": self.state,
                "marketplace": generation.marketplace,
                "account": generation.account,
                "url": generation.url,
                "count": generation.count,
                "rate_per_minute": generation.rate_per_minute,
                "sent": self.sent,
                "answered": dict(self.answered),
                "failed": self.failed,
                "last": list(self.last),
                "started_at": self.started_at,
                "finished_at": self.finished_at,
            }


class OrderRuns:
    """The simulator's runs, newest last."""

    def __init__(self):
        self._lock = threading.Lock()
        self._runs = {}
        self._ids = itertools.count(1)

    def start(self, generation, marketplace):
        run = OrderRun(next(self._ids), generation, marketplace)
        with self._lock:
            self._runs[run.id] = run
        return run.start()

    def get(self, run_id):
        with self._lock:
            return self._runs.get(run_id)

    def all(self):
        with self._lock:
            return list(self._runs.values())

    def stop(self, run_id=None):
        """Stop one run or every run; the ids of those that were running."""
        runs = [self.get(run_id)] if run_id is not None else self.all()
        stopped = [run.id for run in runs if run and run.state == RUNNING]
        for run in runs:
            if run:
                run.stop()
        return stopped

    def reset(self):
        self.stop()
        with self._lock:
            self._runs = {}


def generate_control(state, method, query, data):
    """The Reply of ``/_sim/orders/generate`` (POST starts, GET reports, DELETE stops)."""
    runs = state.order_runs
    run_id = (query.get("id") or [None])[0]
    if run_id is not None:
        run_id = int(run_id)  # ValueError: a 400
    if method == "POST":
        try:
            generation = parse_request(data, state.marketplaces)
        except FieldError as exc:
            return error(400, str(exc), field=exc.field)
        run = runs.start(generation, state.marketplaces[generation.marketplace])
        return Reply(202, run.progress())
    if method == "GET":
        if run_id is None:
            return Reply(200, {"runs": [run.progress() for run in runs.all()]})
        run = runs.get(run_id)
        return Reply(200, run.progress()) if run else error(404, NOT_FOUND)
    if method == "DELETE":
        return Reply(200, {"stopped": runs.stop(run_id)})
    return error(405, "method not allowed")
