"""The Mirakl connector against the simulator's marketplace over real HTTP on loopback."""

import copy
import json
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from core.connectors import ChannelConfig, PushItem, get_connector
from core.connectors.base import FAILURE, PENDING, SUCCESS, TIMEOUT
from core.errors import PermanentError, RetryableError
from core.idempotency import parse_iso_utc
from core.inbound import KIND_CANCEL, KIND_ORDER
from core.orders import totals_problem
from core.payload import PayloadError
from core.ratelimit import Limiter
from core.status import Shipment, Tracking, status_body

SHOP = "shop-fr"
KEY = "mirakl-test-key"
WHEN = datetime(2026, 11, 23, 10, 0, 0)
MIRAKL = get_connector("mirakl")
IMPORTS = f"/mirakl/{SHOP}/api/offers/stock/imports"
ORDERS = f"/mirakl/{SHOP}/api/orders"
LINES = [
    {"sku": "A", "quantity": 2, "price_unit": 12.5, "shipping_price": 3.0},
    {"sku": "B", "quantity": 1, "price_unit": 7.0, "shipping_price": 1.5},
]


class Clock:
    """The limiter's time: sleeping moves it on at once."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_marketplace(
        "mirakl",
        SHOP,
        api_key=KEY,
        import_window_seconds=0.0,
        status_window_seconds=0.0,
        report_window_seconds=0.0,
    )


@pytest.fixture
def clock():
    return Clock()


def _connector(sim, clock, **settings):
    url = sim.marketplace_url("mirakl", SHOP)
    config = ChannelConfig("mirakl-fr", url, api_key=KEY, settings=settings)
    connector = MIRAKL(config, limiter=Limiter(clock=clock, sleep=clock.sleep))
    connector.max_limit_wait = 3600  # the limits are kept on the fake clock, not waited
    return connector


@pytest.fixture
def mirakl(sim, clock):
    with _connector(sim, clock) as connector:
        yield connector


def _items(**quantities):
    return [PushItem(sku, quantity, 1, WHEN) for sku, quantity in quantities.items()]


def _settled(connector, clock, tracking):
    """Read the verdicts until none is pending (the limiter's clock moves on)."""
    for _ in range(50):
        clock.sleep(15)
        verdicts = connector.check_pushes(tracking)
        if verdicts and all(v.state != PENDING for v in verdicts.values()):
            return verdicts
        time.sleep(0.05)
    raise AssertionError("still pending")


# -- stock --------------------------------------------------------------------------------


def test_a_stock_file_is_accepted_then_confirmed_and_applied_only_then(sim, clock):
    mk = sim.mirakl
    mk.add_offer(SHOP, "A", 1)
    mk.add_offer(SHOP, "B;2", 1)
    sim.configure_marketplace("mirakl", SHOP, shop_id="2000", processing_delay=0.4)
    connector = _connector(sim, clock, seller_id="2000")
    result = connector.push(_items(**{"B;2": 4, "A": 3}))
    import_id = result.remote_id
    assert result.status == 201 and result.tracking == {"A": import_id, "B;2": import_id}
    assert result.request_body == (
        'offer-sku;quantity;warehouse-code;update-delete\nA;3;;update\n"B;2";4;;update\n'
    )
    request = sim.received(IMPORTS)[0]
    assert request["headers"]["Authorization"] == KEY
    assert request["query"] == "shop_id=2000"
    assert 'name="file"; filename="stock.csv"' in request["body"]
    verdicts = connector.check_pushes({import_id: ["A", "B;2"]})
    assert verdicts[import_id].state == PENDING
    assert sim.stock()["mirakl"][SHOP] == {"A": 1, "B;2": 1}
    assert _settled(connector, clock, {import_id: ["A", "B;2"]})[import_id].state == SUCCESS
    assert sim.stock()["mirakl"][SHOP] == {"A": 3, "B;2": 4}


def test_lines_that_fail_later_are_named_by_the_error_report(sim, mirakl, clock):
    sim.mirakl.add_offer(SHOP, "A", 1)
    sim.mirakl.add_offer(SHOP, "B", 1)
    sim.configure_marketplace("mirakl", SHOP, fail_skus=["B"])
    result = mirakl.push(_items(A=5, B=6, GHOST=7))
    verdict = _settled(mirakl, clock, {result.remote_id: ["A", "B", "GHOST"]})[result.remote_id]
    assert verdict.state == SUCCESS
    assert verdict.errors(["A", "B", "GHOST"]) == {
        "B": "Simulated failure of this offer (fail_skus)",
        "GHOST": "The offer does not exist",
    }
    assert sim.stock()["mirakl"][SHOP] == {"A": 5, "B": 1}
    paths = [r["path"] for r in sim.received(IMPORTS)]
    assert paths[-1] == f"{IMPORTS}/{result.remote_id}/error_report"


def test_an_import_that_never_ends_times_out_and_a_failed_one_fails(sim, mirakl, clock):
    sim.mirakl.add_offer(SHOP, "A", 1)
    sim.configure_marketplace("mirakl", SHOP, timeout_imports=True)
    stuck = mirakl.push(_items(A=5)).remote_id
    assert mirakl.check_pushes({stuck: ["A"]})[stuck].state == PENDING
    mirakl.confirm_timeout_minutes = 0
    clock.sleep(15)
    assert mirakl.check_pushes({stuck: ["A"]})[stuck].state == TIMEOUT
    sim.configure_marketplace("mirakl", SHOP, timeout_imports=False, fail_imports=True)
    failed = mirakl.push(_items(A=6)).remote_id
    verdict = _settled(mirakl, clock, {failed: ["A"]})[failed]
    assert verdict.state == FAILURE and verdict.errors(["A"]) == {"A": verdict.reason}
    clock.sleep(15)
    assert mirakl.check_pushes({"no-such-import": ["A"]})["no-such-import"].state == TIMEOUT
    assert sim.stock()["mirakl"][SHOP] == {"A": 1}


def test_one_import_a_minute_a_push_comes_back_when_the_window_opens(sim, mirakl, clock):
    sim.mirakl.add_offer(SHOP, "A", 1)
    mirakl.max_limit_wait = 10
    mirakl.push(_items(A=2))
    clock.sleep(20)
    with pytest.raises(RetryableError) as raised:
        mirakl.push(_items(A=3))
    assert raised.value.throttled and raised.value.seconds == pytest.approx(40)
    assert len(sim.received(IMPORTS)) == 1, "nothing left before the window opened"
    clock.sleep(40)
    mirakl.push(_items(A=3))
    assert len(sim.received(IMPORTS)) == 2


def test_a_429_holds_the_endpoint_and_is_waited_out(sim, clock):
    sim.mirakl.add_offer(SHOP, "A", 1)
    sim.configure_marketplace("mirakl", SHOP, import_window_seconds=60.0)
    _connector(sim, Clock()).push(_items(A=2))  # another worker, its own limiter
    mirakl = _connector(sim, clock)
    mirakl.max_limit_wait = 10
    with pytest.raises(RetryableError) as raised:
        mirakl.push(_items(A=3))
    assert raised.value.throttled and raised.value.status == 429
    assert 55 <= raised.value.seconds <= 60
    with pytest.raises(RetryableError) as held:
        mirakl.push(_items(A=3))
    assert held.value.throttled and held.value.status is None
    assert [r["status"] for r in sim.received(IMPORTS)] == [201, 429]


def test_verdicts_are_read_one_every_15_seconds(sim, mirakl, clock):
    sim.mirakl.add_offer(SHOP, "A", 1)
    first = mirakl.push(_items(A=2)).remote_id
    second = mirakl.push(_items(A=3)).remote_id
    tracking = {first: ["A"], second: ["A"]}
    mirakl.max_limit_wait = 10
    read = mirakl.check_pushes(tracking)
    assert len(read) == 1, "the second read would wait 15 s: still pending"
    with pytest.raises(RetryableError) as raised:
        mirakl.check_pushes(tracking)
    assert raised.value.throttled
    clock.sleep(15)
    rest = {key: value for key, value in tracking.items() if key not in read}
    assert set(mirakl.check_pushes(rest)) == set(rest)


def test_the_simulators_15_second_limit_is_honoured(sim, mirakl):
    sim.mirakl.add_offer(SHOP, "A", 1)
    sim.configure_marketplace("mirakl", SHOP, status_window_seconds=15.0)
    import_id = mirakl.push(_items(A=2)).remote_id
    mirakl.check_pushes({import_id: ["A"]})
    with pytest.raises(RetryableError) as raised:
        mirakl.check_pushes({import_id: ["A"]})
    assert raised.value.throttled and raised.value.status == 429


def test_read_back_and_the_catalogue_page_by_page(sim, clock):
    mk = sim.mirakl
    ids = {f"P-{n}": mk.add_offer(SHOP, f"P-{n}", n) for n in range(130)}
    mk.add_offer(SHOP, "W", warehouses={"WH1": 4, "WH2": 6})
    mirakl = _connector(sim, clock)
    catalogue = list(mirakl.list_catalog())
    assert len(catalogue) == 131
    assert (catalogue[5].sku, catalogue[5].external_id, catalogue[5].quantity) == (
        "P-5",
        str(ids["P-5"]),
        5,
    )
    offers = [r["query"] for r in sim.received(f"/mirakl/{SHOP}/api/offers")]
    assert offers == ["max=100&offset=0", "max=100&offset=100"]
    assert mirakl.read_quantities(["P-3", "P-120", "W", "NONE"]) == {
        "P-3": 3,
        "P-120": 120,
        "W": 10,
    }
    sim.clear_received()
    refs = {"P-7": (str(ids["P-7"]), ""), "P-8": (str(ids["P-8"]), "")}
    assert mirakl.read_quantities(["P-7", "P-8"], refs) == {"P-7": 7, "P-8": 8}
    paths = sorted(r["path"] for r in sim.received("/mirakl/"))
    assert paths == [
        f"/mirakl/{SHOP}/api/offers/{ids['P-7']}",
        f"/mirakl/{SHOP}/api/offers/{ids['P-8']}",
    ]
    warehouse = _connector(sim, clock, location_id="WH2")
    assert warehouse.read_quantities(["W", "P-1"]) == {"W": 6, "P-1": 1}


def test_a_warehouse_quantity_goes_with_its_code(sim, clock):
    sim.mirakl.add_offer(SHOP, "W", warehouses={"WH1": 4, "WH2": 6})
    mirakl = _connector(sim, clock, location_id="WH2")
    result = mirakl.push(_items(W=9))
    assert result.request_body.splitlines()[1] == "W;9;WH2;update"
    _settled(mirakl, clock, {result.remote_id: ["W"]})
    assert sim.mirakl.offer(SHOP, "W")["warehouses"] == [
        {"code": "WH1", "quantity": 4},
        {"code": "WH2", "quantity": 9},
    ]
    assert mirakl.read_quantities(["W"]) == {"W": 9}


def test_a_wrong_key_is_refused_for_good_and_never_shown(sim, clock):
    sim.mirakl.add_offer(SHOP, "A", 1)
    sim.configure_marketplace("mirakl", SHOP, api_key="another-key")
    with pytest.raises(PermanentError) as raised:
        _connector(sim, clock).push(_items(A=1))
    assert raised.value.status == 401
    assert KEY not in str(raised.value) and KEY not in (raised.value.request or "")


# -- orders -------------------------------------------------------------------------------


def test_orders_are_polled_page_by_page_since_the_cursor_with_an_overlap(sim, mirakl):
    mk = sim.mirakl
    placed = [mk.add_order(SHOP, lines=LINES[:1]) for _ in range(120)]
    old = mk.add_order(SHOP, lines=LINES[:1], last_updated_date="2020-01-01T00:00:00Z")
    messages, cursor = mirakl.poll_orders(None)
    assert [m.external_id for m in messages] == [o["order_id"] for o in placed]
    assert old["order_id"] not in {m.external_id for m in messages}
    assert {m.kind for m in messages} == {KIND_ORDER}
    assert len({m.delivery_id for m in messages}) == 120
    queries = [r["query"] for r in sim.received(ORDERS)]
    assert [q.split("&", 1)[1] for q in queries] == ["max=100&offset=0", "max=100&offset=100"]
    assert cursor == placed[-1]["last_updated_date"]
    cancelled = mk.update_order(SHOP, placed[3]["order_id"], order_state="CANCELED")
    sim.clear_received()
    again, newer = mirakl.poll_orders(cursor)
    since = parse_iso_utc(cursor) - timedelta(minutes=mirakl.poll_overlap_minutes)
    assert sim.received(ORDERS)[0]["query"].startswith(
        f"start_update_date={since.strftime('%Y-%m-%dT%H%%3A%M%%3A%SZ')}"
    )
    new = {m.delivery_id for m in again} - {m.delivery_id for m in messages}
    (message,) = [m for m in again if m.delivery_id in new]
    assert message.kind == KIND_CANCEL and message.external_id == cancelled["order_id"]
    assert newer == cancelled["last_updated_date"] > cursor
    assert MIRAKL.parse_cancel(message.body) == {
        "id": cancelled["order_id"],
        "reason": "Cancelled by the customer",
    }


def _shown(sim, mirakl, order_id):
    """The order's body as the poll stores it."""
    messages, _cursor = mirakl.poll_orders(None)
    return next(m.body for m in messages if m.external_id == order_id)


def test_a_polled_order_is_parsed_with_its_lines_amounts_and_address(sim, mirakl):
    lines = [*LINES, {"sku": "C", "quantity": 1, "price_unit": 4.0, "order_line_state": "REFUSED"}]
    placed = sim.mirakl.add_order(SHOP, lines=lines, order_state="SHIPPING")
    order = MIRAKL.parse_order(_shown(sim, mirakl, placed["order_id"]))
    assert (order.id, order.name, order.currency) == (
        placed["order_id"],
        placed["commercial_id"],
        "EUR",
    )
    assert [(line.sku, line.quantity, line.price_unit) for line in order.lines] == [
        ("A", 2, Decimal("12.5")),
        ("B", 1, Decimal("7.0")),
    ]
    assert order.shipping_amount == Decimal("4.5")
    assert order.total_amount == Decimal("36.5"), "the refused line's 4.0 left the total"
    assert totals_problem(order) is None
    assert order.customer.name == "Ann Buyer"
    address = order.shipping_address
    assert (address.street, address.zip, address.city, address.country_code) == (
        "1 rue de la Paix",
        "75002",
        "Paris",
        "FR",
    )
    assert not order.address_later and not order.cancelled


def test_an_order_waiting_for_acceptance_comes_without_its_address(sim, mirakl):
    placed = sim.mirakl.add_order(SHOP, lines=LINES)
    raw = _shown(sim, mirakl, placed["order_id"])
    assert json.loads(raw)["customer"]["shipping_address"] is None
    order = MIRAKL.parse_order(raw)
    assert order.address_later and order.shipping_address.street == ""
    assert order.customer.name == "Ann Buyer"
    nameless = json.loads(raw)
    nameless["customer"] = None
    assert MIRAKL.parse_order(json.dumps(nameless)).customer.name == placed["commercial_id"]


BASE = {
    "order_id": "O-1-A", "order_state": "SHIPPING", "created_date": "2026-11-23T10:00:00Z",
    "currency_iso_code": "EUR", "total_price": 10.0,
    "customer": {"firstname": "Ann", "lastname": "Buyer", "shipping_address": {
        "street_1": "Rue 1", "zip_code": "1000", "city": "Brussels", "country_iso_code": "BEL"}},
    "order_lines": [{"order_line_id": "O-1-A-1", "offer_sku": "A", "quantity": 2, "price": 10.0,
                     "order_line_state": "SHIPPING"}],
}  # fmt: skip


def _changed(path, value):
    body = copy.deepcopy(BASE)
    *parents, name = path
    target = body
    for part in parents:
        target = target[part]
    if value is None:
        del target[name]
    else:
        target[name] = value
    return json.dumps(body)


def test_the_base_body_parses_with_a_price_per_unit_from_the_line_price():
    order = MIRAKL.parse_order(json.dumps(BASE))
    assert order.lines[0].price_unit == Decimal(5)
    assert order.shipping_address.country_code == "BE"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("order_lines",), None, "order_lines is missing"),
        (("order_lines", 0, "quantity"), 0, "order_lines[0].quantity must be a positive integer"),
        (("order_lines", 0, "order_line_state"), "REFUSED", "every line of the order is refused"),
        (("currency_iso_code",), "EURO", "currency_iso_code must be a 3-letter"),
        (("customer", "shipping_address", "country_iso_code"), "XYZ", "'XYZ' is not an ISO 3166"),
        (("customer",), {"shipping_address": {"street_1": "Rue 1"}}, "customer has no name"),
        (("created_date",), "yesterday", "created_date must be an ISO 8601"),
        (("total_price",), None, "total_price is missing"),
    ],
)
def test_an_unusable_order_is_refused_naming_the_field(path, value, message):
    with pytest.raises(PayloadError, match=message.replace("[", r"\[").replace("]", r"\]")):
        MIRAKL.parse_order(_changed(path, value))


