import logging
import threading
import time
import uuid

import requests

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from ..simulator.clients import signed_order_request
from .common import start_simulator
from .live_server import LiveServerCase, sell_at_pos

_logger = logging.getLogger(__name__)

SECRET = "race-secret"
CHANNELS = 3
ROUNDS = 15
POS_ROUNDS = 6
POS_DELAY = 0.08  # seconds, times the round: the POS sale before, among, after the orders
REQUEST_TIMEOUT = 60
ORDER_ROUTE = "/stock_channel_sync/{code}/orders"
ACCEPTED, TO_CHECK = "accepted", "to_check"


@tagged("post_install", "-at_install")
class TestOrderRace(LiveServerCase):
    """Orders of several channels (and a POS sale) for the last unit of a variant, at the
    same moment, against a real Odoo server with HTTP workers (one process per request,
    as in production): one of them gets the unit, the others are to check, nothing is
    oversold.

    Unlike most tests this one commits (the server's workers only see committed data);
    it removes what it created.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup)
        cls.token = uuid.uuid4().hex[:8]
        cls.codes = [f"race-{cls.token}-{index}" for index in range(CHANNELS)]
        for code in cls.codes:
            cls.sim.configure_channel(code, secret=SECRET)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            cls.warehouse_id = warehouse.id
            cls.stock_location_id = warehouse.lot_stock_id.id
            cls.customer_location_id = env.ref("stock.stock_location_customers").id
            cls.currency = env.company.currency_id.name
            products = env["product.product"].create(
                [
                    {"name": f"Order Race {index}", "default_code": f"ORACE-{cls.token}-{index}",
                     "type": "consu", "is_storable": True}
                    for index in range(ROUNDS + POS_ROUNDS)
                ]
            )  # fmt: skip
            cls.product_ids = products.ids
            channels = env["stock.channel"].create(
                [
                    {
                        "name": f"Race {code}",
                        "code": code,
                        "channel_type": "marketplace",
                        "warehouse_id": warehouse.id,
                        "connector": "generic_json",
                        "endpoint_url": cls.sim.generic_url(code),
                        "api_secret": SECRET,
                    }
                    for code in cls.codes
                ]
            )
            cls.channel_ids = channels.ids
            env.flush_all()
            # the channels' creation queued every variant of the database: keep ours
            env["stock.channel.outbox"].search(
                [("channel_id", "in", channels.ids), ("product_id", "not in", products.ids)]
            ).unlink()
        cls.start_server(workers=CHANNELS)

    # -- helpers ----------------------------------------------------------------
    def _set_stock(self, product_id, quantity):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["stock.quant"]._update_available_quantity(
                env["product.product"].browse(product_id),
                env["stock.location"].browse(self.stock_location_id),
                quantity,
            )

    def _payload(self, order_id, sku):
        return {
            "id": order_id,
            "created_at": "2026-11-23T10:00:00Z",
            "currency": self.currency,
            "customer": {"name": "Rae Racer", "email": f"racer-{self.token}@example.com",
                         "phone": "+32 2 000"},
            "shipping_address": {"name": "Rae Racer", "street": "Rue Haute 1", "street2": "",
                                 "zip": "1000", "city": "Brussels", "country_code": "BE"},
            "lines": [{"id": f"{order_id}-1", "sku": sku, "quantity": 1, "price_unit": 10.0}],
            "shipping_amount": 0,
            "total_amount": 10.0,
        }  # fmt: skip

    def _sender(self, barrier, code, order_id, sku, answers):
        body, headers = signed_order_request(SECRET, self._payload(order_id, sku))
        url = self.base_url + ORDER_ROUTE.format(code=code)
        barrier.wait()
        try:
            response = requests.post(url, data=body, headers=headers, timeout=REQUEST_TIMEOUT)
            answers[order_id] = (response.status_code, response.json())
        except (requests.RequestException, ValueError) as error:
            answers[order_id] = (None, repr(error))

    def _pos_sale(self, barrier, delay, product_id, results):
        """A POS sale of 1 unit, `delay` after the others start: rounds vary which one
        commits first."""
        barrier.wait()
        time.sleep(delay)
        sell_at_pos(self.registry, product_id, results)

    def _race(self, round_no, codes, product_id, pos=False):
        """Fire one order per channel of `codes` (and a POS sale) at the same moment.
        Order ids are unique per test and round: the same id again is a duplicate."""
        sku = f"ORACE-{self.token}-{self.product_ids.index(product_id)}"
        answers, pos_result = {}, {}
        prefix = f"{self.token}-{'pos' if pos else 'orders'}"
        barrier = threading.Barrier(len(codes) + pos)
        threads = [
            threading.Thread(
                target=self._sender,
                args=(barrier, code, f"{prefix}-{round_no}-{index}", sku, answers),
            )
            for index, code in enumerate(codes)
        ]
        if pos:
            threads.append(
                threading.Thread(
                    target=self._pos_sale,
                    args=(barrier, POS_DELAY * round_no, product_id, pos_result),
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 10)
        for order_id, (status, answer) in answers.items():
            self.assertEqual(status, 200, f"round {round_no}: {order_id} answered {answer}")
        self.assertEqual(len(answers), len(codes), f"round {round_no}: missing answers")
        return answers, pos_result

    def _assert_stock(self, env, product_id, on_hand, reserved, round_no):
        """The variant's units in the warehouse: on hand, reserved on its quants and by
        its moves as expected, and never more reserved than on hand (oversold)."""
        warehouse = env["stock.warehouse"].browse(self.warehouse_id)
        [(quant_on_hand, quant_reserved)] = env["stock.quant"]._read_group(
            [("product_id", "=", product_id),
             ("location_id", "child_of", warehouse.view_location_id.id)],
            aggregates=["quantity:sum", "reserved_quantity:sum"],
        )  # fmt: skip
        [(move_reserved,)] = env["stock.move"]._read_group(
            [("product_id", "=", product_id), ("state", "not in", ("draft", "done", "cancel")),
             ("location_id", "=", self.stock_location_id)],
            aggregates=["quantity:sum"],
        )  # fmt: skip
        self.assertEqual(
            (quant_on_hand, quant_reserved, move_reserved),
            (on_hand, reserved, reserved),
            f"round {round_no}: (on hand, reserved on quants, reserved by moves)",
        )
        self.assertGreaterEqual(quant_on_hand - quant_reserved, 0, f"round {round_no}: oversold")

    def _assert_incidents(self, env, orders, round_no):
        """One oversell incident per order left short, with a cause."""
        incidents = env["stock.channel.incident"].search([("sale_order_id", "in", orders.ids)])
        self.assertEqual(
            sorted(incidents.sale_order_id.ids), sorted(orders.ids),
            f"round {round_no}: an incident per order that lost the unit",
        )  # fmt: skip
        self.assertEqual(set(incidents.mapped("qty_short")), {1.0}, f"round {round_no}")
        self.assertTrue(all(incidents.mapped("cause")), f"round {round_no}")

    def _orders(self, env, answers):
        return env["sale.order"].search(
            [("channel_id", "in", self.channel_ids), ("channel_order_ref", "in", list(answers))]
        )

    # -- the races -------------------------------------------------------------
    def test_three_channels_racing_for_the_last_unit_sell_it_once(self):
        for round_no in range(ROUNDS):
            product_id = self.product_ids[round_no]
            self._set_stock(product_id, 1)
            answers, _pos = self._race(round_no, self.codes, product_id)
            statuses = sorted(answer["status"] for _status, answer in answers.values())
            self.assertEqual(
                statuses, [ACCEPTED] + [TO_CHECK] * (CHANNELS - 1), f"round {round_no}: {answers}"
            )
            for _status, answer in answers.values():
                if answer["status"] == TO_CHECK:
                    self.assertIn(
                        "stock shortfall", answer.get("reason", ""), f"round {round_no}: {answers}"
                    )
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                orders = self._orders(env, answers)
                self.assertEqual(len(orders), CHANNELS, f"round {round_no}: one order per answer")
                winner = next(a["order"] for _s, a in answers.values() if a["status"] == ACCEPTED)
                confirmed = orders.filtered(lambda o: o.state == "sale")
                self.assertEqual(
                    confirmed.mapped("name"), [winner], f"round {round_no}: confirmed orders"
                )
                self.assertEqual(
                    set((orders - confirmed).mapped("state")), {"draft"},
                    f"round {round_no}: the orders to check stay quotations",
                )  # fmt: skip
                self.assertEqual(
                    sorted(orders.mapped("channel_status")),
                    [ACCEPTED] + [TO_CHECK] * (CHANNELS - 1),
                    f"round {round_no}: statuses in the database",
                )
                self._assert_incidents(env, orders - confirmed, round_no)
                self._assert_stock(env, product_id, 1, 1, round_no)

    def test_a_pos_sale_racing_channel_orders_for_the_last_unit(self):
        """The unit in the customer's hands wins: whatever the order of the commits, the
        POS sells it and no channel order ends accepted without its unit reserved."""
        for round_no in range(POS_ROUNDS):
            product_id = self.product_ids[ROUNDS + round_no]
            self._set_stock(product_id, 1)
            answers, pos = self._race(round_no, self.codes[:2], product_id, pos=True)
            self.assertNotIn("error", pos, f"round {round_no}: the POS sale failed")
            self.assertEqual(pos.get("state"), "done", f"round {round_no}: POS picking")
            answered = [answer["status"] for _status, answer in answers.values()]
            self.assertLessEqual(
                answered.count(ACCEPTED), 1, f"round {round_no}: accepted answers {answers}"
            )
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                orders = self._orders(env, answers)
                self.assertEqual(len(orders), 2, f"round {round_no}: one order per answer")
                accepted = orders.filtered(lambda o: o.channel_status == ACCEPTED)
                [(pos_units,)] = env["stock.move"]._read_group(
                    [("product_id", "=", product_id), ("state", "=", "done"),
                     ("location_dest_id", "=", self.customer_location_id)],
                    aggregates=["product_qty:sum"],
                )  # fmt: skip
                self.assertLessEqual(
                    len(accepted) + pos_units, 1,
                    f"round {round_no}: units sold at the POS and accepted for channels: "
                    f"{pos_units} + {accepted.mapped('name')}",
                )  # fmt: skip
                self.assertEqual(
                    set(orders.mapped("channel_status")), {TO_CHECK},
                    f"round {round_no}: an order whose unit the POS took is to check",
                )  # fmt: skip
                self._assert_incidents(env, orders, round_no)
                self._assert_stock(env, product_id, 0, 0, round_no)
