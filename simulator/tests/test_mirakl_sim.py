"""The simulator's Mirakl marketplace over raw HTTP: stock files, their reports, orders."""

import time

import pytest
import requests

SHOP = "shop-be"
KEY = "sim-key"
QUOTED = b'"offer-sku";"quantity";"warehouse-code";"update-delete"\n"A";"12";"";""\n"B";"x";"";""\n'


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_marketplace("mirakl", SHOP, api_key=KEY, shop_id="42")


@pytest.fixture
def http(sim):
    with requests.Session() as session:
        session.headers["Authorization"] = KEY
        yield session


def _api(sim, path):
    return f"{sim.marketplace_url('mirakl', SHOP)}/api/{path}"


def _import(http, sim, data=QUOTED, **params):
    files = {"file": ("stock.csv", data, "text/csv"), "shop": (None, "42")}
    return http.post(_api(sim, "offers/stock/imports"), files=files, params=params, timeout=5)


def test_a_quoted_stock_file_is_imported_and_its_bad_lines_reported(sim, http):
    sim.mirakl.add_offer(SHOP, "A", 1)
    sim.mirakl.add_offer(SHOP, "B", 1)
    answer = _import(http, sim, shop_id="42")
    assert answer.status_code == 201
    import_id = answer.json()["import_id"]
    assert isinstance(import_id, str) and answer.headers["Location"].endswith("/status")
    status = http.get(_api(sim, f"offers/stock/imports/{import_id}/status"), timeout=5).json()
    assert status["status"] == "COMPLETE"
    assert (status["lines_in_success"], status["lines_in_error"]) == (1, 1)
    report = http.get(_api(sim, f"offers/stock/imports/{import_id}/error_report"), timeout=5)
    assert report.headers["Content-Type"] == "text/csv"
    assert report.text.splitlines() == [
        '"line";"error-message";"offer-sku";"quantity";"warehouse-code";"update-delete"',
        '"3";"The quantity must be a whole number >= 0";"B";"x";"";""',
    ]
    assert sim.stock()["mirakl"][SHOP] == {"A": 12, "B": 1}


def test_a_second_import_within_the_window_is_answered_429(sim, http):
    sim.mirakl.add_offer(SHOP, "A", 1)
    assert _import(http, sim).status_code == 201
    answer = _import(http, sim)
    assert answer.status_code == 429 and 55 <= int(answer.headers["Retry-After"]) <= 60


def test_an_import_is_waiting_then_running_then_complete(sim, http):
    sim.mirakl.add_offer(SHOP, "A", 1)
    sim.configure_marketplace(
        "mirakl", SHOP, processing_delay=0.4, status_window_seconds=0.0, report_window_seconds=0.0
    )
    import_id = _import(http, sim, data=b"offer-sku;quantity\nA;5\n").json()["import_id"]
    url = _api(sim, f"offers/stock/imports/{import_id}/status")
    states = [http.get(url, timeout=5).json()["status"]]
    time.sleep(0.25)
    states.append(http.get(url, timeout=5).json()["status"])
    report = http.get(_api(sim, f"offers/stock/imports/{import_id}/error_report"), timeout=5)
    assert report.status_code == 404
    time.sleep(0.2)
    states.append(http.get(url, timeout=5).json()["status"])
    assert states == ["WAITING", "RUNNING", "COMPLETE"]
    assert sim.stock()["mirakl"][SHOP] == {"A": 5}


def test_requests_without_the_file_the_key_or_the_shop_are_refused(sim, http):
    answer = http.post(_api(sim, "offers/stock/imports"), data=b"x", timeout=5)
    assert answer.status_code == 400
    assert _import(http, sim, shop_id="7").status_code == 403
    assert requests.get(_api(sim, "orders"), timeout=5).status_code == 401


def test_acceptance_needs_every_line_and_reveals_the_address(sim, http):
    order = sim.mirakl.add_order(SHOP, lines=[{"sku": "A"}, {"sku": "B"}])
    (line_a, line_b) = (line["order_line_id"] for line in order["order_lines"])
    shown = http.get(_api(sim, "orders"), params={"order_ids": order["order_id"]}, timeout=5)
    assert shown.json()["orders"][0]["customer"]["shipping_address"] is None
    url = _api(sim, f"orders/{order['order_id']}/accept")
    missing = http.put(url, json={"order_lines": [{"id": line_a, "accepted": True}]}, timeout=5)
    assert missing.json()["code"] == "ORDER_LINE_ACCEPTANCE_DECISION_MISSING"
    decisions = [{"id": line_a, "accepted": True}, {"id": line_b, "accepted": False}]
    answer = http.put(url, json={"order_lines": decisions}, timeout=5)
    assert answer.status_code == 204 and answer.content == b""
    again = http.put(url, json={"order_lines": decisions}, timeout=5)
    assert again.json()["code"] == "ORDER_INVALID_STATE"
    shown = http.get(_api(sim, "orders"), params={"order_ids": order["order_id"]}, timeout=5)
    order = shown.json()["orders"][0]
    assert order["customer"]["shipping_address"]["country_iso_code"] == "FRA"
    assert [line["order_line_state"] for line in order["order_lines"]] == ["SHIPPING", "REFUSED"]