def test_an_open_order_is_no_cancellation():
    with pytest.raises(PayloadError, match="not cancelled"):
        MIRAKL.parse_cancel(json.dumps(BASE))


# -- statuses back ------------------------------------------------------------------------


def _body(order, status, line_statuses, shipments=()):
    lines = [
        (line["order_line_id"], line_status, line["quantity"])
        for line, line_status in zip(order["order_lines"], line_statuses, strict=True)
    ]
    return status_body(order["order_id"], status, lines, shipments=shipments)


def _parcel(order, number, *indexes):
    lines = [(order["order_lines"][i]["order_line_id"], 1) for i in indexes]
    return Shipment(
        f"WH/OUT/{number}", lines, Tracking(number, "UPS", "UPS Standard", "https://t/")
    )


def test_acceptance_decides_every_line_once(sim, mirakl):
    placed = sim.mirakl.add_order(SHOP, lines=LINES)
    order_id = placed["order_id"]
    mirakl.push_order_status(order_id, _body(placed, "created", ["created", "created"]))
    assert sim.mirakl.order(SHOP, order_id)["calls"] == [], "not decided in Odoo yet"
    body = _body(placed, "accepted", ["accepted", "to_check"])
    result = mirakl.push_order_status(order_id, body)
    line_a, line_b = (line["order_line_id"] for line in placed["order_lines"])
    assert json.loads(result.request_body) == [
        {
            "accept": {
                "order_lines": [{"id": line_a, "accepted": True}, {"id": line_b, "accepted": False}]
            }
        }
    ]
    kept = sim.mirakl.order(SHOP, order_id)
    assert kept["acceptance"] == {line_a: True, line_b: False}
    assert kept["order"]["order_state"] == "SHIPPING"
    assert json.loads(mirakl.push_order_status(order_id, body).request_body) == []
    assert sim.mirakl.order(SHOP, order_id)["calls"] == ["accept"]


