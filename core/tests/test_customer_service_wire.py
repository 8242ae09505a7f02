"""Customer service on the wire: the status body's address and refunds reach Shopify and
WooCommerce (the simulator over real HTTP on loopback) once, whatever the replays; what
the platform refuses comes back as a PermanentError in its words."""

import copy
import time

import pytest

from core.connectors import ChannelConfig, get_connector
from core.errors import PermanentError
from core.ratelimit import Limiter
from core.status import Address, Refund, Shipment, status_body
from core.tokens import TokenStore

SHOP = "demo"
TOKEN = "shpat_cs"
SHOPIFY = get_connector("shopify")
ORDER = {
    "id": 5001,
    "total_price": "40.00",
    "line_items": [{"id": 11, "sku": "A", "quantity": 2}, {"id": 12, "sku": "B", "quantity": 1}],
    "shipping_address": {"first_name": "Ann", "last_name": "Lee", "address1": "1 Rue X",
                         "zip": "75001", "city": "Paris", "country_code": "FR"},
}  # fmt: skip
WOO_SHOP = "woo"
KEY, SECRET = "ck_cs", "cs_cs"
WOO = get_connector("woocommerce")
BOL = get_connector("bol")
ACCOUNT = "retailer"
MIRAKL = get_connector("mirakl")
MIRAKL_SHOP = "shop-fr"
MIRAKL_LINES = [
    {"sku": "A", "quantity": 2, "price_unit": 12.5},
    {"sku": "B", "quantity": 1, "price_unit": 7.0},
]
WOO_ORDER = {
    "id": 727, "status": "processing", "currency": "EUR", "total": "43.56",
    "shipping": {"first_name": "Wanda", "last_name": "Woo", "address_1": "Rue Haute 1",
                 "address_2": "", "postcode": "1000", "city": "Brussels", "country": "BE"},
    "line_items": [{"id": 315, "sku": "W-1", "quantity": 2, "total": "21.00"},
                   {"id": 316, "sku": "W-2", "quantity": 3, "total": "10.00"}],
}  # fmt: skip
NEW_ADDRESS = Address("Ann Lee", "2 Rue Neuve", "Bât. B", "69001", "Lyon", "FR", "+33 4 00")


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_shop(SHOP, token=TOKEN)
    sim.configure_woocommerce(WOO_SHOP, consumer_key=KEY, consumer_secret=SECRET)
    sim.configure_marketplace("bol", ACCOUNT, processing_delay=0.05)
    sim.configure_marketplace("mirakl", MIRAKL_SHOP, api_key="mirakl-key")


def _shop(sim):
    settings = {"location_id": "7", "api_version": "2026-10"}
    config = ChannelConfig("shop", sim.shopify_url(SHOP), api_key=TOKEN, settings=settings)
    return SHOPIFY(config)


def _woo(sim):
    config = ChannelConfig("woo", sim.woocommerce_url(WOO_SHOP), api_key=KEY, api_secret=SECRET)
    return WOO(config)


def _body(order_id, line_ids, status="accepted", **service):
    lines = [(line_id, status, 1) for line_id in line_ids]
    return status_body(order_id, status, lines, **service)


def test_connectors_say_what_customer_service_they_send():
    assert (SHOPIFY.supports_address_change, SHOPIFY.supports_refund) == (True, True)
    assert (WOO.supports_address_change, WOO.supports_refund) == (True, True)
    assert (BOL.supports_address_change, BOL.supports_refund) == (False, True)
    assert (MIRAKL.supports_address_change, MIRAKL.supports_refund) == (False, True)
    for code in ("amazon", "generic_json"):
        connector = get_connector(code)
        assert (connector.supports_address_change, connector.supports_refund) == (False, False)


# -- Shopify ---------------------------------------------------------------------------


def test_shopify_the_address_reaches_the_order_once(sim):
    state = sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    body = _body("5001", ["11", "12"], address=NEW_ADDRESS)
    with _shop(sim) as shop:
        shop.push_order_status("5001", body, sequence=1)
        shop.push_order_status("5001", body, sequence=2)  # Shopify has it: nothing sent
    address = state["json"]["shipping_address"]
    assert (address["first_name"], address["last_name"]) == ("Ann", "Lee")
    assert (address["address1"], address["address2"]) == ("2 Rue Neuve", "Bât. B")
    assert (address["zip"], address["city"], address["country_code"]) == ("69001", "Lyon", "FR")
    assert address["phone"] == "+33 4 00"
    assert sum("orderUpdate(" in r["body"] for r in sim.received()) == 1


