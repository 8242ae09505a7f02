"""The what-if of a policy change against real Odoo, on a constructed catalogue (one
warehouse, 3 channels: Web, Store, Market, in that id order):

- stock: Widget 405, Gadget 46, Doohickey 10;
- confirmed orders (their deliveries reserve the units): Market 90 Widgets 10 days ago
  and 15 Widgets 40 days ago (outside the 30 days), Web 180 Widgets 2 days ago, Store 6
  Gadgets 20 days ago; sellable: Widget 405 - 285 = 120, Gadget 40, Doohickey 10;
  sold per day (30 days): Market Widget 3, Web Widget 6, Store Gadget 0.2;
- the policy: Market 10 %; Web and Store no rule (everything);
- the draft: Market 100 %, Web 30 %, Store's Doohickey at a minimum of 20 (so 0).

Before: Web 120/40/10, Store 120/40/10, Market 12/4/1.
After: Web 36/12/3, Store 120/40/0, Market 120/40/10.
"""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.stock_channel_outbox.enqueue import PRECOMMIT_KEY
from ..models.stock_channel_whatif import compute as whatif_compute
from ..models.stock_channel_whatif.compute import BACKGROUND_PARAM
from .common import ChannelStockCase

MANAGER = "stock_channel_sync.group_channel_manager,stock.group_stock_user"