def test_partial_acceptance_can_be_disabled(sim, http):
    sim.configure_marketplace("mirakl", SHOP, partial_acceptance=False)
    order = sim.mirakl.add_order(SHOP, lines=[{"sku": "A"}, {"sku": "B"}])
    decisions = [
        {"id": line["order_line_id"], "accepted": index == 0}
        for index, line in enumerate(order["order_lines"])
    ]
    url = _api(sim, f"orders/{order['order_id']}/accept")
    answer = http.put(url, json={"order_lines": decisions}, timeout=5)
    assert answer.json()["code"] == "ORDER_PARTIAL_ACCEPTANCE_DISABLED"


def test_orders_are_listed_by_page_state_and_update_date(sim, http):
    placed = [sim.mirakl.add_order(SHOP, lines=[{"sku": "A"}]) for _ in range(5)]
    sim.mirakl.update_order(SHOP, placed[1]["order_id"], order_state="CANCELED")
    url = _api(sim, "orders")
    page = http.get(url, params={"max": 2, "offset": 2}, timeout=5).json()
    assert page["total_count"] == 5
    assert [o["order_id"] for o in page["orders"]] == [o["order_id"] for o in placed[2:4]]
    since = http.get(url, params={"start_update_date": placed[4]["last_updated_date"]}, timeout=5)
    assert {o["order_id"] for o in since.json()["orders"]} == {
        placed[1]["order_id"],
        placed[4]["order_id"],
    }
    cancelled = http.get(url, params={"order_state_codes": "CANCELED"}, timeout=5).json()
    assert cancelled["orders"][0]["order_lines"][0]["cancelations"][0]["reason_code"] == "CUSTOMER"
    assert http.get(url, params={"max": 101}, timeout=5).status_code == 400
    ids = ",".join(f"O{n}" for n in range(101))
    assert http.get(url, params={"order_ids": ids}, timeout=5).status_code == 400
    assert len(http.get(url, params={"paginate": "false"}, timeout=5).json()["orders"]) == 5


def test_ship_and_cancel_need_an_order_being_shipped(sim, http):
    waiting = sim.mirakl.add_order(SHOP, lines=[{"sku": "A"}])
    ship = http.put(_api(sim, f"orders/{waiting['order_id']}/ship"), timeout=5)
    assert ship.json()["code"] == "ORDER_INVALID_STATE"
    shipping = sim.mirakl.add_order(SHOP, lines=[{"sku": "A"}], order_state="SHIPPING")
    tracking = {"carrier_code": "DHL", "tracking_number": "JD1"}
    url = _api(sim, f"orders/{shipping['order_id']}")
    assert http.put(f"{url}/tracking", json=tracking, timeout=5).status_code == 204
    assert http.put(f"{url}/ship", timeout=5).status_code == 204
    assert http.put(f"{url}/cancel", timeout=5).json()["code"] == "ORDER_INVALID_STATE"
    kept = sim.mirakl.order(SHOP, shipping["order_id"])
    assert kept["order"]["shipping_tracking"] == "JD1" and kept["shipped"]
    assert kept["order"]["order_lines"][0]["shipped_date"]


def test_or30_cancels_open_lines_and_or28_refunds_shipped_ones(sim, http):
    placed = sim.mirakl.add_order(
        SHOP, lines=[{"sku": "A", "quantity": 2, "price_unit": 10.0}], order_state="SHIPPING"
    )
    line = placed["order_lines"][0]["order_line_id"]
    row = {"order_line_id": line, "quantity": 1, "amount": 10.0, "reason_code": "R1"}
    refused = http.put(_api(sim, "orders/refund"), json={"refunds": [row]}, timeout=5)
    assert (refused.status_code, refused.json()["code"]) == (400, "ORDER_INVALID_STATE")
    assert http.put(_api(sim, "orders/cancel"), json={"cancelations": [row]}, timeout=5).ok
    too_much = dict(row, amount=10.01)
    over = http.put(_api(sim, "orders/cancel"), json={"cancelations": [too_much]}, timeout=5)
    assert over.status_code == 400
    assert http.put(_api(sim, "orders/cancel"), json={"cancelations": [row]}, timeout=5).ok
    kept = sim.mirakl.order(SHOP, placed["order_id"])["order"]["order_lines"][0]
    assert [c["quantity"] for c in kept["cancelations"]] == [1, 1]
    assert kept["order_line_state"] == "CANCELED"