def test_an_order_cancelled_in_odoo_before_acceptance_is_refused(sim, mirakl):
    placed = sim.mirakl.add_order(SHOP, lines=LINES)
    mirakl.push_order_status(placed["order_id"], _body(placed, "cancelled", ["cancelled"] * 2))
    kept = sim.mirakl.order(SHOP, placed["order_id"])
    assert set(kept["acceptance"].values()) == {False}
    assert kept["order"]["order_state"] == "REFUSED"


def test_tracking_then_the_shipment_once_every_line_left(sim, mirakl):
    placed = sim.mirakl.add_order(SHOP, lines=LINES, order_state="SHIPPING")
    order_id = placed["order_id"]
    first = _parcel(placed, "1Z1", 0)
    mirakl.push_order_status(
        order_id, _body(placed, "in_preparation", ["shipped", "accepted"], [first])
    )
    kept = sim.mirakl.order(SHOP, order_id)
    assert kept["calls"] == ["tracking"] and not kept["shipped"]
    assert kept["tracking"] == [
        {"carrier_code": "UPS", "carrier_name": "UPS Standard", "carrier_url": "https://t/",
         "tracking_number": "1Z1"}
    ]  # fmt: skip
    body = _body(placed, "shipped", ["shipped", "shipped"], [first, _parcel(placed, "1Z2", 1)])
    mirakl.push_order_status(order_id, body)
    mirakl.push_order_status(order_id, body)
    kept = sim.mirakl.order(SHOP, order_id)
    assert kept["calls"] == ["tracking", "tracking", "ship"]
    assert kept["tracking"][-1]["tracking_number"] == "1Z2"
    assert kept["order"]["order_state"] == "SHIPPED" and kept["shipped"]