@tagged("post_install", "-at_install")
class TestWhatif(ChannelStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_c = cls._create_product("Doohickey", "DOOHICKEY")
        ours = (cls.product | cls.product_b | cls.product_c).ids
        cls.env["product.product"].search(
            [("is_storable", "=", True), ("id", "not in", ours)]
        ).active = False  # the catalogue is exactly ours
        cls.manager = new_test_user(cls.env, "whatif_manager", groups=MANAGER)
        cls.user = new_test_user(
            cls.env, "whatif_user", groups="stock_channel_sync.group_channel_user"
        )

    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 405)
        self.set_stock(self.product_b, 46)
        self.set_stock(self.product_c, 10)
        self.sell(self.market, self.product, 90, days_ago=10)
        self.sell(self.market, self.product, 15, days_ago=40)
        self.sell(self.web, self.product, 180, days_ago=2)
        self.sell(self.pos, self.product_b, 6, days_ago=20)
        self.add_rule(self.market, share_percent=10)

    def sell(self, channel, product, qty, days_ago):
        order = self.env["sale.order"].create({
            "partner_id": self.partner.id, "channel_id": channel.id,
            "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})],
        })  # fmt: skip
        order.action_confirm()
        order.date_order = fields.Datetime.now() - timedelta(days=days_ago)
        return order

    def start(self, policy=None):
        action = (policy or self.policy).with_user(self.manager).action_change_rules()
        return self.env["stock.channel.whatif"].with_user(self.manager).browse(action["res_id"])

    def change_draft(self, whatif):
        """Market 100 %, Web 30 %, Store's Doohickey at a minimum of 20: through the
        what-if's draft rules, as the form writes them."""
        market = whatif.rule_ids.filtered(lambda rule: rule.channel_id == self.market)
        whatif.write({
            "rule_ids": [
                Command.update(market.id, {"share_percent": 100}),
                Command.create({"channel_id": self.web.id, "scope": "all", "share_percent": 30}),
                Command.create({"channel_id": self.pos.id, "scope": "variant",
                                "product_id": self.product_c.id, "min_publish_threshold": 20}),
            ]
        })  # fmt: skip

    def computed(self):
        whatif = self.start()
        self.change_draft(whatif)
        whatif.action_compute()
        return whatif

    def line(self, whatif, channel):
        return whatif.channel_line_ids.filtered(lambda line: line.channel_id == channel)

    def figures(self, line):
        names = [
            "variant_count", "up_count", "down_count", "to_zero_count", "from_zero_count",
            "units_before", "units_after", "moved_in", "moved_out", "moved_to",
            "stockouts_before", "stockouts_after",
        ]  # fmt: skip
        return {name: line[name] for name in names}

    # -- the figures ---------------------------------------------------------------------

    def test_the_figures_of_a_rules_change_per_channel(self):
        whatif = self.computed()
        self.assertEqual(whatif.state, "computed")
        self.assertEqual(
            self.figures(self.line(whatif, self.web)),
            {"variant_count": 3, "up_count": 0, "down_count": 3, "to_zero_count": 0,
             "from_zero_count": 0, "units_before": 170, "units_after": 51, "moved_in": 0,
             "moved_out": 119, "moved_to": "Market 119", "stockouts_before": 0,
             "stockouts_after": 1},
        )  # fmt: skip
        self.assertEqual(
            self.figures(self.line(whatif, self.pos)),
            {"variant_count": 3, "up_count": 0, "down_count": 1, "to_zero_count": 1,
             "from_zero_count": 0, "units_before": 170, "units_after": 160, "moved_in": 0,
             "moved_out": 2, "moved_to": "Market 2", "stockouts_before": 0,
             "stockouts_after": 0},
        )  # fmt: skip
        self.assertEqual(
            self.figures(self.line(whatif, self.market)),
            {"variant_count": 3, "up_count": 3, "down_count": 0, "to_zero_count": 0,
             "from_zero_count": 0, "units_before": 17, "units_after": 170, "moved_in": 121,
             "moved_out": 0, "moved_to": False, "stockouts_before": 1,
             "stockouts_after": 0},
        )  # fmt: skip
        self.assertEqual(
            whatif.moves, [[self.web.id, self.market.id, 119], [self.pos.id, self.market.id, 2]]
        )

    def test_days_of_cover_from_the_last_30_days_of_sales(self):
        whatif = self.computed()
        web, pos, market = (self.line(whatif, ch) for ch in (self.web, self.pos, self.market))
        self.assertAlmostEqual(web.sales_per_day, 6.0)
        self.assertAlmostEqual(web.cover_before, 170 / 6)
        self.assertAlmostEqual(web.cover_after, 51 / 6)
        self.assertAlmostEqual(pos.sales_per_day, 0.2)
        self.assertAlmostEqual(pos.cover_before, 850.0)
        self.assertAlmostEqual(pos.cover_after, 800.0)
        self.assertAlmostEqual(market.sales_per_day, 3.0, msg="the order of 40 days ago left out")
        self.assertAlmostEqual(market.cover_before, 17 / 3)
        self.assertAlmostEqual(market.cover_after, 170 / 3)
        self.assertTrue(all(whatif.channel_line_ids.mapped("sells")))

    def test_oversell_risk_and_changed_rows(self):
        whatif = self.computed()
        # before: 252 - 120, 84 - 40, 21 - 10; after: 276 - 120, 92 - 40, 13 - 10
        self.assertEqual((whatif.oversell_before, whatif.oversell_after), (187, 211))
        self.assertEqual((whatif.oversell_variants_before, whatif.oversell_variants_after), (3, 3))
        self.assertEqual((whatif.variant_count, whatif.change_count), (3, 7))
        rows = {
            (change.channel_id, change.product_id): (change.qty_before, change.qty_after)
            for change in whatif.change_ids
        }
        self.assertEqual(
            rows,
            {(self.web, self.product): (120, 36), (self.web, self.product_b): (40, 12),
             (self.web, self.product_c): (10, 3), (self.pos, self.product_c): (10, 0),
             (self.market, self.product): (12, 120), (self.market, self.product_b): (4, 40),
             (self.market, self.product_c): (1, 10)},
        )  # fmt: skip

    def test_the_horizon_of_the_stockouts_is_a_setting_of_the_whatif(self):
        whatif = self.start()
        self.change_draft(whatif)
        whatif.horizon_days = 5  # the market's Widget before: 4 days; the web's after: 6
        whatif.action_compute()
        self.assertEqual(self.line(whatif, self.market).stockouts_before, 1)
        self.assertEqual(self.line(whatif, self.web).stockouts_after, 0)

    # -- the draft ---------------------------------------------------------------------------

    def test_the_draft_is_hidden_never_in_force_and_publishes_nothing(self):
        whatif = self.start()
        draft = whatif.draft_id
        self.assertEqual(draft.draft_of_id, self.policy)
        self.assertFalse(draft.active)
        self.assertFalse(draft.version_ids, "a draft records no version")
        self.env.cr.precommit.data.pop(PRECOMMIT_KEY, None)
        versions = self.policy.version
        self.change_draft(whatif)
        self.assertFalse(self.env.cr.precommit.data.get(PRECOMMIT_KEY), "nothing republished")
        self.assertEqual(self.policy.version, versions)
        self.assertEqual(self.env["stock.channel.policy"]._in_force(self.company), self.policy)
        self.assertEqual(self.publishable(self.market), 12, "the policy in force still")
        Policy = self.env["stock.channel.policy"].with_context(active_test=False)
        self.assertNotIn(draft, Policy.search(self.policy_action_domain()))

    def test_a_context_sent_over_rpc_never_puts_the_draft_in_force(self):
        whatif = self.start()
        self.change_draft(whatif)
        draft = whatif.sudo().draft_id
        for user in (self.manager, self.user):
            forged = {"scs_policy_in_force": draft.id}  # what a JSON-RPC call can send
            Policy = self.env["stock.channel.policy"].with_user(user).with_context(**forged)
            with self.subTest(user=user.login):
                self.assertEqual(Policy._in_force(self.company), self.policy)
                self.assertEqual(Policy.sudo()._in_force(self.company), self.policy)
                product = self.product.with_user(user).with_context(
                    channel_id=self.market.id, **forged
                )
                self.assertEqual(product.publishable_qty, 12, "the policy in force's 10 %")

    def policy_action_domain(self):
        action = self.env.ref("stock_channel_sync.action_stock_channel_policy")
        return fields.Domain(safe_eval(action.domain))

    # -- apply and discard -----------------------------------------------------------------

    def test_apply_writes_the_drafts_rules_as_one_version_linked_to_the_whatif(self):
        whatif = self.computed()
        draft = whatif.draft_id
        versions = self.policy.version
        self.env.cr.precommit.data.pop(PRECOMMIT_KEY, None)
        whatif.action_apply()
        self.assertEqual(whatif.state, "applied")
        self.assertEqual(self.policy.version, versions + 1, "one new version")
        version = self.policy.version_ids[0]
        self.assertEqual(version.note, f"Applied what-if #{whatif.id}")
        self.assertEqual(version.whatif_id, whatif)
        self.assertEqual(whatif.version_id, version)
        self.assertEqual(version.author_id, self.manager)
        self.assertFalse(draft.exists(), "the draft is deleted")
        self.assertEqual(
            sorted((r.channel_id.code, r.scope, r.share_percent) for r in self.policy.rule_ids),
            [("market", "all", 100), ("store", "variant", 100), ("web", "all", 30)],
        )
        pending = self.env.cr.precommit.data[PRECOMMIT_KEY]["channel"]
        self.assertEqual(set(pending), set(self.channels.ids), "every channel republished")
        self.assertEqual(
            [self.publishable(ch, p) for ch in (self.web, self.pos, self.market)
             for p in (self.product, self.product_c)],
            [36, 3, 120, 0, 120, 10],
        )  # fmt: skip

    def test_discard_changes_nothing_and_keeps_the_whatif(self):
        whatif = self.computed()
        draft = whatif.draft_id
        versions, snapshot = self.policy.version, self.policy._snapshot()
        whatif.action_discard()
        self.assertEqual(whatif.state, "discarded")
        self.assertFalse(draft.exists())
        self.assertTrue(whatif.exists())
        self.assertEqual((self.policy.version, self.policy._snapshot()), (versions, snapshot))
        self.assertEqual(self.publishable(self.market), 12)
        with self.assertRaises(UserError):
            whatif.action_apply()

    def test_apply_refuses_figures_computed_before_a_change_of_the_draft(self):
        whatif = self.computed()
        whatif.rule_ids.filtered(lambda r: r.channel_id == self.web).share_percent = 40
        with self.assertRaisesRegex(UserError, "compute again"):
            whatif.action_apply()
        whatif.action_compute()
        whatif.action_apply()
        self.assertEqual(self.publishable(self.web), 48)

    def test_direct_rule_edits_keep_working(self):
        versions = self.policy.version
        self.policy.rule_ids.share_percent = 20
        self.assertEqual(self.policy.version, versions + 1)
        self.assertEqual(self.publishable(self.market), 24)

    # -- the peak switch -----------------------------------------------------------------

    def test_the_peak_switch_opens_its_whatif_and_apply_switches(self):
        peak = self.env["stock.channel.policy"].create({"name": "Peak", "policy_type": "peak"})
        self.add_rule(self.web, policy=peak, share_percent=50)
        action = self.policy.with_user(self.manager).action_whatif_peak()
        whatif = self.env["stock.channel.whatif"].with_user(self.manager).browse(action["res_id"])
        self.assertEqual(
            (whatif.kind, whatif.policy_id, whatif.after_policy_id), ("peak_on", self.policy, peak)
        )
        self.assertFalse(self.company.channel_peak_active, "nothing switched yet")
        whatif.action_compute()
        # before: Web 120/40/10, Market 12/4/1; after (peak): Web 60/20/5, Market 120/40/10
        web, market = self.line(whatif, self.web), self.line(whatif, self.market)
        self.assertEqual((web.units_before, web.units_after, web.moved_out), (170, 85, 85))
        self.assertEqual((market.units_before, market.units_after, market.moved_in), (17, 170, 85))
        self.assertEqual(
            self.line(whatif, self.pos).up_count + self.line(whatif, self.pos).down_count, 0
        )
        whatif.action_apply()
        self.assertTrue(self.company.channel_peak_active)
        self.assertEqual(self.publishable(self.web), 60)
        back = self.env["stock.channel.whatif"].browse(
            peak.with_user(self.manager).action_whatif_standard()["res_id"]
        )
        self.assertEqual((back.kind, back.policy_id, back.after_policy_id),
                         ("peak_off", peak, self.policy))  # fmt: skip

    def test_switching_to_peak_needs_a_peak_policy(self):
        with self.assertRaisesRegex(UserError, "peak-period policy"):
            self.policy.with_user(self.manager).action_whatif_peak()

    # -- access --------------------------------------------------------------------------

    def test_every_button_is_the_managers(self):
        whatif = self.computed()
        as_user = whatif.with_user(self.user)
        buttons = {
            "change rules": lambda: self.policy.with_user(self.user).action_change_rules(),
            "switch to peak": lambda: self.policy.with_user(self.user).action_whatif_peak(),
            "compute": as_user.action_compute,
            "apply": as_user.action_apply,
            "discard": as_user.action_discard,
        }
        for name, button in buttons.items():
            with self.subTest(button=name), self.assertRaises(AccessError):
                button()
        self.assertEqual(whatif.state, "computed")

    def test_another_companys_manager_can_neither_read_nor_apply_it(self):
        company_b, manager_b = self.second_company()
        whatif = self.computed()
        self.env.invalidate_all()
        as_b = whatif.with_user(manager_b).with_context(allowed_company_ids=company_b.ids)
        Whatif = self.env["stock.channel.whatif"].with_user(manager_b)
        self.assertFalse(Whatif.with_context(allowed_company_ids=company_b.ids).search([]))
        for name, call in {
            "read": lambda: as_b.read(["state"]),
            "compute": as_b.action_compute,
            "apply": as_b.action_apply,
            "discard": as_b.action_discard,
            "changes": lambda: as_b.change_ids.read(["qty_after"]),
        }.items():
            with self.subTest(call=name), self.assertRaises(AccessError):
                call()
            self.env.invalidate_all()
        self.assertEqual(whatif.sudo().state, "computed")
        Change = self.env["stock.channel.whatif.change"].with_user(manager_b)
        self.assertFalse(Change.with_context(allowed_company_ids=company_b.ids).search([]))

    def test_a_draft_rule_cannot_name_another_companys_channel(self):
        company_b, _manager_b = self.second_company()
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        market_b = self.env["stock.channel"].create({
            "name": "Market B", "code": "market_b", "channel_type": "marketplace",
            "company_id": company_b.id, "warehouse_id": warehouse_b.id,
        })  # fmt: skip
        whatif = self.start()
        with self.assertRaises(UserError):  # the company check, or the rule's constraint
            whatif.write(
                {"rule_ids": [Command.create({"channel_id": market_b.id, "share_percent": 5})]}
            )
            whatif.rule_ids.flush_recordset()
        self.assertNotIn(market_b, whatif.sudo().draft_id.rule_ids.channel_id)

    def test_a_forged_whatif_over_rpc_is_refused(self):
        whatif = self.computed()
        peak = self.env["stock.channel.policy"].create({"name": "Peak", "policy_type": "peak"})
        Whatif = self.env["stock.channel.whatif"].with_user(self.manager)
        with self.assertRaises(AccessError):
            Whatif.create({"company_id": self.company.id, "policy_id": self.policy.id,
                           "draft_id": peak.id, "after_policy_id": peak.id})  # fmt: skip
        for vals in ({"draft_id": peak.id}, {"state": "computed"}, {"variant_count": 1}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                whatif.write(vals)
        with self.assertRaises(AccessError):
            whatif.change_ids.with_user(self.manager).write({"qty_after": 999})
        whatif.write({"horizon_days": 9})  # its form's field
        self.assertEqual((whatif.sudo().draft_id.draft_of_id, whatif.horizon_days),
                         (self.policy, 9))  # fmt: skip
        whatif.action_compute()
        whatif.action_apply()
        with self.assertRaisesRegex(UserError, "while it is open"):
            whatif.write({"horizon_days": 3})  # the record of what was applied
        self.assertEqual(whatif.horizon_days, 9)
        with self.assertRaisesRegex(UserError, "stays with the version"):
            whatif.unlink()
        self.assertEqual(self.policy.version_ids[0].whatif_id, whatif)

    # -- in the background -----------------------------------------------------------------

    def test_a_large_catalogue_computes_in_a_background_job(self):
        self.env["ir.config_parameter"].set_param(BACKGROUND_PARAM, "2")
        whatif = self.start()
        self.change_draft(whatif)
        answer = whatif.action_compute()
        self.assertEqual(answer["tag"], "display_notification", "nothing computed in the request")
        job = whatif.job_id
        self.assertRecordValues(whatif, [{"state": "computing", "channel_line_ids": []}])
        self.assertRecordValues(job, [{"kind": "whatif", "state": "queued", "total": 3,
                                       "company_id": self.company.id}])  # fmt: skip
        self.assertIn("Compute a what-if: 0 / 3", whatif.job_summary)
        with self.assertRaisesRegex(UserError, "being computed"):
            whatif.action_compute()
        with self.assertRaisesRegex(UserError, "Compute the what-if"):
            whatif.action_apply()
        with patch.object(whatif_compute, "CHUNK", 2):
            self.run_jobs()
        self.assertRecordValues(job, [{"state": "done", "done": 3, "total": 3}])
        self.assertEqual(whatif.state, "computed")
        self.assertEqual(
            (self.line(whatif, self.web).units_after, self.line(whatif, self.market).units_after),
            (51, 170),
        )
        whatif.action_apply()
        self.assertEqual(self.publishable(self.web), 36)

    def test_a_whatif_discarded_while_computing_stays_discarded(self):
        self.env["ir.config_parameter"].set_param(BACKGROUND_PARAM, "0")
        whatif = self.start()
        whatif.action_compute()
        whatif.action_discard()
        self.run_jobs()
        self.assertEqual((whatif.state, whatif.channel_line_ids.ids), ("discarded", []))

    # -- the drafts left behind ----------------------------------------------------------

    def age(self, records, days):
        records.flush_recordset()
        self.env.cr.execute(
            f"UPDATE {records._table} SET write_date = now() at time zone 'utc' "
            "- make_interval(days => %s) WHERE id = ANY(%s)",
            [days, records.ids],
        )
        records.invalidate_recordset()

    def test_drafts_untouched_for_30_days_are_discarded_by_the_autovacuum(self):
        old, recent, edited = self.start(), self.start(), self.start()
        orphan = self.start()
        orphan_draft = orphan.sudo().draft_id
        orphan.unlink()
        for whatif in (old, edited):
            self.age(whatif, 31)
            self.age(whatif.sudo().draft_id, 31)
            self.age(whatif.sudo().draft_id.rule_ids, 31)
        self.age(orphan_draft, 31)
        self.age(recent, 29)
        drafts = {w: w.sudo().draft_id for w in (old, recent, edited)}
        edited.rule_ids.share_percent = 20  # its draft touched yesterday... today
        self.env["stock.channel.whatif"]._gc_untouched_drafts()
        self.env.invalidate_all()
        self.assertEqual((old.state, drafts[old].exists()), ("discarded", drafts[old].browse()))
        for kept in (recent, edited):
            self.assertEqual((kept.state, kept.sudo().draft_id), ("draft", drafts[kept]))
        self.assertFalse(orphan_draft.exists(), "a draft whose what-if was deleted goes too")
        self.assertEqual(self.env["stock.channel.policy"]._in_force(self.company), self.policy)

    def test_a_draft_deleted_by_hand_says_so_and_can_be_discarded(self):
        whatif = self.computed()
        whatif.sudo().draft_id.with_user(self.manager).unlink()
        self.env.invalidate_all()
        self.assertTrue(whatif.gone)
        for name, button in {
            "compute": whatif.action_compute,
            "apply": whatif.action_apply,
        }.items():
            with self.subTest(button=name), self.assertRaisesRegex(UserError, "draft.*is gone"):
                button()
        whatif.read(["name", "state", "rule_ids", "channel_line_ids"])  # the form opens
        whatif.action_discard()
        self.assertEqual(whatif.state, "discarded")
        self.assertFalse(whatif.gone)


@tagged("post_install", "-at_install")
class TestWhatifTour(HttpCase, ChannelStockCase):
    """In Chromium, a manager opens the what-if of a change of the standard policy
    (Market 50 % -> 100 % of 10 Widgets), computes it, reads the market going from 5 to
    10, and applies it: version 3, linked to the what-if."""

    def test_a_manager_computes_and_applies_the_whatif_of_a_rules_change(self):
        manager = new_test_user(self.env, "whatif_tour", password="whatif_tour", groups=MANAGER)
        self.set_stock(self.product, 10)
        self.add_rule(self.market, share_percent=50)
        self.assertEqual(self.policy.version, 2)
        url = f"/odoo/action-stock_channel_sync.action_stock_channel_policy/{self.policy.id}"
        self.start_tour(url, "stock_channel_sync_whatif", login=manager.login)
        whatif = self.env["stock.channel.whatif"].search([("policy_id", "=", self.policy.id)])
        self.assertEqual(whatif.state, "applied")
        self.policy.invalidate_recordset()
        self.assertEqual(self.policy.version, 3)
        self.assertEqual(self.policy.version_ids[0].whatif_id, whatif)
        self.assertEqual(self.publishable(self.market), 10)
        self.assertFalse(whatif.draft_id)
