"""Orders answered as soon as their stock is reserved (a channel's Answer Orders "As soon
as its stock is reserved"): the reservation ledger under the variant lock, the units
unsellable while confirming, the background confirmation in batches."""

import threading
import time
import uuid
from unittest.mock import patch

import requests

from odoo import SUPERUSER_ID, api
from odoo.tests import HttpCase, tagged

from ..models import runtime
from ..simulator.clients import signed_order_request
from .common import OrderCase, start_simulator
from .live_server import LiveServerCase

URL = "/stock_channel_sync/{code}/orders"


class FastCase(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.market.intake_answer = "reserved"

    def rows(self, order_id, channel=None):
        return self.env["stock.channel.reservation"].search(
            [("channel_id", "=", (channel or self.market).id), ("channel_order_ref", "=", order_id)]
        )

    def confirm(self):
        """The confirmation crons' work, in the test's transaction."""
        done = self.env["stock.channel.inbound"]._cron_confirm_reserved()
        self.env.invalidate_all()
        return done

    def reserved_qty(self, product):
        quants = self.env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", self.stock_location.id)]
        )
        return sum(quants.mapped("reserved_quantity"))


@tagged("post_install", "-at_install")
class TestIntakeFastHttp(FastCase, HttpCase):
    def test_the_answer_names_the_order_and_comes_before_the_sale_order_exists(self):
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 5)
        body, headers = signed_order_request(
            self.secret, self.order_payload("F-1", [("WIDGET", 2), ("GADGET", 1)])
        )
        response = self.url_open(URL.format(code="market"), data=body, headers=headers)
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        rows = self.rows("F-1")
        self.assertEqual(set(rows.mapped("order_name")), {answer["order"]})
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(
            answer["lines"],
            [{"id": "F-1-1", "status": "accepted"}, {"id": "F-1-2", "status": "accepted"}],
        )
        self.assertFalse(self.order_of("F-1"), "answered before the sale order exists")
        inbound = rows.inbound_id
        self.assertEqual(inbound.state, "reserved")
        self.assertEqual(
            dict(inbound._fields["state"].selection)["reserved"], "Reserved, confirming"
        )
        self.assertEqual(self.confirm(), 1)
        order = self.order_of("F-1")
        self.assertEqual(order.name, answer["order"])
        self.assertEqual(order.state, "sale")
        self.assertEqual(inbound.state, "done")
        self.assertEqual(inbound.sale_order_id, order)


