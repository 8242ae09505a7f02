"""Scheduled actions against real, concurrent transactions (these tests commit: they
remove what they created)."""

import json
import threading
import uuid
from datetime import timedelta
from unittest.mock import patch

from psycopg2.errors import SerializationFailure

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.stock_channel import publishing
from .live_server import LiveServerCase


@tagged("post_install", "-at_install")
class TestCrons(LiveServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        token = uuid.uuid4().hex[:8]
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            product = env["product.product"].create(
                {"name": "Cron Widget", "default_code": f"CRON-{token}", "type": "consu",
                 "is_storable": True}
            )  # fmt: skip
            cls.product_ids = product.ids
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 5)
            env["stock.channel.variant.lock"]._acquire(product)  # the lock row exists
            channel = env["stock.channel"].create(
                {"name": "Cron", "code": f"cron-{token}", "warehouse_id": warehouse.id,
                 "api_secret": "cron-secret"}
            )  # fmt: skip
            cls.channel_ids = channel.ids
            payload = {
                "id": f"CRON-{token}", "created_at": "2026-11-23T10:00:00Z",
                "currency": env.company.currency_id.name,
                "customer": {"name": "Cro N", "email": f"cron-{token}@example.com"},
                "shipping_address": {"name": "Cro N", "street": "Rue Haute 1", "zip": "1000",
                                     "city": "Brussels", "country_code": "BE"},
                "lines": [{"id": "1", "sku": f"CRON-{token}", "quantity": 1, "price_unit": 10}],
                "shipping_amount": 0, "total_amount": 10,
            }  # fmt: skip
            inbound = env["stock.channel.inbound"]._store(channel, "order", json.dumps(payload), {})
            inbound.received_at = fields.Datetime.now() - timedelta(minutes=10)  # left stale
            cls.inbound_id = inbound.id
            channel._refresh_quantities(product)

    def test_a_lost_race_in_the_scheduled_action_is_tried_again_not_an_exception(self):
        """Another transaction takes the variant's lock after the action's snapshot: a
        serialization failure. The message waits for a later try, it is no exception."""
        with self.registry.cursor() as cr, self.registry.cursor() as other:
            env = self.env_of(cr)
            cr.execute("SELECT count(*) FROM stock_channel_variant_lock")  # the snapshot
            self.env_of(other)["stock.channel.variant.lock"]._acquire(
                self.env_of(other)["product.product"].browse(self.product_ids)
            )
            other.commit()
            with mute_logger("odoo.sql_db", "odoo.addons.stock_channel_sync.models"):
                env["stock.channel.inbound"]._cron_process_stale()
            inbound = env["stock.channel.inbound"].browse(self.inbound_id)
            self.assertEqual((inbound.state, inbound.attempts), ("received", 1))
            self.assertGreater(inbound.retry_at, fields.Datetime.now())
            inbound.retry_at = fields.Datetime.now()  # its later try, now
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            env["stock.channel.inbound"]._cron_process_stale()
            inbound = env["stock.channel.inbound"].browse(self.inbound_id)
            self.assertEqual(inbound.state, "done")
            self.assertEqual(inbound.sale_order_id.state, "sale")

    def test_the_hourly_refresh_survives_a_dispatcher_writing_the_same_rows(self):
        """A dispatcher updates a channel's quantities after the refresh's snapshot: the
        refresh tries that channel again (it used to fail the whole run)."""
        thread = threading.current_thread()
        with self.registry.cursor() as cr, self.registry.cursor() as other:
            env = self.env_of(cr)
            cr.execute("SELECT count(*) FROM stock_channel_quantity")  # the snapshot
            other.execute(
                "UPDATE stock_channel_quantity SET computed_at = now() WHERE channel_id = %s",
                [self.channel_ids[0]],
            )
            other.commit()
            testing, thread.testing = thread.testing, False  # as in the cron worker
            try:
                with mute_logger("odoo.sql_db"):
                    changed = env["stock.channel"]._cron_refresh_quantities()
            finally:
                thread.testing = testing
            self.assertIsNotNone(changed)

    def test_a_channel_that_keeps_losing_its_race_is_left_to_the_next_minute(self):
        """Every try of one channel loses its race with the dispatcher: the run does not
        fail (no traceback), the channels after it are refreshed (one of them after a
        lost race of its own, rolled back), that one is tried again by a run of the cron
        in a minute."""
        thread = threading.current_thread()
        Channel = self.registry["stock.channel"]
        real = Channel._refresh_quantities
        lost, refreshed = [], []
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            warehouse = env["stock.channel"].browse(self.channel_ids[0]).warehouse_id
            others = env["stock.channel"].create(
                [
                    {"name": f"Cron other {n}", "code": f"cron-other-{uuid.uuid4().hex[:8]}",
                     "warehouse_id": warehouse.id, "connector": "generic_json",
                     "endpoint_url": "http://127.0.0.1:9/"}
                    for n in range(2)
                ]
            )  # fmt: skip
            self.channel_ids.extend(others.ids)
            ordered = env["stock.channel"].search([("id", "in", others.ids)]).ids
            cron_id = env.ref("stock_channel_sync.ir_cron_refresh_quantities").id
        losing, flaky = ordered  # in the run's order: the flaky one after the losing one

        def refresh(channel, products=None):
            if channel.id == losing or (channel.id == flaky and flaky not in lost):
                lost.append(channel.id)
                raise SerializationFailure("could not serialize access")
            refreshed.append(channel.id)
            return real(channel, products)

        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [cron_id])
            testing, thread.testing = thread.testing, False  # as in the cron worker
            try:
                with (
                    patch.object(Channel, "_refresh_quantities", refresh),
                    patch.object(publishing, "REFRESH_PAUSE", 0),
                    mute_logger("odoo.addons.stock_channel_sync.models.stock_channel.publishing"),
                ):
                    self.env_of(cr)["stock.channel"]._cron_refresh_quantities()
            finally:
                thread.testing = testing
        self.assertIn(flaky, refreshed, "the channels after it go on")
        with self.registry.cursor() as cr:
            cr.execute("SELECT call_at FROM ir_cron_trigger WHERE cron_id = %s", [cron_id])
            later = [at for (at,) in cr.fetchall()]
            cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [cron_id])
        self.assertTrue(later, "tried again by a run of the cron")
        self.assertGreater(max(later), fields.Datetime.now() + timedelta(seconds=30))

    def test_the_hourly_refresh_commits_a_changed_quantity_with_its_push(self):
        """A channel with a connector (no sources): the refresh commits its changed
        quantities and their pushes together, so a crash right after that commit (before
        the run's next one) loses no push."""
        thread = threading.current_thread()
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            channel = env["stock.channel"].create(
                {"name": "Cron market", "code": f"cron-market-{uuid.uuid4().hex[:8]}",
                 "warehouse_id": env["stock.channel"].browse(self.channel_ids[0]).warehouse_id.id,
                 "connector": "generic_json", "endpoint_url": "http://127.0.0.1:9/"}
            )  # fmt: skip
            self.channel_ids.append(channel.id)
            channel._refresh_quantities(env["product.product"].browse(self.product_ids))
        with self.registry.cursor() as cr:  # a quantity no event announced changes
            cr.execute(
                "UPDATE stock_channel_quantity SET publishable_qty = 99 WHERE channel_id = %s",
                [channel.id],
            )
            cr.execute("DELETE FROM stock_channel_outbox WHERE channel_id = %s", [channel.id])
        with self.registry.cursor() as cr:
            testing, thread.testing = thread.testing, False  # as in the cron worker
            try:
                self.env_of(cr)["stock.channel"].browse(channel.id)._refresh_in_cron()
            finally:
                thread.testing = testing
            cr.rollback()  # the run crashes after the channel's commit
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT product_id FROM stock_channel_outbox WHERE channel_id = %s",
                [channel.id],
            )
            self.assertIn(self.product_ids[0], [row[0] for row in cr.fetchall()])
