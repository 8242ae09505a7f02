"""Access defects found in review (issue 7, items 14 and 15): a view's `groups` hides a
button, it protects nothing over RPC; each test failed before its fix."""

import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OrderCase


@tagged("post_install", "-at_install")
class TestAccess(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            "channel_reader",
            groups="stock_channel_sync.group_channel_user,stock.group_stock_user,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.manager = new_test_user(
            cls.env,
            "channel_boss",
            groups="stock_channel_sync.group_channel_manager,stock.group_stock_user",
        )
        cls.peak = cls.env["stock.channel.policy"].create({"name": "Peak", "policy_type": "peak"})

    def as_user(self, records):
        return records.with_user(self.user)

    def _held_message(self):
        inbound, _status, _answer = self.receive_order(self.order_payload("A-1", [("NOPE", 1)]))
        self.assertEqual(inbound.state, "exception")
        return inbound

    def _dead_letter(self):
        return self.dead_letter()

    def _quarantine_wizard(self, user):
        self.set_stock(self.product, 2, self.quarantine)
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.quarantine.id)]
        )
        return (
            self.env["stock.quarantine.wizard"]
            .with_user(user)
            .with_context(active_model="stock.quant", active_ids=quant.ids)
            .create({"action": "release"})
        )

    def test_defect_14_manager_actions_refuse_a_channel_user(self):
        dead = self._dead_letter()
        held = self._held_message()
        buttons = {
            "switch to peak": lambda: self.as_user(self.policy).action_switch_peak(),
            "back to standard": lambda: self.as_user(self.policy).action_switch_standard(),
            "republish": lambda: self.as_user(self.market).action_republish(),
            "recompute": lambda: self.as_user(self.market).action_refresh_quantities(),
            "replay all": lambda: self.as_user(self.market).action_replay_dead_letters(),
            "push now": lambda: self.as_user(self.market).action_dispatch_now(),
            "replay": lambda: self.as_user(dead).action_replay(),
            "restore": lambda: self.as_user(self.policy.version_ids[:1]).action_restore(),
            "retry message": lambda: self.as_user(held).action_retry(),
            "retry order": lambda: self.as_user(
                self.env["sale.order"].search([], limit=1)
            ).action_channel_retry(),
            "release quarantine": lambda: self._quarantine_wizard(self.user).action_confirm(),
        }
        for name, button in buttons.items():
            with self.subTest(button=name), self.assertRaises(AccessError):
                button()
        self.assertFalse(self.company.channel_peak_active)
        self.assertEqual(dead.state, "dead")

    def test_defect_14_a_manager_may(self):
        dead = self._dead_letter()
        self.policy.with_user(self.manager).action_switch_peak()
        self.assertTrue(self.company.channel_peak_active)
        self.policy.with_user(self.manager).action_switch_standard()
        self.market.with_user(self.manager).action_republish()
        self.assertEqual(self.market.job_ids.mapped("state"), ["queued"])
        self.market.with_user(self.manager).action_refresh_quantities()
        dead.with_user(self.manager).action_replay()
        self.assertEqual(dead.state, "pending")
        self._quarantine_wizard(self.manager).action_confirm()
        self.assertEqual(self.product.with_context(location=self.quarantine.id).qty_available, 0)

    def test_defect_15_what_decides_an_import_is_written_by_the_intake_only(self):
        held = self._held_message()
        refused = self.env["stock.channel.inbound"]._store(
            self.market, "order", json.dumps(self.order_payload("A-2", [("WIDGET", 1)])), {},
            state="rejected", authenticated=False, error="missing or wrong signature",
        )  # fmt: skip
        for user in (self.user, self.manager):
            for vals in ({"authenticated": True}, {"state": "received"}, {"channel_id": False}):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    refused.with_user(user).write(vals)
        self.assertEqual((refused.state, refused.authenticated), ("rejected", False))
        with self.assertRaises(AccessError):
            held.with_user(self.user).write({"body": held.body})
        # a manager corrects a body to retry
        payload = json.loads(held.body)
        payload["lines"][0]["sku"] = "WIDGET"
        held.with_user(self.manager).write({"body": json.dumps(payload)})

    def test_defect_15_the_scheduled_action_never_imports_an_unsigned_message(self):
        self.set_stock(self.product, 3)
        unsigned = self.env["stock.channel.inbound"]._store(
            self.market, "order", json.dumps(self.order_payload("A-3", [("WIDGET", 1)])), {},
            state="received", authenticated=False,
        )  # fmt: skip
        self.env.cr.execute(
            "UPDATE stock_channel_inbound SET received_at = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=1), unsigned.id],
        )
        self.env["stock.channel.inbound"]._cron_process_stale()
        self.assertFalse(self.order_of("A-3"))
        self.assertEqual(unsigned.state, "received")