@tagged("post_install", "-at_install")
class TestIntakeFast(FastCase):
    def test_units_reserved_are_unsellable_while_confirming(self):
        self.set_stock(self.product, 3)
        market_before = self.publishable(self.market)
        web_before = self.publishable(self.web)
        _inbound, status, answer = self.receive_order(self.order_payload("F-2", [("WIDGET", 2)]))
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        self.assertEqual(self.rows("F-2").quantity, 2)
        self.assertEqual(self.publishable(self.market), market_before - 2, "at once")
        self.assertEqual(self.publishable(self.web), web_before - 2, "for every channel")
        orderable = self.market._orderable(self.product)
        self.assertEqual(orderable[self.product.id], 1, "the next order's check counts them")
        # the same channel's next order for more than is left: held, not reserved
        _inbound, _status, answer = self.receive_order(self.order_payload("F-3", [("WIDGET", 2)]))
        self.assertEqual(answer["status"], "to_check")
        self.assertFalse(self.rows("F-3"))
        self.assertEqual(self.order_of("F-3").state, "draft")

    def test_a_resend_while_confirming_gets_the_same_answer_and_nothing_twice(self):
        self.set_stock(self.product, 5)
        payload = self.order_payload("F-4", [("WIDGET", 1)])
        first, _status, answer = self.receive_order(payload)
        again, status, answer_again = self.receive_order(payload)
        self.assertEqual((status, answer_again), (200, answer))
        self.assertEqual(again.state, "duplicate")
        self.assertEqual(again.duplicate_of_id, first)
        self.assertEqual(len(self.rows("F-4")), 1)
        self.confirm()
        self.assertEqual(len(self.order_of("F-4")), 1)
        _again, _status, answer_after = self.receive_order(payload)
        self.assertEqual(answer_after["order"], answer["order"], "confirmed: the same order")
        self.assertEqual(len(self.order_of("F-4")), 1)

    def test_the_batch_confirmation_makes_the_orders_and_moves_the_units_to_the_quants(self):
        self.set_stock(self.product, 10)
        self.set_stock(self.product_b, 10)
        for index in range(3):
            self.receive_order(
                self.order_payload(f"F-B{index}", [("WIDGET", 1), ("GADGET", 2)], shipping=4.95)
            )
        publishable = self.publishable(self.market)
        self.assertEqual(self.reserved_qty(self.product), 0)
        self.assertEqual(self.confirm(), 3)
        for index in range(3):
            order = self.order_of(f"F-B{index}")
            self.assertEqual(order.state, "sale")
            self.assertTrue(order.picking_ids)
            self.assertEqual(set(self.rows(f"F-B{index}").mapped("state")), {"done"})
        rows = self.env["stock.channel.reservation"].search([("channel_order_ref", "like", "F-B%")])
        self.assertEqual(set(rows.mapped("state")), {"done"})
        self.assertEqual(self.reserved_qty(self.product), 3)
        self.assertEqual(self.reserved_qty(self.product_b), 6)
        self.assertEqual(self.publishable(self.market), publishable, "no gap, no double count")

    def test_out_of_the_crons_time_the_confirmation_triggers_its_next_run(self):
        """The cron's share of time used after a batch (its commit returns 0 s left): the
        rest waits the cron's next run, triggered, never reported as work remaining
        (Odoo would run it again at once, up to 10 times in one unit of work of the
        cron worker, under its CPU limit)."""
        self.set_stock(self.product, 10)
        for index in range(3):
            self.receive_order(self.order_payload(f"F-T{index}", [("WIDGET", 1)]))
        cron = self.env.ref("stock_channel_sync.ir_cron_confirm_reserved_2")
        self.env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
        reported = []

        def out_of_time(env, processed=0, remaining=None):
            reported.append(remaining)
            return 0.0

        Inbound = self.env["stock.channel.inbound"].with_context(cron_id=cron.id)
        with patch.object(runtime, "commit_chunk", out_of_time):
            self.assertEqual(Inbound._cron_confirm_reserved(batch=1), 1, "one batch")
        self.assertEqual(reported, [None], "no work remaining reported")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.assertEqual(self.confirm(), 2, "the rest in the next run")

    def test_a_confirmation_that_fails_leaves_the_order_in_exception_with_the_reason(self):
        self.set_stock(self.product, 4)
        before = self.publishable(self.market)
        inbound, _status, _answer = self.receive_order(self.order_payload("F-5", [("WIDGET", 3)]))
        self.set_stock(self.product_b, 4)
        self.receive_order(self.order_payload("F-6", [("GADGET", 1)]))
        self.product.default_code = "WIDGET-RENAMED"  # its SKU no longer maps
        self.confirm()
        self.assertEqual(inbound.state, "exception")
        self.assertEqual(inbound.exception, "to_check")
        self.assertIn("could not be confirmed", inbound.error)
        self.assertIn("WIDGET", inbound.error)
        self.assertFalse(self.order_of("F-5"))
        self.assertEqual(self.rows("F-5").state, "released")
        self.assertEqual(self.publishable(self.market), before, "its units count again")
        self.assertEqual(self.order_of("F-6").state, "sale", "the others of the batch confirmed")

    def test_two_companies_each_order_in_its_company(self):
        company_b, _manager = self.second_company()
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)])
        channel_b = self.env["stock.channel"].create(
            {
                "name": "Market B",
                "code": "market",
                "channel_type": "marketplace",
                "company_id": company_b.id,
                "warehouse_id": warehouse_b.id,
                "connector": "generic_json",
                "endpoint_url": self.sim.generic_url("market"),
                "api_secret": "b-secret",
                "intake_answer": "reserved",
            }
        )
        self.set_stock(self.product, 2)
        self.set_stock(self.product, 5, location=warehouse_b.lot_stock_id)
        self.receive_order(self.order_payload("F-7", [("WIDGET", 2)]))
        self.receive_order(self.order_payload("F-7", [("WIDGET", 4)]), channel=channel_b)
        self.assertEqual(self.rows("F-7", channel_b).warehouse_id, warehouse_b)
        self.assertEqual(self.rows("F-7", channel_b).company_id, company_b)
        self.assertEqual(self.confirm(), 2)
        order_a, order_b = self.order_of("F-7"), self.order_of("F-7", channel_b)
        self.assertEqual((order_a.company_id, order_a.warehouse_id), (self.company, self.warehouse))
        self.assertEqual((order_b.company_id, order_b.warehouse_id), (company_b, warehouse_b))
        self.assertEqual((order_a.state, order_b.state), ("sale", "sale"))

    def test_orders_the_fast_path_cannot_decide_simply_are_confirmed_inline(self):
        self.set_stock(self.product, 5)
        payload = self.order_payload("F-8", [("WIDGET", 1)])
        payload["shipping_address"] = {**payload["shipping_address"], "street": ""}
        inbound, _status, _answer = self.receive_order(payload)  # held: to complete
        self.assertEqual(inbound.state, "exception")
        self.assertFalse(self.rows("F-8"))

    def test_an_order_sent_again_after_being_held_replaces_it_and_is_confirmed_inline(self):
        self.set_stock(self.product, 5)
        held, _status, _answer = self.receive_order(self.order_payload("F-10", [("NOSKU", 1)]))
        self.assertEqual(held.state, "exception")
        again, status, answer = self.receive_order(self.order_payload("F-10", [("WIDGET", 1)]))
        self.assertEqual((held.state, held.duplicate_of_id), ("duplicate", again))
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        self.assertFalse(self.rows("F-10"), "held before: the confirmed path, inline")
        self.assertEqual(self.order_of("F-10").state, "sale")
        self.assertEqual((again.state, again.attempts, again.external_id), ("done", 1, "F-10"))

    def test_an_order_cancelled_before_it_came_is_answered_cancelled_nothing_reserved(self):
        self.set_stock(self.product, 5)
        self.receive_order({"type": "cancel", "id": "F-11"}, kind="cancel", url_ref="F-11")
        _inbound, status, answer = self.receive_order(self.order_payload("F-11", [("WIDGET", 1)]))
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.assertFalse(self.rows("F-11"), "nothing reserved")
        self.assertFalse(self.order_of("F-11").filtered(lambda order: order.state != "cancel"))

    def test_default_channels_confirm_before_answering(self):
        self.market.intake_answer = "confirmed"
        self.assertEqual(self.env["stock.channel"].new({}).intake_answer, "confirmed")
        self.set_stock(self.product, 5)
        _inbound, status, answer = self.receive_order(self.order_payload("F-9", [("WIDGET", 1)]))
        order = self.order_of("F-9")
        self.assertEqual((status, answer["order"], order.state), (200, order.name, "sale"))
        self.assertFalse(self.rows("F-9"))


