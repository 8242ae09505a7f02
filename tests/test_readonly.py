"""The read-only entry points: the overview's cards and their links, the Products x
Channels grid, the reports and the reconciliation's runs and drifts are answered on a
read-only cursor (Odoo sends it to the replica when there is one: --db_replica_host).

Each is called as the web client does, through /web/dataset/call_kw, as a stock manager:
the method must be marked read-only (api.readonly: call_kw opens a read-only cursor for
it) and must not write (a write on a read-only transaction fails; Odoo then logs a
warning and runs the call again on the primary: the test fails on that warning). Two
companies: each manager reads its own company's channels only."""

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .test_grid import MANAGER_GROUPS, GridCase

OVERVIEW_ACTIONS = (
    "action_overview_pending",
    "action_overview_dead_letters",
    "action_overview_latency",
    "action_overview_exceptions",
    "action_overview_orders_today",
    "action_overview_quantities",
    "action_overview_reconcile_runs",
    "action_overview_channel",
)
REPORTS = (
    "stock.channel.latency.report",
    "stock.channel.failure.report",
    "stock.channel.dead.letter.report",
    "stock.channel.reconcile",
    "stock.channel.drift",
    "stock.channel.quantity",
    "stock.channel.sync.log",
)


@tagged("post_install", "-at_install")
class TestReadOnlyEntryPoints(HttpCase, GridCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "ro_manager", password="ro_manager", groups=MANAGER_GROUPS
        )
        cls.company_b, cls.manager_b = cls.second_company("ro_manager_b")
        warehouse_b = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_b.id)], limit=1
        )
        cls.market_b = (
            cls.env["stock.channel"]
            .with_company(cls.company_b)
            .create(
                {
                    "name": "Market B",
                    "code": "market_b",
                    "channel_type": "marketplace",
                    "company_id": cls.company_b.id,
                    "warehouse_id": warehouse_b.id,
                }
            )
        )

    def setUp(self):
        super().setUp()
        self.publish(self.market, self.product, 5)
        self.env["stock.channel.sync.log"].create(
            {
                "channel_id": self.market.id,
                "state": "done",
                "sent_at": fields.Datetime.now(),
                "acked_at": fields.Datetime.now(),
                "latency_ms": 120,
                "push_kind": "live",
            }
        )

    def call(self, model, method, *args, **kwargs):
        """`model.method(*args, **kwargs)` through call_kw as the logged-in user: read-only
        (marked so), and no write tried (no retry on a read/write cursor)."""
        function = getattr(type(self.env[model]), method)
        self.assertTrue(getattr(function, "_readonly", False), f"{model}.{method} read-only")
        with self.assertNoLogs("odoo.http", "WARNING"):
            return self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{model}.{method}",
                {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
            )

    def test_overview_cards_and_their_links(self):
        self.authenticate("ro_manager", "ro_manager")
        names = [name for name in self.env["stock.channel"]._fields if name.startswith("overview_")]
        cards = self.call(
            "stock.channel",
            "web_search_read",
            domain=[],
            specification={name: {} for name in ["name", *names]},
        )
        by_name = {card["name"]: card for card in cards["records"]}
        self.assertIn("Market", by_name)
        self.assertNotIn("Market B", by_name)  # company B's
        self.assertTrue(by_name["Market"]["overview_health"])
        for method in OVERVIEW_ACTIONS:
            action = self.call("stock.channel", method, [self.market.id])
            self.assertTrue(action.get("res_model"), method)

    def test_grid_page_total_and_explain(self):
        self.authenticate("ro_manager", "ro_manager")
        page = self.call("stock.channel.grid", "get_page", offset=0, limit=80)
        channels = {channel["name"] for channel in page["channels"]}
        self.assertIn("Market", channels)
        self.assertNotIn("Market B", channels)
        row = next(row for row in page["rows"] if row["id"] == self.product.id)
        self.assertEqual(row["cells"][str(self.market.id)]["qty"], 5)
        grouped = self.call(
            "stock.channel.grid", "get_page", filters=["at_zero"], group_by="category"
        )
        self.assertIn("groups", grouped)
        total = self.call("stock.channel.grid", "get_total")
        self.assertGreaterEqual(total, len(page["rows"]))
        explain = self.call("stock.channel.grid", "get_explain", self.product.id, self.market.id)
        self.assertEqual(explain["published"], 5)

    def test_reports_and_reconciliation(self):
        self.authenticate("ro_manager", "ro_manager")
        for model in REPORTS:
            self.call(model, "web_search_read", domain=[], specification={"id": {}})
            self.call(model, "formatted_read_group", domain=[], groupby=["channel_id"])
        latency = self.call(
            "stock.channel.latency.report",
            "formatted_read_group",
            domain=[],
            groupby=["channel_id"],
            aggregates=["__count"],
        )
        self.assertIn(self.market.id, [group["channel_id"][0] for group in latency])

    def test_second_company_reads_its_own(self):
        self.authenticate("ro_manager_b", "ro_manager_b")
        page = self.call("stock.channel.grid", "get_page", offset=0, limit=80)
        self.assertEqual([c["name"] for c in page["channels"]], ["Market B"])
        cards = self.call("stock.channel", "web_search_read", domain=[], specification={"name": {}})
        self.assertEqual([card["name"] for card in cards["records"]], ["Market B"])
        latency = self.call(
            "stock.channel.latency.report",
            "formatted_read_group",
            domain=[],
            groupby=["channel_id"],
        )
        self.assertEqual(latency, [])