def test_shopify_refuses_in_words_the_address_of_a_fulfilled_order(sim):
    state = sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    for line in state["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"]:
        line["remainingQuantity"] = 0
    with _shop(sim) as shop, pytest.raises(PermanentError, match="everything was fulfilled"):
        shop.push_order_status("5001", _body("5001", ["11"], address=NEW_ADDRESS))
    assert state["json"]["shipping_address"]["city"] == "Paris"


def test_shopify_a_refund_reaches_the_order_once_even_pushed_twice(sim):
    state = sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    refund = Refund("cs-1", "11", 1, "12.5", "EUR", "damaged")
    body = _body("5001", ["11", "12"], refunds=[refund])
    with _shop(sim) as shop:
        shop.push_order_status("5001", body, sequence=1)
        shop.push_order_status("5001", body, sequence=2)
        later = _body("5001", ["11", "12"], refunds=[refund, Refund("cs-2", None, 0, "2.00")])
        shop.push_order_status("5001", later, sequence=3)
        shop.push_order_status("5001", later, sequence=3)  # a retry of the same push
    first, second = state["refunds"]
    assert first["note"] == "[cs-1] damaged"
    assert first["refundLineItems"]["nodes"] == [
        {
            "quantity": 1,
            "lineItem": {"id": "gid://shopify/LineItem/11"},
            "restockType": "NO_RESTOCK",
        }
    ]
    assert first["totalRefundedSet"]["shopMoney"]["amount"] == "12.50"
    assert second["note"] == "[cs-2]"
    assert second["refundLineItems"]["nodes"] == []
    assert second["totalRefundedSet"]["shopMoney"]["amount"] == "2.00"


def test_shopify_a_refund_above_what_is_left_is_refused_in_shopify_words(sim):
    state = sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    with _shop(sim) as shop:
        shop.push_order_status("5001", _body("5001", ["11"], refunds=[Refund("a", "11", 1, 30)]))
        too_much = [Refund("a", "11", 1, 30), Refund("b", None, 0, "10.01")]
        with pytest.raises(PermanentError, match="Amount cannot exceed the refundable amount"):
            shop.push_order_status("5001", _body("5001", ["11"], refunds=too_much))
        too_many = [Refund("a", "11", 1, 30), Refund("c", "11", 2, 1)]
        with pytest.raises(PermanentError, match="cannot refund more items than were purchased"):
            shop.push_order_status("5001", _body("5001", ["11"], refunds=too_many))
    assert len(state["refunds"]) == 1


def test_shopify_what_it_refuses_does_not_keep_the_fulfilment_from_being_sent(sim):
    state = sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    shipped = [Shipment("WH/OUT/1", (("11", 2), ("12", 1)))]
    lines = [("11", "shipped", 2), ("12", "shipped", 1)]
    body = status_body("5001", "shipped", lines, shipments=shipped,
                       refunds=[Refund("big", "11", 1, "99.00")])  # fmt: skip
    with _shop(sim) as shop, pytest.raises(PermanentError, match="Amount cannot exceed"):
        shop.push_order_status("5001", body)
    assert len(state["fulfillments"]) == 1
    assert state["refunds"] == []


# -- WooCommerce -----------------------------------------------------------------------


def test_woocommerce_the_address_reaches_the_order_once(sim):
    order = sim.woocommerce.add_order(WOO_SHOP, WOO_ORDER)
    body = _body("727", ["315"], address=NEW_ADDRESS)
    with _woo(sim) as woo:
        woo.push_order_status(727, body, sequence=1)
        woo.push_order_status(727, body, sequence=2)
    assert order["shipping"] == {
        "first_name": "Ann",
        "last_name": "Lee",
        "address_1": "2 Rue Neuve",
        "address_2": "Bât. B",
        "postcode": "69001",
        "city": "Lyon",
        "country": "FR",
        "phone": "+33 4 00",
    }
    puts = [r for r in sim.received() if r["method"] == "PUT" and "shipping" in r["body"]]
    assert len(puts) == 1