def test_one_push_accepts_tracks_and_ships_when_mirakl_debits_at_once(sim, mirakl):
    placed = sim.mirakl.add_order(SHOP, lines=LINES)
    parcel = _parcel(placed, "1Z9", 0, 1)
    mirakl.push_order_status(
        placed["order_id"], _body(placed, "shipped", ["shipped", "shipped"], [parcel])
    )
    assert sim.mirakl.order(SHOP, placed["order_id"])["calls"] == ["accept", "tracking", "ship"]


def test_a_shipment_waits_for_the_customers_debit(sim, mirakl):
    sim.configure_marketplace("mirakl", SHOP, debit_delay=60.0)
    placed = sim.mirakl.add_order(SHOP, lines=LINES)
    body = _body(placed, "shipped", ["shipped", "shipped"], [_parcel(placed, "1Z9", 0, 1)])
    with pytest.raises(RetryableError, match="WAITING_DEBIT_PAYMENT"):
        mirakl.push_order_status(placed["order_id"], body)
    kept = sim.mirakl.order(SHOP, placed["order_id"])
    assert kept["calls"] == ["accept"]
    assert kept["order"]["order_state"] == "WAITING_DEBIT_PAYMENT"


def test_a_line_cancelled_in_odoo_keeps_the_order_from_shipping(sim, mirakl):
    placed = sim.mirakl.add_order(SHOP, lines=LINES, order_state="SHIPPING")
    body = _body(placed, "shipped", ["shipped", "cancelled"], [_parcel(placed, "1Z3", 0)])
    with pytest.raises(PermanentError, match="OR30"):
        mirakl.push_order_status(placed["order_id"], body)
    assert sim.mirakl.order(SHOP, placed["order_id"])["calls"] == ["tracking"]


