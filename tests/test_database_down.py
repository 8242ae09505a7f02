"""A real server whose PostgreSQL goes away and comes back (through a relay the test
cuts, never the shared cluster): the webhooks answer 503 with Retry-After meanwhile, never
the 404 of an unknown channel, and the same server takes orders again afterwards."""

import threading
import time
import uuid

import requests

from odoo.tests import tagged

from ..core.inbound import DATABASE_DOWN_RETRY_AFTER
from ..simulator.clients import signed_order_request
from .live_server import LiveServerCase, PostgresProxy

SECRET = "down-secret"
REQUEST_TIMEOUT = 30
RECOVERY_SECONDS = 30
LOCK_WAIT_SECONDS = 20
# a relay to PostgreSQL, and the addon server-wide as docs/deploying.md says: its answer
# is there in every worker, one started while PostgreSQL is away too
LOAD = "--load=base,rpc,web,stock_channel_sync"


@tagged("post_install", "-at_install")
class TestDatabaseDown(LiveServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.code = f"down-{uuid.uuid4().hex[:8]}"
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            cls.currency = env.company.currency_id.name
            channel = env["stock.channel"].create(
                {"name": "Down market", "code": cls.code, "channel_type": "marketplace",
                 "warehouse_id": warehouse.id, "connector": "generic_json",
                 "endpoint_url": "http://127.0.0.1:9/down", "api_secret": SECRET}
            )  # fmt: skip
            cls.channel_ids = channel.ids
        cls.proxy = PostgresProxy()
        cls.addClassCleanup(cls.proxy.close)

    def post(self, order_id, code=None):
        payload = {
            "id": order_id, "created_at": "2026-11-23T10:00:00Z", "currency": self.currency,
            "customer": {"name": "Ann Buyer", "email": "ann@example.com"},
            "shipping_address": {"name": "Ann Buyer", "street": "Rue Haute 1", "zip": "1000",
                                 "city": "Brussels", "country_code": "BE"},
            "lines": [{"id": f"{order_id}-1", "sku": "NOT-MAPPED", "quantity": 1,
                       "price_unit": 10}],
            "shipping_amount": 0, "total_amount": 10,
        }  # fmt: skip
        body, headers = signed_order_request(SECRET, payload)
        url = f"{self.base_url}/stock_channel_sync/{code or self.code}/orders"
        return requests.post(url, data=body, headers=headers, timeout=REQUEST_TIMEOUT)

    def assert_database_down_answer(self, response):
        self.assertEqual(response.status_code, 503, response.text[:300])
        self.assertEqual(response.headers["Retry-After"], str(DATABASE_DOWN_RETRY_AFTER))
        self.assertIn("database", response.json()["error"])

    def check_outage(self, token):
        """Up: judged; down: 503 + Retry-After for a channel and for any code; back up:
        the same server judges again (no restart)."""
        self.assertEqual(self.post(f"{token}-1").status_code, 200, "before the outage")
        self.proxy.cut()
        try:
            for _round in range(3):  # every worker's pooled connections are gone
                self.assert_database_down_answer(self.post(f"{token}-2"))
            self.assert_database_down_answer(self.post(f"{token}-3", code="no-such-code"))
        finally:
            self.proxy.restore()
        deadline = time.monotonic() + RECOVERY_SECONDS
        while (status := self.post(f"{token}-4").status_code) != 200:
            self.assertEqual(status, 503)
            self.assertLess(time.monotonic(), deadline, "the server never recovered")
            time.sleep(0.5)
        self.assertIsNone(self.server.poll(), "the server is still running")

    def start(self, *extra_args):
        relay = ["--db_host=127.0.0.1", f"--db_port={self.proxy.port}"]
        self.start_server(workers=1, extra_args=[*relay, LOAD, *extra_args])
        self.addCleanup(self._stop_server)

    def test_webhooks_answer_503_with_retry_after_while_postgresql_is_away(self):
        with self.subTest("a database filter: the database list is unreadable"):
            self.start()
            self.check_outage("F")
            self._stop_server()
        with self.subTest("one database named, no filter: its registry is unusable"):
            self.start("--db-filter=")
            self.check_outage("N")

    def test_a_delivery_that_loses_the_database_midway_is_answered_503(self):
        """The connection goes while the intake waits for PostgreSQL (for the table of
        messages, which the test holds): 503 with Retry-After, not an error page."""
        self.start()
        self.assertEqual(self.post("M-1").status_code, 200, "before the outage")
        answers = {}
        with self.registry.cursor() as cr:
            cr.execute("LOCK TABLE stock_channel_inbound IN ACCESS EXCLUSIVE MODE")
            sender = threading.Thread(target=lambda: answers.update(response=self.post("M-2")))
            sender.start()
            self.wait_for_a_lock_wait(cr)
            self.proxy.cut()
            sender.join(REQUEST_TIMEOUT)
            cr.rollback()
        self.proxy.restore()
        self.assert_database_down_answer(answers["response"])
        deadline = time.monotonic() + RECOVERY_SECONDS
        while self.post("M-3").status_code != 200:
            self.assertLess(time.monotonic(), deadline, "the server never recovered")
            time.sleep(0.5)

    def wait_for_a_lock_wait(self, cr):
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            cr.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted "
                "AND relation = 'stock_channel_inbound'::regclass"
            )
            if cr.fetchone()[0]:
                return
            self.assertLess(time.monotonic(), deadline, "the delivery never reached the table")
            time.sleep(0.1)