def test_woocommerce_refuses_in_words_the_address_of_a_completed_order(sim):
    order = sim.woocommerce.add_order(WOO_SHOP, dict(WOO_ORDER, status="completed"))
    with _woo(sim) as woo, pytest.raises(PermanentError, match="is completed"):
        woo.push_order_status(727, _body("727", ["315"], "shipped", address=NEW_ADDRESS))
    assert order["shipping"]["city"] == "Brussels"


def test_woocommerce_a_refund_reaches_the_order_once_even_pushed_twice(sim):
    order = sim.woocommerce.add_order(WOO_SHOP, WOO_ORDER)
    body = _body("727", ["315"], refunds=[Refund("cs-1", "315", 1, "10.50", "EUR", "damaged")])
    with _woo(sim) as woo:
        woo.push_order_status(727, body, sequence=1)
        woo.push_order_status(727, body, sequence=2)
    [refund] = sim.woocommerce.refunds[(WOO_SHOP, 727)]
    assert (refund["amount"], refund["reason"]) == ("10.50", "[cs-1] damaged")
    assert refund["refunded_payment"] is False
    assert refund["line_items"][0]["id"] == 315
    assert refund["line_items"][0]["quantity"] == -1
    assert order["refunds"][0]["total"] == "-10.50"


def test_woocommerce_a_refund_above_what_is_left_is_refused_in_woocommerce_words(sim):
    sim.woocommerce.add_order(WOO_SHOP, WOO_ORDER)
    refunds = [Refund("a", "315", 1, "40.00"), Refund("b", None, 0, "3.57")]
    with _woo(sim) as woo:
        with pytest.raises(PermanentError, match="refused the refund: Invalid refund amount"):
            woo.push_order_status(727, _body("727", ["315"], refunds=refunds))
        woo.push_order_status(727, _body("727", ["315"], refunds=refunds[:1]))  # a: sent once
    assert [r["reason"] for r in sim.woocommerce.refunds[(WOO_SHOP, 727)]] == ["[a]"]


def test_woocommerce_what_it_refuses_does_not_keep_the_status_from_being_sent(sim):
    order = sim.woocommerce.add_order(WOO_SHOP, WOO_ORDER)
    body = _body("727", ["315"], "shipped", refunds=[Refund("big", "315", 1, "99.00")])
    with _woo(sim) as woo, pytest.raises(PermanentError, match="Invalid refund amount"):
        woo.push_order_status(727, body)
    assert order["status"] == "completed"


# -- bol.com ---------------------------------------------------------------------------


def _bol(sim):
    url = sim.marketplace_url("bol", ACCOUNT)
    config = ChannelConfig("bol", url, api_key="bol-client", api_secret="bol-secret",
                           settings={"token_url": f"{url}/token"})  # fmt: skip
    return BOL(config, limiter=Limiter(), tokens=TokenStore())


def _bol_order(sim):
    offer = sim.bol.add_offer(ACCOUNT, "8712345000017", "SKU-A")
    sim.bol.add_order(ACCOUNT, "A1", [("11", offer, 3, 12.5), ("12", offer, 2, 12.5)])


def _items(sim):
    items = sim.bol.order_detail(ACCOUNT, "A1")["orderItems"]
    return {i["orderItemId"]: (i["quantityShipped"], i["quantityCancelled"]) for i in items}


def test_bol_a_refund_of_a_lines_open_units_cancels_them_once(sim):
    _bol_order(sim)
    lines = [("11", "accepted", 3), ("12", "accepted", 2)]
    body = status_body("A1", "accepted", lines, refunds=[Refund("cs-1", "12", 2, "25.00")])
    with _bol(sim) as bol:
        bol.push_order_status("A1", body, 1)
        time.sleep(0.2)
        bol.push_order_status("A1", body, 2)  # bol cancelled it: nothing again
    assert [c[1] for c in sim.bol.cancellations] == [
        {"orderItems": [{"orderItemId": "12", "reasonCode": "REQUESTED_BY_CUSTOMER"}]}
    ]
    assert _items(sim) == {"11": (0, 0), "12": (0, 2)}


