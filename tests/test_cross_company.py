"""Two companies: a channel manager of company B, passing company A's ids over RPC, is
refused every manager action on A's records (AccessError) and nothing of A changes; the
buttons work in superuser mode after their check, where no record rule applies. Each
call is made as over RPC: a fresh cache, the user working in company B."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ALERT_DEFAULTS, OrderCase

DISPATCH_CRON = "stock_channel_sync.ir_cron_dispatch"


@tagged("post_install", "-at_install")
class TestCrossCompany(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b, cls.manager_b = cls.second_company()
        cls.company.write(ALERT_DEFAULTS)

    def as_b(self, records):
        """`records` as company B's manager reaches them over RPC."""
        self.env.invalidate_all()
        return records.with_user(self.manager_b).with_context(
            allowed_company_ids=self.company_b.ids
        )

    def refused(self, call):
        with self.assertRaises(AccessError):
            call()
        self.env.invalidate_all()

    # -- company A's records --------------------------------------------------------------

    def dead_letter(self, channel=None):
        return self.env["stock.channel.outbox"].create({
            "channel_id": (channel or self.market).id, "product_id": self.product.id,
            "state": "dead", "dead_at": fields.Datetime.now(), "last_error": "refused",
        })  # fmt: skip

    def drift(self, **vals):
        return self.env["stock.channel.drift"].create({
            "channel_id": self.market.id, "sku": "WIDGET", "product_id": self.product.id,
            "cause": "channel_edit", "channel_qty": 7, **vals,
        })  # fmt: skip

    def jobs(self, channel):
        return self.env["stock.channel.job"].search([("channel_id", "=", channel.id)])

    def held_order(self, ref):
        """An order of A held for a shortfall, that a retry would now take."""
        inbound, _status, _answer = self.receive_order(self.order_payload(ref, [("WIDGET", 1)]))
        self.set_stock(self.product, 5)
        return self.order_of(ref), inbound

    # -- outbox ------------------------------------------------------------------------------

    def test_another_companys_manager_cannot_replay_its_dead_letters(self):
        dead = self.dead_letter()
        self.refused(lambda: self.as_b(dead).action_replay())
        self.assertEqual(dead.state, "dead")
        dead.action_replay()  # company A's own manager may
        self.assertEqual(dead.state, "pending")

    def test_another_companys_manager_cannot_replay_all_dead_letters_of_its_channel(self):
        dead = self.dead_letter()
        self.refused(lambda: self.as_b(self.market).action_replay_dead_letters())
        Outbox = self.env["stock.channel.outbox"]
        self.refused(lambda: self.as_b(Outbox).action_replay_all([self.market.id]))
        self.assertEqual(dead.state, "dead")

    # -- orders ------------------------------------------------------------------------------

    def test_another_companys_manager_cannot_retry_its_held_orders(self):
        order, inbound = self.held_order("XC-1")
        self.assertEqual(order.state, "draft")
        self.refused(lambda: self.as_b(order).action_channel_retry())
        self.assertEqual((order.state, inbound.state), ("draft", "exception"))
        order.action_channel_retry()
        self.assertEqual(order.state, "sale")

    def test_another_companys_manager_cannot_retry_its_held_messages(self):
        _order, inbound = self.held_order("XC-2")
        self.refused(lambda: self.as_b(inbound).action_retry())
        self.assertEqual(inbound.state, "exception")

    def test_another_companys_manager_cannot_poll_its_orders(self):
        self.refused(lambda: self.as_b(self.shop).action_poll_orders())
        self.assertFalse(self.shop.order_polled_at)

    def test_another_companys_manager_cannot_generate_demo_orders_on_its_channel(self):
        self.set_stock(self.product, 5)
        self.dispatch(until_empty=True)  # published: the channel shows something to order
        self.refused(lambda: self.as_b(self.market).action_generate_orders())
        self.assertFalse(self.sim.order_runs())

    # -- drift and reconciliation ------------------------------------------------------------

    def test_another_companys_manager_cannot_correct_its_drift_now(self):
        self.set_stock(self.product, 5)
        drift = self.drift()
        self.refused(lambda: self.as_b(drift).action_correct())
        self.assertFalse(drift.correcting)
        self.assertFalse(self.outbox(self.market).filtered("force"))  # no correction queued
        drift.action_correct()
        self.assertTrue(self.outbox(self.market).filtered("force"))

    def test_another_companys_manager_cannot_accept_its_drift(self):
        drift = self.drift(note="the marketplace keeps its own stock")
        self.refused(lambda: self.as_b(drift).action_accept())
        self.assertEqual(drift.state, "open")

    def test_another_companys_manager_cannot_reconcile_its_channel(self):
        self.refused(lambda: self.as_b(self.market).action_reconcile_now())
        self.assertFalse(self.jobs(self.market))

    # -- alerts, incidents -------------------------------------------------------------------

    def test_another_companys_manager_cannot_check_alerts_on_its_channels(self):
        self.env["stock.channel.outbox"].create({
            "channel_id": self.market.id, "product_id": self.product.id, "state": "pending",
            "event_at": fields.Datetime.now() - timedelta(minutes=14),
            "next_attempt_at": fields.Datetime.now(),
        })  # fmt: skip
        Alert = self.env["stock.channel.alert"]
        self.refused(lambda: self.as_b(self.market).action_check_alerts())
        self.assertFalse(Alert.search([("channel_id", "=", self.market.id)]))
        self.market.action_check_alerts()
        self.assertTrue(Alert.search([("channel_id", "=", self.market.id)]))

    def test_another_companys_manager_cannot_resolve_its_oversell_incidents(self):
        incident = self.env["stock.channel.incident"].create({
            "channel_id": self.market.id, "product_id": self.product.id, "order_ref": "XC-3",
            "qty_short": 1, "cause": "unknown", "resolution": "restocked",
        })  # fmt: skip
        self.refused(lambda: self.as_b(incident).action_resolve())
        self.assertFalse(incident.resolved_at)

    # -- secrets ----------------------------------------------------------------------------

    def test_no_manager_reads_a_channels_access_token(self):
        """A channel's access token (a marketplace's bearer token) is read by the workers'
        SQL only: no manager reads it over RPC, of another company or their own."""
        self.env["stock.channel.token"].create(
            {"channel_id": self.market.id, "access_token": "live-bearer", "expires_at": 9e9}
        )
        self.refused(lambda: self.as_b(self.env["stock.channel.token"]).search_read([]))
        own = self.env["stock.channel.token"].with_user(self.manager_b)
        self.refused(lambda: own.search_read([], ["access_token"]))

    # -- channel buttons and jobs ------------------------------------------------------------

    def test_another_companys_manager_cannot_republish_its_channel(self):
        self.refused(lambda: self.as_b(self.market).action_republish())
        self.assertFalse(self.jobs(self.market))

    def test_another_companys_manager_cannot_import_its_channels_mapping(self):
        self.refused(lambda: self.as_b(self.shop).action_import_mapping())
        self.assertFalse(self.jobs(self.shop))

    def test_another_companys_manager_cannot_recompute_its_quantities(self):
        self.set_stock(self.product, 5)
        Quantity = self.env["stock.channel.quantity"]
        Quantity.search([("channel_id", "=", self.market.id)]).unlink()
        self.refused(lambda: self.as_b(self.market).action_refresh_quantities())
        self.assertFalse(Quantity.search([("channel_id", "=", self.market.id)]))

    def test_another_companys_manager_cannot_wake_its_dispatcher(self):
        cron = self.env.ref(DISPATCH_CRON)
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        self.refused(lambda: self.as_b(self.market).action_dispatch_now())
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before)

    # -- policies ------------------------------------------------------------------------------

    def test_another_companys_manager_cannot_switch_it_to_peak_mode(self):
        peak = self.env["stock.channel.policy"].create({"name": "Peak", "policy_type": "peak"})
        self.refused(lambda: self.as_b(peak).action_switch_peak())
        self.assertFalse(self.company.channel_peak_active)

    def test_another_companys_manager_cannot_switch_it_back_to_standard(self):
        self.env["stock.channel.policy"].create({"name": "Peak", "policy_type": "peak"})
        self.policy.action_switch_peak()
        self.refused(lambda: self.as_b(self.policy).action_switch_standard())
        self.assertTrue(self.company.channel_peak_active)

    def test_another_companys_manager_cannot_restore_its_policy_versions(self):
        self.add_rule(self.market, safety_buffer=1)
        first = self.policy.version_ids.filtered(lambda version: version.version == 1)
        self.refused(lambda: self.as_b(first).action_restore())
        self.assertEqual(self.policy.rule_ids.mapped("safety_buffer"), [1])

    # -- quarantine ----------------------------------------------------------------------------

    def test_another_companys_manager_cannot_release_its_quarantined_stock(self):
        self.set_stock(self.product, 2, self.quarantine)
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.quarantine.id)]
        )

        def release():
            wizard = self.as_b(self.env["stock.quarantine.wizard"]).create({
                "action": "release",
                "line_ids": [Command.create({"quant_id": quant.id, "quantity": 2})],
            })  # fmt: skip
            wizard.action_confirm()

        self.refused(release)
        self.assertEqual(quant.quantity, 2)

    # -- the rules are the companies the user works in ---------------------------------------

    def test_a_manager_of_both_companies_acts_on_the_company_it_works_in(self):
        both = new_test_user(
            self.env, "manager_ab", groups="stock_channel_sync.group_channel_manager",
            company_id=self.company_b.id, company_ids=(self.company | self.company_b).ids,
        )  # fmt: skip
        dead = self.dead_letter()
        self.env.invalidate_all()
        in_b = dead.with_user(both).with_context(allowed_company_ids=self.company_b.ids)
        self.refused(in_b.action_replay)
        self.assertEqual(dead.state, "dead")
        companies = (self.company_b | self.company).ids
        dead.with_user(both).with_context(allowed_company_ids=companies).action_replay()
        self.assertEqual(dead.state, "pending")

    def test_a_companys_manager_still_acts_on_its_own_companys_records(self):
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_b.id)], limit=1
        )
        market_b = self.env["stock.channel"].create({
            "name": "Market B", "code": "market_b", "channel_type": "marketplace",
            "company_id": self.company_b.id, "warehouse_id": warehouse_b.id,
        })  # fmt: skip
        dead = self.dead_letter(market_b)
        self.as_b(dead).action_replay()
        self.assertEqual(dead.state, "pending")
        self.assertTrue(self.as_b(market_b).action_check_alerts())
        self.as_b(market_b).action_republish()
        self.assertEqual(self.jobs(market_b).mapped("state"), ["queued"])
