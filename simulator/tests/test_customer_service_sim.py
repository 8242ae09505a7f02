"""Customer service on the simulator over raw HTTP: Shopify's orderUpdate (shipping
address) and refundCreate, WooCommerce's shipping update and order refunds."""

import copy

import pytest
import requests

SHOP = "demo"
TOKEN = "shpat_cs"
ORDER = {
    "id": 6001,
    "total_price": "50.00",
    "line_items": [{"id": 21, "sku": "A", "quantity": 2}, {"id": 22, "sku": "B", "quantity": 1}],
    "shipping_address": {"first_name": "Ann", "last_name": "Lee", "city": "Paris"},
}
WOO = "woo"
WOO_ORDER = {
    "id": 727,
    "status": "processing",
    "total": "43.56",
    "shipping": {"first_name": "Wanda", "last_name": "Woo", "city": "Brussels", "country": "BE"},
    "line_items": [{"id": 315, "sku": "W-1", "quantity": 2, "total": "21.00"}],
}
ORDER_QUERY = (
    "query Q($id: ID!) { order(id: $id) { id shippingAddress { firstName city countryCodeV2 }"
    " transactions(first: 5) { id kind gateway } refunds(first: 5) { note } } }"
)
UPDATE = (
    "mutation U($input: OrderInput!) { orderUpdate(input: $input) {"
    " order { id } userErrors { field message } } }"
)
REFUND = (
    "mutation R($input: RefundInput!) { refundCreate(input: $input) {"
    " refund { id } userErrors { field message } } }"
)


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_shop(SHOP, token=TOKEN)
    sim.configure_woocommerce(WOO, consumer_key="ck", consumer_secret="cs")


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def _gql(http, sim, query, variables):
    answer = http.post(
        f"{sim.shopify_url(SHOP)}/admin/api/2026-10/graphql.json",
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": TOKEN},
        timeout=5,
    )
    assert answer.status_code == 200
    return answer.json()["data"]


def _address(**changes):
    address = {"firstName": "Ann", "lastName": "Lee", "address1": "2 Rue Neuve",
               "zip": "69001", "city": "Lyon", "countryCode": "FR", "phone": "+33 4"}  # fmt: skip
    return {**address, **changes}


def test_shopify_order_update_replaces_the_shipping_address(sim, http):
    sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    gid = "gid://shopify/Order/6001"
    answer = _gql(http, sim, UPDATE, {"input": {"id": gid, "shippingAddress": _address()}})
    assert answer["orderUpdate"]["userErrors"] == []
    order = _gql(http, sim, ORDER_QUERY, {"id": gid})["order"]
    assert order["shippingAddress"]["city"] == "Lyon"
    assert order["shippingAddress"]["countryCodeV2"] == "FR"
    bad = _gql(
        http, sim, UPDATE, {"input": {"id": gid, "shippingAddress": _address(countryCode="")}}
    )
    assert bad["orderUpdate"]["userErrors"][0]["field"] == ["shippingAddress", "countryCode"]
    missing = _gql(http, sim, UPDATE, {"input": {"id": "gid://shopify/Order/1"}})
    assert missing["orderUpdate"]["userErrors"][0]["message"] == "Order does not exist."


def test_shopify_refuses_the_address_of_a_fulfilled_order(sim, http):
    state = sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    for line in state["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"]:
        line["remainingQuantity"] = 0
    gid = "gid://shopify/Order/6001"
    answer = _gql(http, sim, UPDATE, {"input": {"id": gid, "shippingAddress": _address()}})
    assert "fulfilled" in answer["orderUpdate"]["userErrors"][0]["message"]
    assert state["json"]["shipping_address"]["city"] == "Paris"


def test_shopify_refund_is_kept_and_refused_beyond_what_was_bought_or_paid(sim, http):
    state = sim.shopify.add_order(SHOP, copy.deepcopy(ORDER))
    gid = "gid://shopify/Order/6001"
    [sale] = _gql(http, sim, ORDER_QUERY, {"id": gid})["order"]["transactions"]
    assert sale["kind"] == "SALE"

    def refund(quantity, amount):
        lines = [{"lineItemId": "gid://shopify/LineItem/21", "quantity": quantity,
                  "restockType": "NO_RESTOCK"}]  # fmt: skip
        money = [{"orderId": gid, "parentId": sale["id"], "gateway": sale["gateway"],
                  "kind": "REFUND", "amount": amount}]  # fmt: skip
        variables = {"input": {"orderId": gid, "note": "[k] x", "refundLineItems": lines,
                               "transactions": money}}  # fmt: skip
        return _gql(http, sim, REFUND, variables)["refundCreate"]

    assert refund(1, "20.00")["userErrors"] == []
    [kept] = state["refunds"]
    assert kept["note"] == "[k] x"
    assert kept["totalRefundedSet"]["shopMoney"]["amount"] == "20.00"
    errors = refund(2, "1.00")["userErrors"]
    assert errors[0]["message"].startswith("Quantity cannot refund more")
    errors = refund(1, "30.01")["userErrors"]
    assert errors[0]["message"].startswith("Amount cannot exceed")
    assert refund(1, "30.00")["userErrors"] == []
    assert len(state["refunds"]) == 2


def _woo(http, sim, method, path, payload=None):
    return http.request(
        method,
        f"{sim.woocommerce_url(WOO)}/wp-json/wc/v3{path}",
        json=payload,
        auth=("ck", "cs"),
        timeout=5,
    )


def test_woocommerce_updates_the_shipping_address(sim, http):
    order = sim.woocommerce.add_order(WOO, WOO_ORDER)
    shipping = {"address_1": "Rue Basse 2", "postcode": "4000", "city": "Liège"}
    answer = _woo(http, sim, "PUT", "/orders/727", {"shipping": shipping})
    assert answer.status_code == 200
    assert order["shipping"]["city"] == "Liège"
    assert order["shipping"]["first_name"] == "Wanda"  # what is not sent is kept


def test_woocommerce_refunds_are_listed_and_refused_above_the_remainder(sim, http):
    order = sim.woocommerce.add_order(WOO, WOO_ORDER)
    refund = {"amount": "40.00", "reason": "[k1] damaged", "api_refund": False,
              "line_items": [{"id": 315, "quantity": 1, "refund_total": 10.5}]}  # fmt: skip
    created = _woo(http, sim, "POST", "/orders/727/refunds", refund)
    assert created.status_code == 201
    assert created.json()["amount"] == "40.00"
    assert created.json()["line_items"][0]["quantity"] == -1
    above = _woo(http, sim, "POST", "/orders/727/refunds", dict(refund, amount="3.57"))
    assert above.status_code == 500
    assert above.json()["code"] == "woocommerce_rest_cannot_create_order_refund"
    assert above.json()["message"] == "Invalid refund amount."
    automatic = _woo(http, sim, "POST", "/orders/727/refunds", {"amount": "1.00"})
    assert automatic.status_code == 500  # api_refund defaults to true: no gateway here
    listed = _woo(http, sim, "GET", "/orders/727/refunds").json()
    assert [r["reason"] for r in listed] == ["[k1] damaged"]
    assert order["refunds"] == [
        {"id": listed[0]["id"], "reason": "[k1] damaged", "total": "-40.00"}
    ]
