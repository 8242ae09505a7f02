"""The WooCommerce connector against the simulator's shop over real HTTP on loopback."""

import json
from datetime import datetime
from decimal import Decimal

import pytest
import requests

from core.connectors import ChannelConfig, PushItem, get_connector
from core.errors import PermanentError, RetryableError
from core.inbound import KIND_CANCEL, KIND_IGNORED, KIND_ORDER
from core.orders import totals_problem
from core.payload import PayloadError

SHOP = "woo"
KEY, SECRET, HOOK = "ck_test", "cs_test", "whsec_test"
WHEN = datetime(2026, 11, 23, 10, 0, 0)
WOO = get_connector("woocommerce")

ORDER = {
    "id": 727, "number": "727", "status": "processing", "currency": "EUR",
    "date_created_gmt": "2026-11-23T10:00:00", "prices_include_tax": False,
    "billing": {"first_name": "Wanda", "last_name": "Woo", "email": "wanda@example.com",
                "phone": "+32 2 123"},
    "shipping": {"first_name": "Wanda", "last_name": "Woo", "address_1": "Rue Haute 1",
                 "address_2": "", "postcode": "1000", "city": "Brussels", "country": "BE"},
    "line_items": [{"id": 315, "sku": "W-1", "quantity": 2, "price": 10.5, "total": "21.00"},
                   {"id": 316, "sku": "W-2", "quantity": 3, "total": "10.00"}],
    "shipping_total": "5.00", "total_tax": "7.56", "total": "43.56",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_woocommerce(SHOP, consumer_key=KEY, consumer_secret=SECRET, webhook_secret=HOOK)


@pytest.fixture
def woo(sim):
    config = ChannelConfig("woo-channel", sim.woocommerce_url(SHOP), api_key=KEY, api_secret=SECRET)
    with WOO(config) as connector:
        yield connector


def _item(sku, quantity, product_id, parent=""):
    return PushItem(sku, quantity, 1, WHEN, external_id=str(product_id), external_parent_id=parent)


def test_stock_goes_out_in_one_batch_per_parent_and_a_refused_item_is_its_own(sim, woo):
    shop = sim.woocommerce
    simple = shop.add_product(SHOP, "S-1", 1)
    refused = shop.add_product(SHOP, "S-2", 1)
    parent, (red, blue) = shop.add_product(SHOP, "T", variations=[("T-RED", 0), ("T-BLUE", 0)])
    sim.configure_woocommerce(SHOP, refuse_ids=[refused])
    result = woo.push(
        [_item("S-1", 7, simple), _item("S-2", 3, refused), _item("T-RED", 4, red, str(parent)),
         _item("T-BLUE", 5, blue, str(parent)), _item("NO-ID", 1, "")]
    )  # fmt: skip
    assert shop.quantity(SHOP, simple) == 7
    assert shop.quantity(SHOP, parent, red) == 4
    assert shop.quantity(SHOP, parent, blue) == 5
    assert set(result.item_errors) == {"S-2", "NO-ID"}
    assert "cannot be updated" in result.item_errors["S-2"]
    assert result.split(["S-1", "S-2", "T-RED", "T-BLUE", "NO-ID"])[0] == ["S-1", "T-RED", "T-BLUE"]
    paths = [r["path"] for r in sim.received("/woocommerce/")]
    assert sorted(paths) == sorted(
        [f"/woocommerce/{SHOP}/wp-json/wc/v3/products/batch",
         f"/woocommerce/{SHOP}/wp-json/wc/v3/products/{parent}/variations/batch"]
    )  # fmt: skip
    update = json.loads(sim.received("/woocommerce/")[0]["body"])["update"][0]
    assert update["manage_stock"] is True


def test_a_batch_that_fails_alone_is_retried_the_rest_applied(sim, woo):
    shop = sim.woocommerce
    simple = shop.add_product(SHOP, "S-1", 1)
    parent, (red,) = shop.add_product(SHOP, "T", variations=[("T-RED", 0)])
    sim.add_fault("status", f"/woocommerce/{SHOP}/wp-json/wc/v3/products/{parent}/", status=503)
    result = woo.push([_item("S-1", 2, simple), _item("T-RED", 4, red, str(parent))])
    assert shop.quantity(SHOP, simple) == 2
    assert list(result.retry_errors) == ["T-RED"]
    assert result.split(["S-1", "T-RED"]) == (["S-1"], {}, {"T-RED"})


def test_a_batch_whose_answer_was_lost_is_read_back_not_sent_again(sim, woo):
    """The shop applied the batch but its answer never came (the connection dropped):
    the connector reads the items back; those the shop holds at the quantity sent are
    applied, not sent a second time; the others are retried."""
    shop = sim.woocommerce
    parent, (red, blue) = shop.add_product(SHOP, "T", variations=[("T-RED", 0), ("T-BLUE", 0)])
    sim.configure_woocommerce(SHOP, refuse_ids=[blue])  # BLUE stays at 0 in the shop
    batch = f"/woocommerce/{SHOP}/wp-json/wc/v3/products/{parent}/variations/batch"
    sim.add_fault("drop", batch, method="POST", apply=True, count=1)
    result = woo.push([_item("T-RED", 4, red, str(parent)), _item("T-BLUE", 5, blue, str(parent))])
    assert shop.quantity(SHOP, parent, red) == 4
    assert result.split(["T-RED", "T-BLUE"]) == (["T-RED"], {}, {"T-BLUE"})
    assert "answer lost" in result.retry_errors["T-BLUE"]
    posts = [e for e in sim.received(f"/woocommerce/{SHOP}/") if e["method"] == "POST"]
    assert len(posts) == 1, "the batch left once"


def test_a_lost_answer_that_cannot_be_read_back_is_retried_whole(sim, woo):
    shop = sim.woocommerce
    simple = shop.add_product(SHOP, "S-1", 1)
    sim.add_fault("drop", f"/woocommerce/{SHOP}/", apply=True, count=2)  # the batch, the read
    with pytest.raises(RetryableError):
        woo.push([_item("S-1", 2, simple)])
    assert shop.quantity(SHOP, simple) == 2


def test_a_push_that_fails_as_a_whole_raises(sim, woo):
    simple = sim.woocommerce.add_product(SHOP, "S-1", 1)
    sim.add_fault("status", "/woocommerce/", status=429, retry_after=3)
    with pytest.raises(RetryableError) as caught:
        woo.push([_item("S-1", 2, simple)])
    assert (caught.value.seconds, caught.value.throttled) == (3, True)
    woo.config.api_secret = "wrong"
    woo.session.auth = (KEY, "wrong")
    sim.clear_faults()
    with pytest.raises(PermanentError):
        woo.push([_item("S-1", 2, simple)])


def test_more_than_100_objects_are_refused_with_413(sim):
    url = f"{sim.woocommerce_url(SHOP)}/wp-json/wc/v3/products/batch"
    body = {"update": [{"id": n, "stock_quantity": 1} for n in range(101)]}
    answer = requests.post(url, json=body, auth=(KEY, SECRET), timeout=5)
    assert answer.status_code == 413
    assert answer.json()["code"] == "woocommerce_rest_request_entity_too_large"


def test_read_back_by_id_and_the_catalogue_page_by_page(sim, woo):
    shop = sim.woocommerce
    ids = [shop.add_product(SHOP, f"P-{n}", n) for n in range(150)]
    parent, (red,) = shop.add_product(SHOP, "T", variations=[("T-RED", 9)])
    refs = {f"P-{n}": (str(ids[n]), "") for n in range(150)}
    refs["T-RED"] = (str(red), str(parent))
    quantities = woo.read_quantities([*refs, "UNKNOWN"], refs)
    assert quantities["P-149"] == 149
    assert quantities["T-RED"] == 9
    assert "UNKNOWN" not in quantities
    catalog = list(woo.list_catalog())
    assert len(catalog) == 151
    assert {(e.sku, e.external_parent_id) for e in catalog if e.sku == "T-RED"} == {
        ("T-RED", str(parent))
    }


def test_status_and_tracking_back_as_a_note_once(sim, woo):
    shop = sim.woocommerce
    order = shop.add_order(SHOP, ORDER)
    parcel = {"number": "JD0001", "carrier_code": "DHL", "service": "DHL Parcel",
              "url": "https://track.example/JD0001"}  # fmt: skip
    body = {"id": "727", "status": "shipped", "lines": [], "tracking": [parcel]}
    woo.push_order_status(727, body, sequence=1)
    woo.push_order_status(727, body, sequence=2)  # again: nothing new
    assert order["status"] == "completed"
    [note] = shop.notes[(SHOP, 727)]
    assert "JD0001" in note["note"]
    assert note["customer_note"] is True
    woo.push_order_status(727, dict(body, status="cancelled", tracking=[]), sequence=3)
    assert order["status"] == "cancelled"


def test_tracking_through_the_shipment_tracking_extension(sim, woo):
    sim.configure_woocommerce(SHOP, tracking_extension=True)
    woo.config.settings["tracking_extension"] = True
    sim.woocommerce.add_order(SHOP, ORDER)
    parcel = {"number": "JD0002", "carrier_code": "DHL", "service": "", "url": ""}
    body = {"id": "727", "status": "shipped", "lines": [], "tracking": [parcel]}
    woo.push_order_status(727, body)
    woo.push_order_status(727, body)
    [tracking] = sim.woocommerce.trackings[(SHOP, 727)]
    assert (tracking["tracking_number"], tracking["tracking_provider"]) == ("JD0002", "DHL")


def test_the_catch_up_poll_reads_every_page_since_the_cursor_with_an_overlap(sim, woo):
    shop = sim.woocommerce
    for n in range(120):
        shop.add_order(SHOP, dict(ORDER, id=1000 + n, date_modified_gmt="2026-11-23T10:00:00"))
    shop.add_order(SHOP, dict(ORDER, id=2000, status="cancelled",
                              date_modified_gmt="2026-11-23T10:05:00"))  # fmt: skip
    shop.add_order(SHOP, dict(ORDER, id=3000, date_modified_gmt="2026-11-23T09:00:00"))
    messages, cursor = woo.poll_orders("2026-11-23T10:08:00")  # overlap: 10 minutes back
    assert len(messages) == 121
    assert cursor == "2026-11-23T10:08:00"
    cancel = next(m for m in messages if m.external_id == "2000")
    assert (cancel.kind, cancel.delivery_id) == (
        KIND_CANCEL,
        "poll:2000:2026-11-23T10:05:00:cancelled",
    )
    _messages, newest = woo.poll_orders("2026-11-23T09:00:00")
    assert newest == "2026-11-23T10:05:00"


def test_webhooks_signed_named_and_parsed(sim):
    body, headers = sim.woocommerce.delivery(SHOP, "order.created", ORDER, "d-1")
    assert WOO.verify_webhook(HOOK, headers, body) is None
    assert WOO.verify_webhook("other", headers, body) == "missing or wrong signature"
    delivery = WOO.webhook_kind("order", headers, body)
    assert (delivery.kind, delivery.topic, delivery.delivery_id) == (
        KIND_ORDER,
        "order.created",
        "d-1",
    )
    cancelled = dict(ORDER, status="refunded")
    body, headers = sim.woocommerce.delivery(SHOP, "order.updated", cancelled, "d-2")
    assert WOO.webhook_kind("order", headers, body).kind == KIND_CANCEL
    assert WOO.parse_cancel(body) == {"id": "727", "reason": "refunded"}
    body, headers = sim.woocommerce.delivery(SHOP, "product.updated", {"id": 1}, "d-3")
    assert WOO.webhook_kind("order", headers, body).kind == KIND_IGNORED
    assert WOO.is_ping({}, {"webhook_id": "4"})
    assert not WOO.is_ping(headers, {"webhook_id": "4"})


def test_an_order_is_parsed_with_its_taxes_on_top():
    order = WOO.parse_order(json.dumps(ORDER).encode())
    assert (order.id, order.name, order.currency) == ("727", "727", "EUR")
    assert order.customer.name == "Wanda Woo"
    assert (order.shipping_address.zip, order.shipping_address.country_code) == ("1000", "BE")
    assert order.lines[0].price_unit == Decimal("10.5")  # its price
    assert abs(order.lines[1].price_unit * 3 - Decimal("10.00")) < Decimal("0.0001")  # total / qty
    assert order.adjustments == Decimal("7.56")
    assert totals_problem(order) is None
    with pytest.raises(PayloadError, match="not cancelled"):
        WOO.parse_cancel(json.dumps(ORDER).encode())


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({"date_paid_gmt": "2026-11-23T10:01:00"}, "paid"),
        ({"status": "pending"}, "pending"),
        ({"status": "on-hold"}, "pending"),
        ({}, "unknown"),  # processing, yet no date_paid: the shop does not say
    ],
)
def test_the_payment_state_is_the_orders_date_paid_or_its_status(changes, state):
    order = WOO.parse_order(json.dumps({**ORDER, **changes}).encode())
    assert order.payment_state == state


def test_a_cancellation_reason_is_a_private_note_once(sim, woo):
    shop = sim.woocommerce
    order = shop.add_order(SHOP, ORDER)
    body = {"id": "727", "status": "cancelled", "lines": [], "tracking": [],
            "cancel_reason": "Rule Fraud: blocked country"}  # fmt: skip
    woo.push_order_status(727, body, sequence=1)
    woo.push_order_status(727, body, sequence=2)  # the note is there: not again
    assert order["status"] == "cancelled"
    [note] = shop.notes[(SHOP, 727)]
    assert note["note"] == "Cancelled in Odoo: Rule Fraud: blocked country"
    assert note["customer_note"] is False
