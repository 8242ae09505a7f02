"""Reports of Inventory > Channels > Reports: push latency p50/p95 per channel and hour,
failures and dead letters by reason (SQL views), orders, oversells and drift (graph and
pivot views of their models); every action loads and groups; a company sees its own."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ChannelStockCase

REPORT_ACTIONS = {
    "stock_channel_sync.action_stock_channel_latency_report": ["hour:hour", "channel_id"],
    "stock_channel_sync.action_stock_channel_failure_report": ["reason", "channel_id"],
    "stock_channel_sync.action_stock_channel_dead_letter_report": ["reason", "kind"],
    "stock_channel_sync.action_sale_order_channel_report": ["channel_id", "state"],
    "stock_channel_sync.action_stock_channel_incident_report": ["cause", "channel_id"],
    "stock_channel_sync.action_stock_channel_drift_report": ["cause", "channel_id"],
}
HTTP_503 = (
    'generic_json: HTTP 503 from http://127.0.0.1:{port}/stock?sku={sku}: {{"error": "busy"}}'
    "\n\nTraceback..."
)


@tagged("post_install", "-at_install")
class TestChannelReports(ChannelStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hour = fields.Datetime.now().replace(minute=0, second=0) - timedelta(hours=3)
        cls.reader = new_test_user(
            cls.env,
            "report_reader",
            groups="stock_channel_sync.group_channel_user,sales_team.group_sale_salesman",
        )

    def log(self, channel, latency=None, at=None, state="done", error=False):
        """A sync log row: accepted at `at` with `latency` (ms), or a failure."""
        return self.env["stock.channel.sync.log"].create(
            {
                "channel_id": channel.id,
                "state": state,
                "sent_at": at or self.hour,
                "acked_at": at if latency is not None else False,
                "latency_ms": latency or 0,
                "error": error,
            }
        )

    def test_latency_p50_p95_per_channel_and_hour(self):
        first, second = self.hour, self.hour + timedelta(hours=1)
        for minute, latency in enumerate((400, 100, 300, 200)):
            self.log(self.market, latency, first + timedelta(minutes=minute))
        self.log(self.market, 1000, second + timedelta(minutes=59))
        self.log(self.pos, 50, first + timedelta(minutes=30))
        self.log(self.market, state="retry", error="market: HTTP 500", at=first)  # not accepted
        rows = self.env["stock.channel.latency.report"].search(
            [("channel_id", "in", (self.market | self.pos).ids)]
        )
        self.assertEqual(
            {(r.channel_id, r.hour): (r.push_count, r.latency_p50, r.latency_p95) for r in rows},
            {
                (self.market, first): (4, 0.25, 0.385),  # 100 200 300 400 ms, in s
                (self.market, second): (1, 1.0, 1.0),
                (self.pos, first): (1, 0.05, 0.05),
            },
        )
        # over several hours: p50 their mean, p95 the highest
        (group,) = self.env["stock.channel.latency.report"]._read_group(
            [("channel_id", "=", self.market.id)],
            ["channel_id"],
            ["push_count:sum", "latency_p50:avg", "latency_p95:max"],
        )
        self.assertEqual(group, (self.market, 5, 0.625, 1.0))

    def test_latency_axes_say_seconds_and_local_hours_on_a_24_hour_clock(self):
        Report = self.env["stock.channel.latency.report"]
        self.assertEqual(Report._fields["latency_p95"].string, "p95 Latency (s)")
        self.assertEqual(Report._fields["latency_p50"].string, "p50 Latency (s)")
        # 19:xx UTC is 20:xx in Brussels (winter): labelled 20:00, not "08:00"
        evening = fields.Datetime.now().replace(hour=19, minute=10, second=0, month=12, day=1)
        self.log(self.market, 500_000, evening)  # 500 s, not "500.00k" ms
        groups = Report.with_context(tz="Europe/Brussels").web_read_group(
            [("channel_id", "=", self.market.id), ("hour", "=", evening.replace(minute=0))],
            ["hour:hour"],
            ["latency_p95:max"],
        )["groups"]
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["hour:hour"][1], f"20:00, 01 {evening.strftime('%b')}")
        self.assertEqual(groups[0]["latency_p95:max"], 500.0)

    def test_failures_by_reason_without_the_url_they_name(self):
        for port, sku in ((8001, "A"), (8002, "B")):
            self.log(self.market, state="retry", error=HTTP_503.format(port=port, sku=sku))
        self.log(
            self.market,
            state="dead",
            error="  generic_json: POST https://shop.example.com/x failed (ConnectTimeout)  ",
        )
        self.log(self.market, 120, self.hour)  # accepted: not a failure
        Report = self.env["stock.channel.failure.report"]
        groups = Report._read_group(
            [("channel_id", "=", self.market.id)], ["reason", "state"], ["__count"]
        )
        self.assertEqual(
            sorted(groups),
            [
                ("generic_json: HTTP 503", "retry", 2),
                ("generic_json: POST <url> failed (ConnectTimeout)", "dead", 1),
            ],
        )

    def test_dead_letters_by_reason(self):
        Outbox = self.env["stock.channel.outbox"]
        self.env.cr.flush()  # the stock changes of the set-up queue their pushes
        Outbox.search([("channel_id", "=", self.market.id)]).unlink()
        reason = "The variant has no SKU on this channel (set an internal reference or a binding)."
        rows = Outbox.create(
            [
                {"channel_id": self.market.id, "product_id": product.id}
                for product in (self.product, self.product_b)
            ]
        )
        rows._to_dead_letter(reason)
        groups = self.env["stock.channel.dead.letter.report"]._read_group(
            [("channel_id", "=", self.market.id)], ["reason", "kind"], ["__count", "attempts:max"]
        )
        self.assertEqual(groups, [(reason, "stock", 2, 0)])

    def test_every_report_action_loads_and_groups(self):
        Action = self.env["ir.actions.act_window"]
        for xmlid, groupby in REPORT_ACTIONS.items():
            with self.subTest(action=xmlid):
                action = Action._for_xml_id(xmlid)
                Model = self.env[action["res_model"]].with_user(self.reader)
                modes = [mode for _view, mode in action["views"]]
                self.assertEqual(modes[:2], ["graph", "pivot"])
                Model.get_views(action["views"])
                domain = safe_eval(action.get("domain") or "[]")
                Model.formatted_read_group(domain, groupby, ["__count"])
                Model._read_group(domain, groupby[:1], ["__count"])

    def test_a_company_sees_the_figures_of_its_own_channels(self):
        other = self.env["res.company"].create({"name": "Other Retail"})
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        foreign = self.env["stock.channel"].create(
            {"name": "Foreign", "code": "foreign", "company_id": other.id,
             "warehouse_id": warehouse.id}
        )  # fmt: skip
        self.log(foreign, 10, self.hour)
        self.log(foreign, state="retry", error="foreign: HTTP 500")
        self.log(self.market, 20, self.hour)
        self.log(self.market, state="retry", error="market: HTTP 500")
        self.reader.company_ids = [Command.set(self.company.ids)]
        for model in ("stock.channel.latency.report", "stock.channel.failure.report"):
            rows = (
                self.env[model]
                .with_user(self.reader)
                .search([("channel_id", "in", (foreign | self.market).ids)])
            )
            self.assertEqual(rows.channel_id, self.market, model)