def test_an_order_cancelled_in_odoo_while_shipping_is_cancelled_once(sim, mirakl):
    placed = sim.mirakl.add_order(SHOP, lines=LINES, order_state="SHIPPING")
    body = _body(placed, "cancelled", ["cancelled", "cancelled"])
    mirakl.push_order_status(placed["order_id"], body)
    mirakl.push_order_status(placed["order_id"], body)
    kept = sim.mirakl.order(SHOP, placed["order_id"])
    assert kept["calls"] == ["cancel"] and kept["order"]["order_state"] == "CANCELED"


def test_an_unknown_order_is_a_permanent_error(mirakl):
    with pytest.raises(PermanentError, match="not found"):
        mirakl.push_order_status("NOPE-A", {"status": "accepted", "lines": []})


# -- OR11: one budget for every caller, the acceptance first ----------------------------------


def _reads(sim):
    return [r for r in sim.received(ORDERS) if r["method"] == "GET"]


def test_every_or11_caller_shares_one_budget_and_the_acceptance_goes_first(sim, clock):
    placed = sim.mirakl.add_order(SHOP, lines=LINES)
    mirakl = _connector(sim, clock)
    mirakl.max_limit_wait = 10
    mirakl.poll_orders(None)  # the poll's scheduled action
    with pytest.raises(RetryableError) as again:  # a reconciliation right after it
        mirakl.poll_orders(None)
    assert again.value.throttled and again.value.seconds > 50
    body = _body(placed, "accepted", ["accepted", "accepted"])
    mirakl.push_order_status(placed["order_id"], body)  # not behind the poll's minute
    assert set(sim.mirakl.order(SHOP, placed["order_id"])["acceptance"].values()) == {True}
    assert len(_reads(sim)) == 2, "one listing, one read of the order to accept"
    clock.sleep(55)
    with pytest.raises(RetryableError):  # the acceptance used the minute: the poll waits
        mirakl.poll_orders(None)
    clock.sleep(60)
    mirakl.poll_orders(None)
    assert len(_reads(sim)) == 3


