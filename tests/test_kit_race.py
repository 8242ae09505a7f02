import threading
import uuid

import requests

from odoo import Command
from odoo.tests import tagged

from ..simulator.clients import signed_order_request
from .common import start_simulator
from .live_server import LiveServerCase

SECRET = "kit-race-secret"
ROUNDS = 12
PER_KIT = 3  # straps per kit: the stock of a round, one kit or one strap order, not both
REQUEST_TIMEOUT = 60
ORDER_ROUTE = "/stock_channel_sync/{code}/orders"
ACCEPTED, TO_CHECK = "accepted", "to_check"


@tagged("post_install", "-at_install")
class TestKitRace(LiveServerCase):
    """A kit ordered on one channel and its component on another, at the same moment,
    against a real Odoo server with HTTP workers: the stock (3 straps) covers the kit (3
    straps) or the strap order (1), not both. Exactly one is accepted, and the straps
    are never oversold. Commits its data, removes it at the end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup)
        cls.token = uuid.uuid4().hex[:8]
        cls.codes = [f"kitrace-{cls.token}-{index}" for index in range(2)]
        for code in cls.codes:
            cls.sim.configure_channel(code, secret=SECRET)
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            cls.warehouse_id = warehouse.id
            cls.stock_location_id = warehouse.lot_stock_id.id
            cls.currency = env.company.currency_id.name
            straps, kits = cls._products(env)
            cls.strap_ids, cls.kit_ids = straps.ids, kits.ids
            cls.product_ids = straps.ids + kits.ids
            env["mrp.bom"].create(
                [
                    {"product_tmpl_id": kit.product_tmpl_id.id, "type": "phantom",
                     "bom_line_ids": [Command.create({"product_id": strap.id,
                                                      "product_qty": PER_KIT})]}
                    for strap, kit in zip(straps, kits, strict=True)
                ]
            )  # fmt: skip
            channels = env["stock.channel"].create(
                [
                    {"name": f"Kit race {code}", "code": code, "channel_type": "marketplace",
                     "warehouse_id": warehouse.id, "connector": "generic_json",
                     "endpoint_url": cls.sim.generic_url(code), "api_secret": SECRET}
                    for code in cls.codes
                ]
            )  # fmt: skip
            cls.channel_ids = channels.ids
            env.flush_all()
            env["stock.channel.outbox"].search(
                [("channel_id", "in", channels.ids), ("product_id", "not in", cls.product_ids)]
            ).unlink()
        cls.start_server(workers=2)

    @classmethod
    def _products(cls, env):
        Product = env["product.product"]
        values = [
            {"name": f"Kit Race {kind} {n}", "default_code": f"KRACE-{cls.token}-{kind}-{n}",
             "type": "consu", "is_storable": True}
            for kind in ("STRAP", "KIT")
            for n in range(ROUNDS + 1)  # the last pair: a kit ordered alone, first
        ]  # fmt: skip
        products = Product.create(values)
        return products[: ROUNDS + 1], products[ROUNDS + 1 :]

    @staticmethod
    def _remove_products(products):
        """The kits' boms first (their lines hold the components), once the orders are
        gone (sale_mrp keeps the boms of orders to deliver)."""
        Bom = products.env["mrp.bom"]
        Bom.search([("product_tmpl_id", "in", products.product_tmpl_id.ids)]).unlink()
        LiveServerCase._remove_products(products)

    def _set_stock(self, product_id, quantity):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            env["stock.quant"]._update_available_quantity(
                env["product.product"].browse(product_id),
                env["stock.location"].browse(self.stock_location_id),
                quantity,
            )

    def _payload(self, order_id, sku, quantity):
        return {
            "id": order_id,
            "created_at": "2026-11-23T10:00:00Z",
            "currency": self.currency,
            "customer": {"name": "Kit Racer", "email": f"kit-{self.token}@example.com",
                         "phone": "+32 2 000"},
            "shipping_address": {"name": "Kit Racer", "street": "Rue Haute 1", "street2": "",
                                 "zip": "1000", "city": "Brussels", "country_code": "BE"},
            "lines": [{"id": f"{order_id}-1", "sku": sku, "quantity": quantity,
                       "price_unit": 10.0}],
            "shipping_amount": 0,
            "total_amount": 10.0 * quantity,
        }  # fmt: skip

    def _sender(self, barrier, code, payload, answers):
        body, headers = signed_order_request(SECRET, payload)
        url = self.base_url + ORDER_ROUTE.format(code=code)
        barrier.wait()
        try:
            response = requests.post(url, data=body, headers=headers, timeout=REQUEST_TIMEOUT)
            answers[payload["id"]] = (response.status_code, response.json())
        except (requests.RequestException, ValueError) as error:
            answers[payload["id"]] = (None, repr(error))

    def _race(self, round_no):
        """The kit on the first channel, one strap on the second, at the same moment."""
        prefix, sku = f"{self.token}-{round_no}", f"KRACE-{self.token}-{{}}-{round_no}"
        orders = [
            (self.codes[0], self._payload(f"{prefix}-kit", sku.format("KIT"), 1)),
            (self.codes[1], self._payload(f"{prefix}-strap", sku.format("STRAP"), 1)),
        ]
        if round_no % 2:
            orders.reverse()  # which thread starts first varies too
        answers, barrier = {}, threading.Barrier(len(orders))
        threads = [
            threading.Thread(target=self._sender, args=(barrier, code, payload, answers))
            for code, payload in orders
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 10)
        for order_id, (status, answer) in answers.items():
            self.assertEqual(status, 200, f"round {round_no}: {order_id} answered {answer}")
        self.assertEqual(len(answers), 2, f"round {round_no}: missing answers")
        return answers

    def _reserved(self, env, strap_id):
        """(on hand, reserved on the quants, reserved by the moves) of the strap."""
        warehouse = env["stock.warehouse"].browse(self.warehouse_id)
        [(on_hand, reserved)] = env["stock.quant"]._read_group(
            [("product_id", "=", strap_id),
             ("location_id", "child_of", warehouse.view_location_id.id)],
            aggregates=["quantity:sum", "reserved_quantity:sum"],
        )  # fmt: skip
        [(by_moves,)] = env["stock.move"]._read_group(
            [("product_id", "=", strap_id), ("state", "not in", ("draft", "done", "cancel")),
             ("location_id", "=", self.stock_location_id)],
            aggregates=["quantity:sum"],
        )  # fmt: skip
        return on_hand, reserved, by_moves

    def _kit_alone(self):
        """A kit ordered alone on the stock of one kit is accepted, its straps reserved
        (served from its components: it has no stock of its own)."""
        strap_id, sku = self.strap_ids[ROUNDS], f"KRACE-{self.token}-KIT-{ROUNDS}"
        self._set_stock(strap_id, PER_KIT)
        body, headers = signed_order_request(SECRET, self._payload(f"{self.token}-alone", sku, 1))
        url = self.base_url + ORDER_ROUTE.format(code=self.codes[0])
        response = requests.post(url, data=body, headers=headers, timeout=REQUEST_TIMEOUT)
        self.assertEqual(response.json()["status"], ACCEPTED, response.text)
        with self.registry.cursor() as cr:
            self.assertEqual(self._reserved(self.env_of(cr), strap_id), (PER_KIT,) * 3)

    def test_a_kit_and_its_component_racing_on_two_channels_never_oversell(self):
        self._kit_alone()
        for round_no in range(ROUNDS):
            strap_id = self.strap_ids[round_no]
            self._set_stock(strap_id, PER_KIT)
            answers = self._race(round_no)
            statuses = {order_id: answer["status"] for order_id, (_s, answer) in answers.items()}
            self.assertEqual(
                sorted(statuses.values()), [ACCEPTED, TO_CHECK], f"round {round_no}: {answers}"
            )
            winner = next(oid for oid, status in statuses.items() if status == ACCEPTED)
            with self.registry.cursor() as cr:
                env = self.env_of(cr)
                orders = env["sale.order"].search(
                    [("channel_id", "in", self.channel_ids),
                     ("channel_order_ref", "in", list(answers))]
                )  # fmt: skip
                self.assertEqual(
                    sorted(orders.mapped("state")), ["draft", "sale"], f"round {round_no}"
                )
                taken = PER_KIT if winner.endswith("-kit") else 1
                self.assertEqual(
                    self._reserved(env, strap_id),
                    (PER_KIT, taken, taken),
                    f"round {round_no}: (on hand, reserved on quants, by moves), {winner} won",
                )
