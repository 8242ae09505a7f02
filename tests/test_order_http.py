import json

from odoo.tests import HttpCase, tagged

from ..core.signing import sign_hex
from ..simulator.clients import shopify_webhook_request, signed_order_request
from .common import OrderCase

URL = "/stock_channel_sync/{code}/orders"


@tagged("post_install", "-at_install")
class TestOrderHttp(OrderCase, HttpCase):
    """The order webhooks over real HTTP, against the running test server."""

    def post(self, payload=None, code="market", body=None, headers=None, path=""):
        if body is None:
            body, signed = signed_order_request(self.secret, payload)
            headers = {**signed, **(headers or {})}
        response = self.url_open(URL.format(code=code) + path, data=body, headers=headers)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        return response.status_code, response.json()

    def inbounds(self):
        return self.env["stock.channel.inbound"].search([], order="id")

    def refused(self):
        return self.env["stock.channel.refused"].search([], order="id")

    def test_an_order_over_http(self):
        self.set_stock(self.product, 3)
        status, answer = self.post(self.order_payload("H-1", [("WIDGET", 2)]))
        order = self.order_of("H-1")
        self.assertEqual(status, 200)
        self.assertEqual(
            answer,
            {"order": order.name, "status": "accepted",
             "lines": [{"id": "H-1-1", "status": "accepted"}]},
        )  # fmt: skip
        inbound = self.inbounds()[-1]
        self.assertEqual(inbound.external_id, "H-1")
        self.assertNotIn("X-Channel-Signature", inbound.headers, "signatures are never kept")
        self.assertEqual(json.loads(inbound.body)["id"], "H-1")

    def test_signature_missing_or_wrong_is_401_and_a_small_record_is_kept(self):
        body = json.dumps(self.order_payload("H-2", [("WIDGET", 1)])).encode()
        for headers in ({}, {"X-Channel-Signature": "sha256=" + "0" * 64}):
            status, answer = self.post(body=body, headers=headers)
            self.assertEqual(status, 401)
            self.assertEqual(answer, {"error": "missing or wrong signature"})
        refused = self.refused()[-2:]
        self.assertEqual(refused.mapped("http_status"), [401, 401])
        self.assertEqual(refused[0].body_head, body[:1024].decode())
        self.assertFalse(self.inbounds(), "never a message that could be imported")
        self.assertFalse(self.order_of("H-2"))

    def test_a_body_that_is_not_json_or_misses_fields_is_400(self):
        status, answer = self.post(body=b"not json", headers=self._signed(b"not json"))
        self.assertEqual(status, 400)
        self.assertIn("not valid JSON", answer["error"])
        payload = self.order_payload("H-3", [("WIDGET", 1)])
        del payload["lines"]
        status, answer = self.post(payload)
        self.assertEqual(status, 400)
        self.assertIn("lines", answer["error"])
        self.assertEqual(self.inbounds()[-1].state, "rejected")

    def _signed(self, body):
        return {"Content-Type": "application/json",
                "X-Channel-Signature": sign_hex(self.secret, body)}  # fmt: skip

    def test_a_body_above_the_channel_limit_is_413(self):
        self.market.max_order_body_kb = 1
        payload = self.order_payload("H-4", [("WIDGET", 1)], note="x" * 2048)
        status, answer = self.post(payload)
        self.assertEqual(status, 413)
        self.assertIn("larger than 1 KB", answer["error"])
        self.assertEqual(self.refused()[-1].http_status, 413)

    def test_an_unknown_channel_is_404(self):
        status, answer = self.post(self.order_payload("H-5", [("WIDGET", 1)]), code="nope")
        self.assertEqual(status, 404)
        self.assertIn("nope", answer["error"])
        self.assertEqual(self.refused()[-1].channel_code, "nope")

    def test_the_same_order_sent_five_times_is_one_order_and_one_reservation(self):
        self.set_stock(self.product, 5)
        payload = self.order_payload("H-6", [("WIDGET", 2)])
        answers = [self.post(payload) for _ in range(5)]
        self.assertEqual(len({json.dumps(a, sort_keys=True) for a in answers}), 1)
        self.assertEqual(answers[0][0], 200)
        self.assertEqual(len(self.order_of("H-6")), 1)
        self.assertEqual(self.publishable(self.web), 3)
        self.assertEqual(
            self.inbounds().filtered(lambda i: i.external_id == "H-6").mapped("state"),
            ["done"] + ["duplicate"] * 4,
        )

    def test_a_cancellation_before_its_order_over_http(self):
        self.set_stock(self.product, 2)
        body, headers = signed_order_request(
            self.secret, {"type": "cancel", "id": "H-7", "reason": "fraud"}
        )
        status, answer = self.post(body=body, headers=headers, path="/H-7/cancel")
        self.assertEqual((status, answer["status"]), (202, "cancelled"))
        status, answer = self.post(self.order_payload("H-7", [("WIDGET", 2)]))
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.assertEqual(self.order_of("H-7").state, "cancel")
        self.assertEqual(self.publishable(self.web), 2)

    def test_shopify_orders_create_and_cancelled_deduplicated(self):
        self.set_stock(self.product, 4)
        order = {
            "id": 820982911946154508, "name": "#1001", "created_at": "2026-11-23T10:00:00+01:00",
            "currency": self.currency, "email": "bob@example.com", "phone": None,
            "customer": {"first_name": "Bob", "last_name": "Norman", "email": "bob@example.com"},
            "shipping_address": {"name": "Bob Norman", "address1": "Chestnut Street 92",
                                 "address2": "", "zip": "1000", "city": "Brussels",
                                 "country_code": "BE"},
            "line_items": [{"id": 466157049, "sku": "WIDGET", "quantity": 3, "price": "19.00"}],
            "shipping_lines": [{"price": "5.00"}],
            "total_price": "62.00", "total_discounts": "0.00", "total_tax": "0.00",
            "taxes_included": True, "cancelled_at": None,
        }  # fmt: skip
        body, headers = shopify_webhook_request("shop-secret", order, "orders/create", "wh-1")
        for _ in range(2):  # Shopify retries the same delivery
            status, answer = self.post(code="shopify", body=body, headers=headers)
            self.assertEqual((status, answer["status"]), (200, "accepted"))
        body, headers = shopify_webhook_request("shop-secret", order, "orders/create", "wh-2")
        status, again = self.post(code="shopify", body=body, headers=headers)
        self.assertEqual((status, again), (200, answer))
        sale = self.order_of("820982911946154508", self.shop)
        self.assertEqual(len(sale), 1)
        self.assertEqual(sale.client_order_ref, "#1001")
        self.assertEqual(self.publishable(self.web), 1)
        cancelled = dict(order, cancelled_at="2026-11-23T11:00:00+01:00")
        body, headers = shopify_webhook_request(
            "shop-secret", cancelled, "orders/cancelled", "wh-3"
        )
        status, answer = self.post(code="shopify", body=body, headers=headers)
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.assertEqual(self.publishable(self.web), 4)
        # a topic the addon does not handle: answered 2xx (Shopify), kept, known genuine
        body, headers = shopify_webhook_request("shop-secret", order, "orders/paid", "wh-4")
        status, answer = self.post(code="shopify", body=body, headers=headers)
        self.assertEqual(status, 200)
        self.assertIn("orders/paid", answer["error"])
        last = self.inbounds()[-1]
        self.assertEqual((last.kind, last.state, last.authenticated), ("ignored", "rejected", True))
        # a wrong Shopify signature
        headers["X-Shopify-Hmac-Sha256"] = "AAAA"
        status, answer = self.post(code="shopify", body=body, headers=headers)
        self.assertEqual(status, 401)