def test_shipments_and_cancellations_leave_the_reserved_or11_turns_to_acceptances(sim, clock):
    to_accept = sim.mirakl.add_order(SHOP, lines=LINES)
    others = [sim.mirakl.add_order(SHOP, lines=LINES) for _order in range(4)]
    mirakl = _connector(sim, clock)
    mirakl.max_limit_wait = 10
    mirakl.poll_orders(None)  # the minute is used
    for placed, status in zip(others, ["shipped", "cancelled"] * 2, strict=True):
        with pytest.raises(RetryableError) as waits:  # not urgent: behind the minute
            mirakl.push_order_status(placed["order_id"], _body(placed, status, [status] * 2))
        assert waits.value.throttled
    body = _body(to_accept, "accepted", ["accepted", "accepted"])
    mirakl.push_order_status(to_accept["order_id"], body)  # its turn is still there
    assert set(sim.mirakl.order(SHOP, to_accept["order_id"])["acceptance"].values()) == {True}


def test_a_429_on_or11_holds_the_status_pushes_until_retry_after(sim, clock):
    placed = sim.mirakl.add_order(SHOP, lines=LINES)
    sim.add_fault("rate_limit", ORDERS, limit=1, window=60)
    _connector(sim, Clock()).poll_orders(None)  # another worker used Mirakl's minute
    mirakl = _connector(sim, clock)
    mirakl.max_limit_wait = 10
    body = _body(placed, "accepted", ["accepted", "accepted"])
    with pytest.raises(RetryableError) as refused:
        mirakl.push_order_status(placed["order_id"], body)
    assert refused.value.throttled and refused.value.status == 429
    with pytest.raises(RetryableError) as held:
        mirakl.push_order_status(placed["order_id"], body)
    assert held.value.throttled and held.value.status is None, "held: not sent"
    assert [r["status"] for r in _reads(sim)] == [200, 429]
    clock.sleep(60)
    sim.clear_faults()
    mirakl.push_order_status(placed["order_id"], body)
    assert sim.mirakl.order(SHOP, placed["order_id"])["calls"] == ["accept"]


@pytest.mark.parametrize(
    ("path", "value", "state"),
    [
        (("order_state",), "SHIPPING", "paid"),
        (("order_state",), "WAITING_DEBIT_PAYMENT", "pending"),
        (("order_state",), "WAITING_ACCEPTANCE", "pending"),
        (("customer_debited_date",), "2026-11-23T10:05:00Z", "paid"),
    ],
)
def test_the_payment_state_follows_the_customers_debit(path, value, state):
    assert MIRAKL.parse_order(_changed(path, value)).payment_state == state