RACE_SECRET = "fast-race-secret"
RACE_CHANNELS = 3
RACE_ROUNDS = 4
CONFIRM_WAIT = 120  # seconds for the server's cron workers to confirm (start-up crons first)


@tagged("post_install", "-at_install")
class TestIntakeFastRace(LiveServerCase):
    """Channels answering from a reservation race for the last unit against a real server
    (HTTP workers, two cron workers confirming in the background): one reservation wins,
    the others are held to check, the winner is confirmed by the cron workers, nothing is
    oversold. Commits its data and removes it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup)
        cls.token = token = uuid.uuid4().hex[:8]
        cls.codes = [f"fast-{token}-{index}" for index in range(RACE_CHANNELS)]
        for code in cls.codes:
            cls.sim.configure_channel(code, secret=RACE_SECRET)
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)])[:1]
            cls.stock_location_id = warehouse.lot_stock_id.id
            cls.currency = env.company.currency_id.name
            products = env["product.product"].create(
                [
                    {"name": f"Fast Race {i}", "default_code": f"FRACE-{token}-{i}",
                     "type": "consu", "is_storable": True}
                    for i in range(RACE_ROUNDS)
                ]
            )  # fmt: skip
            cls.product_ids = products.ids
            cls.skus = products.mapped("default_code")
            channels = env["stock.channel"].create(
                [
                    {"name": code, "code": code, "channel_type": "marketplace",
                     "warehouse_id": warehouse.id, "connector": "generic_json",
                     "endpoint_url": cls.sim.generic_url(code), "api_secret": RACE_SECRET,
                     "intake_answer": "reserved"}
                    for code in cls.codes
                ]
            )  # fmt: skip
            cls.channel_ids = channels.ids
            for product in products:
                env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 1)
        cls.start_server(workers=RACE_CHANNELS, cron_threads=2)

    def _send(self, barrier, code, order_id, sku, answers):
        payload = {
            "id": order_id, "created_at": "2026-11-23T10:00:00Z", "currency": self.currency,
            "customer": {"name": "Fay Fast", "email": "fay@example.com", "phone": "+32 2 000"},
            "shipping_address": {"name": "Fay Fast", "street": "Rue Haute 1", "street2": "",
                                 "zip": "1000", "city": "Brussels", "country_code": "BE"},
            "lines": [{"id": f"{order_id}-1", "sku": sku, "quantity": 1, "price_unit": 10.0}],
            "shipping_amount": 0, "total_amount": 10.0,
        }  # fmt: skip
        body, headers = signed_order_request(RACE_SECRET, payload)
        barrier.wait()
        response = requests.post(
            self.base_url + URL.format(code=code), data=body, headers=headers, timeout=60
        )
        answers[order_id] = response.json()

    def _race(self, round_no):
        answers = {}
        barrier = threading.Barrier(RACE_CHANNELS)
        threads = [
            threading.Thread(
                target=self._send,
                args=(barrier, code, f"{self.token}-{round_no}-{i}", self.skus[round_no], answers),
            )
            for i, code in enumerate(self.codes)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        return answers

    def _confirmed(self, order_name):
        deadline = time.monotonic() + CONFIRM_WAIT
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                order = env["sale.order"].search([("name", "=", order_name)])
                if order.state == "sale":
                    return order.picking_ids.ids, order.channel_id.id
            time.sleep(0.5)
        self.fail(f"{order_name} not confirmed within {CONFIRM_WAIT} s")

    def test_reservations_racing_for_the_last_unit_sell_it_once(self):
        winners = []
        for round_no in range(RACE_ROUNDS):
            answers = self._race(round_no)
            statuses = sorted(answer["status"] for answer in answers.values())
            self.assertEqual(statuses, ["accepted"] + ["to_check"] * (RACE_CHANNELS - 1), answers)
            winners.append(next(a["order"] for a in answers.values() if a["status"] == "accepted"))
        for round_no, name in enumerate(winners):
            pickings, _channel = self._confirmed(name)
            self.assertTrue(pickings, f"round {round_no}: the picking made")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            rows = env["stock.channel.reservation"].search([("channel_id", "in", self.channel_ids)])
            self.assertEqual(len(rows), RACE_ROUNDS, "one reservation per round")
            self.assertEqual(set(rows.mapped("state")), {"done"})
            for product_id in self.product_ids:
                [(on_hand, reserved)] = env["stock.quant"]._read_group(
                    [("product_id", "=", product_id),
                     ("location_id", "=", self.stock_location_id)],
                    aggregates=["quantity:sum", "reserved_quantity:sum"],
                )  # fmt: skip
                self.assertEqual((on_hand, reserved), (1, 1), "sold once, nothing oversold")