def test_bol_refuses_in_words_what_it_cannot_cancel(sim):
    _bol_order(sim)
    shipped = [Shipment("WH/OUT/1", (("11", 3),))]
    lines = [("11", "shipped", 3), ("12", "accepted", 2)]
    with _bol(sim) as bol:
        bol.push_order_status("A1", status_body("A1", "in_preparation", lines, shipments=shipped))
        time.sleep(0.2)
        for refund, words in [
            (Refund("a", "11", 1, "12.50"), "a return on bol.com"),
            (Refund("b", "12", 1, "12.50"), "every open unit of an item at once"),
            (Refund("c", None, 0, "5.00"), "pays the customer back itself"),
        ]:
            body = status_body("A1", "in_preparation", lines, shipments=shipped, refunds=[refund])
            with pytest.raises(PermanentError, match=words):
                bol.push_order_status("A1", body)
    assert sim.bol.cancellations == []
    assert _items(sim)["11"] == (3, 0)  # the shipment went all the same


# -- Mirakl ----------------------------------------------------------------------------


class Clock:
    """The limiter's time: sleeping moves it on at once (Mirakl's OR11 once a minute)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _mirakl(sim, **settings):
    url = sim.marketplace_url("mirakl", MIRAKL_SHOP)
    config = ChannelConfig("mirakl-fr", url, api_key="mirakl-key", settings=settings)
    clock = Clock()
    connector = MIRAKL(config, limiter=Limiter(clock=clock, sleep=clock.sleep))
    connector.max_limit_wait = 3600  # the limits are kept on the fake clock, not waited
    return connector


def _mirakl_body(placed, status, refunds):
    lines = [(line["order_line_id"], status, line["quantity"]) for line in placed["order_lines"]]
    return status_body(placed["order_id"], status, lines, refunds=refunds)


def test_mirakl_refunds_cancel_open_lines_and_refund_shipped_ones_once(sim):
    placed = sim.mirakl.add_order(MIRAKL_SHOP, lines=MIRAKL_LINES, order_state="SHIPPING")
    order_id, (line_a, line_b) = placed["order_id"], placed["order_lines"]
    first = [Refund("cs-1", line_a["order_line_id"], 1, "12.50", "EUR", "damaged")]
    with _mirakl(sim, refund_reason_code="RC-CS") as mirakl:
        mirakl.push_order_status(order_id, _mirakl_body(placed, "accepted", first))
        mirakl.push_order_status(order_id, _mirakl_body(placed, "accepted", first))  # again
        sim.mirakl.update_order(MIRAKL_SHOP, order_id, order_state="SHIPPED")
        both = [*first, Refund("cs-2", line_b["order_line_id"], 0, "2.00")]
        mirakl.push_order_status(order_id, _mirakl_body(placed, "shipped", both))
        mirakl.push_order_status(order_id, _mirakl_body(placed, "shipped", both))  # again
    kept = {
        line["order_line_id"]: line
        for line in sim.mirakl.order(MIRAKL_SHOP, order_id)["order"]["order_lines"]
    }
    [cancelation] = kept[line_a["order_line_id"]]["cancelations"]
    assert (cancelation["quantity"], cancelation["amount"]) == (1, 12.5)
    assert cancelation["reason_code"] == "RC-CS"
    assert kept[line_a["order_line_id"]]["refunds"] == []
    [refund] = kept[line_b["order_line_id"]]["refunds"]
    assert (refund["quantity"], refund["amount"], refund["state"]) == (0, 2.0, "WAITING_REFUND")


def test_mirakl_refuses_in_words_what_it_cannot_take(sim):
    placed = sim.mirakl.add_order(MIRAKL_SHOP, lines=MIRAKL_LINES, order_state="SHIPPING")
    order_id, line_a = placed["order_id"], placed["order_lines"][0]["order_line_id"]
    with _mirakl(sim) as mirakl:
        refund = [Refund("a", line_a, 1, "5.00")]
        with pytest.raises(PermanentError, match="Refund Reason Code"):
            mirakl.push_order_status(order_id, _mirakl_body(placed, "accepted", refund))
    with _mirakl(sim, refund_reason_code="RC-CS") as mirakl:
        with pytest.raises(PermanentError, match="names none"):
            mirakl.push_order_status(
                order_id, _mirakl_body(placed, "accepted", [Refund("b", None, 0, "5.00")])
            )
        too_much = [Refund("c", line_a, 1, "25.01")]
        with pytest.raises(PermanentError, match="exceeds what the order line has left"):
            mirakl.push_order_status(order_id, _mirakl_body(placed, "accepted", too_much))
    kept = sim.mirakl.order(MIRAKL_SHOP, order_id)["order"]["order_lines"][0]
    assert kept["cancelations"] == [] and kept["refunds"] == []


# -- Each refund on its own: what is refused is named, the rest is sent ------------------


def test_shopify_one_refused_refund_keeps_no_other_from_being_sent(sim):
    state = sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    refunds = [Refund("big", "11", 1, "99.00"), Refund("ok", None, 0, "2.00")]
    with _shop(sim) as shop, pytest.raises(PermanentError) as refused:
        shop.push_order_status("5001", _body("5001", ["11"], refunds=refunds))
    assert set(refused.value.refused) == {"big"}
    assert "Amount cannot exceed" in refused.value.refused["big"]
    assert [r["note"] for r in state["refunds"]] == ["[ok]"]


def test_shopify_an_unpaid_refund_is_refused_alone(sim):
    order = copy.deepcopy(ORDER)
    state = sim.shopify.add_order(SHOP, order)
    state["transactions"] = []
    refunds = [Refund("paid", "11", 1, "5.00"), Refund("free", "12", 1, "0.00")]
    with _shop(sim) as shop, pytest.raises(PermanentError) as refused:
        shop.push_order_status("5001", _body("5001", ["11", "12"], refunds=refunds))
    assert set(refused.value.refused) == {"paid"}
    assert [r["note"] for r in state["refunds"]] == ["[free]"]


def test_woocommerce_names_the_refund_it_refuses(sim):
    sim.woocommerce.add_order(WOO_SHOP, WOO_ORDER)
    refunds = [Refund("big", "315", 1, "99.00"), Refund("b", None, 0, "3.57")]
    with _woo(sim) as woo, pytest.raises(PermanentError) as refused:
        woo.push_order_status(727, _body("727", ["315"], "shipped", refunds=refunds))
    assert set(refused.value.refused) == {"big"}
    assert [r["reason"] for r in sim.woocommerce.refunds[(WOO_SHOP, 727)]] == ["[b]"]


def test_bol_one_refused_refund_keeps_no_other_from_being_sent(sim):
    _bol_order(sim)
    lines = [("11", "accepted", 3), ("12", "accepted", 2)]
    refunds = [Refund("c", None, 0, "5.00"), Refund("cs-1", "12", 2, "25.00")]
    with _bol(sim) as bol, pytest.raises(PermanentError) as refused:
        bol.push_order_status("A1", status_body("A1", "accepted", lines, refunds=refunds))
    assert set(refused.value.refused) == {"c"}
    assert [c[1] for c in sim.bol.cancellations] == [
        {"orderItems": [{"orderItemId": "12", "reasonCode": "REQUESTED_BY_CUSTOMER"}]}
    ]


def test_mirakl_one_refused_refund_keeps_no_other_from_being_sent(sim):
    placed = sim.mirakl.add_order(MIRAKL_SHOP, lines=MIRAKL_LINES, order_state="SHIPPING")
    order_id, (line_a, line_b) = placed["order_id"], placed["order_lines"]
    refunds = [
        Refund("none", None, 0, "5.00"),
        Refund("much", line_b["order_line_id"], 1, "99.00"),
        Refund("ok", line_a["order_line_id"], 1, "12.50"),
    ]
    with _mirakl(sim, refund_reason_code="RC-CS") as mirakl:
        with pytest.raises(PermanentError) as refused:
            mirakl.push_order_status(order_id, _mirakl_body(placed, "accepted", refunds))
    assert set(refused.value.refused) == {"none", "much"}
    kept = {
        line["order_line_id"]: line
        for line in sim.mirakl.order(MIRAKL_SHOP, order_id)["order"]["order_lines"]
    }
    assert [c["quantity"] for c in kept[line_a["order_line_id"]]["cancelations"]] == [1]
