"""Long work runs in the background: Republish all, Reconcile now, Import mapping and the
quarantine wizard on many lines queue a job (nothing done in the request), the scheduled
action runs it chunk by chunk with its progress; a second click says it runs; a failed
job keeps its error; a job whose worker died is failed by the cron."""

import json
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.stock_channel import mapping as stock_channel_marketplace
from ..models.stock_channel import reconcile_run as stock_channel_reconcile_run
from ..models.stock_channel_job import run as stock_channel_job
from ..models.stock_channel_job.run import StockChannelJob
from ..wizard import stock_quarantine_wizard
from .common import SyncCase

SHOP = "demo"
ITEM = "gid://shopify/InventoryItem/{}"


@tagged("post_install", "-at_install")
class TestJobs(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls.env["res.users"].create(
            {"name": "Clerk", "login": "clerk-jobs",
             "group_ids": [(6, 0, [cls.env.ref("stock_channel_sync.group_channel_user").id])]}
        )  # fmt: skip

    def jobs(self, channel=None, **domain):
        domain = [(key, "=", value) for key, value in domain.items()]
        if channel:
            domain.append(("channel_id", "=", channel.id))
        return self.env["stock.channel.job"].search(domain, order="id")

    def run_recording(self):
        """Run the queued jobs; returns them and the progress each recorded, in order."""
        steps = []
        original = StockChannelJob._advance

        def spy(job, done, total=None):
            steps.append((job.kind, done, total))
            return original(job, done, total)

        with patch.object(StockChannelJob, "_advance", spy):
            return self.run_jobs(), steps

    def variant_ids(self, channel):
        return set(channel._channel_products(channel.company_id).ids)

    # -- Republish all -----------------------------------------------------------------
    def test_republish_queues_a_job_then_runs_it_in_chunks(self):
        action = self.market.action_republish()
        self.assertEqual(action["params"]["type"], "info")
        self.assertIn("Republish all is queued on", action["params"]["message"])
        self.assertFalse(self.outbox(self.market), "nothing is queued in the request")
        job = self.jobs(self.market)
        self.assertRecordValues(job, [{"kind": "republish", "state": "queued", "done": 0,
                                       "started_by_id": self.env.uid}])  # fmt: skip
        cron = self.env.ref("stock_channel_sync.ir_cron_channel_jobs")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

        variants = self.variant_ids(self.market)
        with patch.object(stock_channel_job, "JOB_CHUNK", 1):
            ran, steps = self.run_recording()
        self.assertEqual(ran, job)
        count = len(variants)
        self.assertEqual(
            steps, [("republish", 0, count)] + [("republish", n, None) for n in range(1, count + 1)]
        )
        self.assertRecordValues(job, [{"state": "done", "done": count, "total": count,
                                       "percent": 100, "error": False}])  # fmt: skip
        self.assertTrue(job.finished_at)
        rows = self.outbox(self.market)
        self.assertEqual(set(rows.product_id.ids), variants)
        self.assertTrue(all(rows.mapped("force")))

    def test_a_second_click_while_queued_or_running_says_so(self):
        self.market.action_republish()
        with self.assertRaisesRegex(UserError, "Republish all is already running on Market"):
            self.market.action_republish()
        job = self.jobs(self.market)
        job.write({"state": "running", "started_at": fields.Datetime.now(),
                   "progress_at": fields.Datetime.now(), "done": 340, "total": 1200})  # fmt: skip
        with self.assertRaises(UserError) as raised:
            self.market.action_republish()
        self.assertIn("340 / 1,200 done, started by", str(raised.exception))
        self.shop.action_republish()  # another channel: its own job
        job.write({"state": "done"})
        self.market.action_republish()  # once done, again
        self.assertEqual(self.jobs(self.market).mapped("state"), ["done", "queued"])

    def test_only_a_manager_starts_long_work(self):
        for button in ("action_republish", "action_reconcile_now", "action_import_mapping"):
            with self.subTest(button=button), self.assertRaises(AccessError):
                getattr(self.shop.with_user(self.clerk), button)()
        self.assertFalse(self.jobs())

    # -- Reconcile now and Import mapping ----------------------------------------------
    def test_reconcile_now_reads_back_in_the_background_in_chunks(self):
        self.set_stock(self.product, 5)
        self.dispatch(until_empty=True)
        Run = self.env["stock.channel.reconcile"]
        self.market.action_reconcile_now()
        self.assertFalse(Run.search([("channel_id", "=", self.market.id)]), "not read yet")
        count = len(self.market._reconcile_products("manual"))
        with patch.object(stock_channel_reconcile_run, "RECONCILE_CHUNK", 1):
            _ran, steps = self.run_recording()
        self.assertEqual(
            steps, [("reconcile", 0, count)] + [("reconcile", n, None) for n in range(1, count + 1)]
        )
        run = Run.search([("channel_id", "=", self.market.id)])
        self.assertEqual((run.kind, run.state), ("manual", "done"))
        job = self.jobs(self.market)
        self.assertRecordValues(job, [{"state": "done", "done": count, "total": count}])

    def test_import_mapping_binds_in_the_background_in_chunks(self):
        catalog = {"WIDGET": ITEM.format(2001), "GADGET": ITEM.format(2002),
                   "ORPHAN": ITEM.format(2003)}  # fmt: skip
        self.sim.configure_shop(SHOP, catalog=catalog)
        self.shop.action_import_mapping()
        self.assertEqual(sorted(self.shop.binding_ids.mapped("external_id")), ["1001", "1002"])
        with patch.object(stock_channel_marketplace, "MAPPING_CHUNK", 2):
            _ran, steps = self.run_recording()
        self.assertEqual(
            steps,
            [("import_mapping", 0, 3), ("import_mapping", 2, None), ("import_mapping", 3, None)],
        )
        by_product = {b.product_id: b.external_id for b in self.shop.binding_ids}
        self.assertEqual(by_product, {self.product: "2001", self.product_b: "2002"})
        self.assertIn("ORPHAN", self.shop.mapping_report)
        self.assertRecordValues(self.jobs(self.shop), [{"state": "done", "done": 3, "total": 3}])

    def test_import_mapping_only_where_the_connector_reads_its_catalogue(self):
        can = {
            connector: self.market.new({"connector": connector}).imports_mapping
            for connector in ("generic_json", "shopify", "woocommerce", "bol", "mirakl", "amazon")
        }
        self.assertEqual(
            can, {"generic_json": False, "shopify": True, "woocommerce": True, "bol": True,
                  "mirakl": True, "amazon": True},
        )  # fmt: skip
        self.assertEqual(self.market.connector, "generic_json")
        with self.assertRaisesRegex(UserError, "cannot read its catalogue"):
            self.market.action_import_mapping()
        self.assertFalse(self.jobs(self.market), "no job queued to fail")

    def test_the_card_and_the_form_follow_a_job_live(self):
        """Queued, each chunk, and the end tell the open overviews and channel forms (a
        bus notification at the commit); the card shows the job while it runs."""
        group = self.env.ref("stock_channel_sync.group_channel_user")
        bus_channel = f'["{self.env.cr.dbname}","res.groups",{group.id}]'

        def told(check=True):
            self.env.cr.precommit.run()  # what the commit would send
            messages = self.env["bus.bus"].sudo().search([("channel", "=", bus_channel)])
            told = [
                json.loads(m.message)["payload"]["channel_ids"]
                for m in messages
                if "stock_channel_sync/overview" in m.message
            ]
            messages.unlink()
            # the job's channel is named (or any, when pushes were queued): its forms follow
            if check:
                self.assertTrue(all(ids is None or self.market.id in ids for ids in told), told)
            return len(told)

        told(check=False)  # what the set-up sent
        self.market.action_republish()
        self.assertEqual(told(), 1)
        self.assertIn("Republish all: 0 / 0", self.market.running_job_summary)
        chunks = []
        original = StockChannelJob._advance

        def one_transaction_per_chunk(job, done, total=None):
            original(job, done, total)
            chunks.append(told())

        with (
            patch.object(stock_channel_job, "JOB_CHUNK", 1),
            patch.object(StockChannelJob, "_advance", one_transaction_per_chunk),
        ):
            self.run_jobs()
        count = len(self.variant_ids(self.market))
        self.assertEqual(chunks, [1] * (count + 1), "the total, then each chunk")
        self.assertEqual(told(), 1, "the end")
        self.market.invalidate_recordset()
        self.assertFalse(self.market.running_job_summary)

    def test_the_demo_republishes_once_the_server_is_up(self):
        """dev/run's update: a Republish all job per channel in demo mode replaces the
        quantity pushes queued meanwhile, which the server would send late."""
        demo_channels = self.env["stock.channel"].search([]).filtered("demo_mode")
        self.assertIn(self.market, demo_channels)
        self.set_stock(self.product, 9)
        self.assertTrue(self.outbox(self.market))
        self.env["stock.channel"]._demo_refresh_simulator()
        self.assertFalse(self.outbox(self.market), "replaced by the job")
        jobs = self.jobs(kind="republish")
        self.assertEqual(jobs.channel_id, demo_channels)
        # updated again before the server ran them: no second job, no error
        self.env["stock.channel"]._demo_refresh_simulator()
        self.assertEqual(self.jobs(kind="republish"), jobs)
        self.run_jobs()
        self.assertEqual(
            set(self.outbox(self.market).product_id.ids), self.variant_ids(self.market)
        )

    def test_the_demo_channels_follow_the_simulator_to_dev_runs_port(self):
        """dev/run SIM_PORT=8099: the update points the demo channels at 8099, not
        channels elsewhere."""
        self.market.endpoint_url = "http://127.0.0.1:8071/generic/market"
        self.assertTrue(self.market.demo_mode)
        elsewhere = self.env["stock.channel"].create({
            "name": "Elsewhere", "code": "elsewhere", "channel_type": "marketplace",
            "warehouse_id": self.warehouse.id, "connector": "generic_json",
            "endpoint_url": "https://shop.example.com/generic/elsewhere",
        })  # fmt: skip
        self.env["ir.config_parameter"].set_param("stock_channel_sync.simulator_port", "8099")
        self.env["stock.channel"]._demo_refresh_simulator()
        self.assertEqual(self.market.endpoint_url, "http://127.0.0.1:8099/generic/market")
        self.assertEqual(elsewhere.endpoint_url, "https://shop.example.com/generic/elsewhere")

    def test_the_scheduled_reconciliation_waits_for_a_republish(self):
        Run = self.env["stock.channel.reconcile"]
        self.market.action_republish()
        self.env["stock.channel"]._cron_reconcile()
        self.assertFalse(Run.search([("channel_id", "=", self.market.id)]), "not read back")
        self.run_jobs()
        self.env["stock.channel"]._cron_reconcile()
        self.assertEqual(Run.search([("channel_id", "=", self.market.id)]).kind, "full")

    # -- failures ----------------------------------------------------------------------
    def test_a_failing_job_keeps_its_error_and_the_next_one_runs(self):
        self.market.action_republish()
        self.shop.action_republish()
        original = StockChannelJob._advance

        def lost_after_first_chunk(job, done, total=None):
            original(job, done, total)
            if job.channel_id == self.market and done > 0:
                raise RuntimeError("connection lost")

        with (
            patch.object(stock_channel_job, "JOB_CHUNK", 1),
            patch.object(StockChannelJob, "_advance", lost_after_first_chunk),
            self.assertLogs(stock_channel_job.__name__, "ERROR"),
        ):
            ran = self.run_jobs()
        failed, done = ran
        self.assertEqual((failed.channel_id, done.channel_id), (self.market, self.shop))
        self.assertRecordValues(failed, [{"state": "failed", "done": 0,
                                          "error": "RuntimeError: connection lost"}])  # fmt: skip
        self.assertFalse(self.outbox(self.market), "its work is rolled back")
        self.assertEqual(done.state, "done")
        self.assertEqual(set(self.outbox(self.shop).product_id.ids), self.variant_ids(self.shop))
        self.market.action_republish()  # a failed job does not block the button

    def test_out_of_the_crons_time_a_republish_pauses_and_goes_on_where_it_stopped(self):
        """The cron's share of time used (ir.cron._commit_progress returns 0 left), the
        job goes back to the queue after its chunk; the next run goes on after it."""
        ids = sorted(self.variant_ids(self.market))
        self.market.action_republish()
        job = self.jobs(self.market)
        commits = []

        def out_of_time(processed=0):
            commits.append(processed)
            return 0.0  # no time left

        with patch.object(stock_channel_job, "JOB_CHUNK", 1):
            runs = 0
            while job.state != "done":
                self.env["stock.channel.job"]._run_jobs(commit=out_of_time)
                runs += 1
                if job.state == "queued":
                    self.assertEqual(job.payload, {"after_id": ids[job.done - 1]})
                    self.assertEqual(self.outbox(self.market).product_id.ids, ids[: job.done])
        self.assertEqual(runs, len(ids), "a chunk a run")
        self.assertRecordValues(job, [{"state": "done", "done": len(ids), "total": len(ids)}])
        self.assertEqual(sorted(self.outbox(self.market).product_id.ids), ids)
        self.assertEqual(sum(commits), len(ids), "each variant committed once")

    def test_republishes_of_several_channels_take_turns_chunk_by_chunk(self):
        """Republish all on two channels: the scheduled action queues a chunk of one, then
        of the other, in turn (both channels' pushes start at once), each job where it was."""
        self.market.action_republish()
        self.shop.action_republish()
        market, shop = self.jobs(self.market), self.jobs(self.shop)
        steps = []
        original = StockChannelJob._advance

        def spy(job, done, total=None):
            if total is None:  # a chunk queued (not the count read when it starts or resumes)
                steps.append((job.channel_id.code, done))
            return original(job, done, total)

        commits = []

        def in_time(processed=0):
            commits.append(processed)
            return 60.0

        with patch.object(stock_channel_job, "JOB_CHUNK", 1), \
                patch.object(StockChannelJob, "_advance", spy):  # fmt: skip
            self.env["stock.channel.job"]._run_jobs(commit=in_time)
        counts = {self.market.code: len(self.variant_ids(self.market)),
                  self.shop.code: len(self.variant_ids(self.shop))}  # fmt: skip
        self.assertGreaterEqual(min(counts.values()), 2)
        queued = steps
        first = [code for code, _done in queued[:4]]
        self.assertEqual(first, [self.market.code, self.shop.code] * 2, "a chunk each in turn")
        for code, count in counts.items():
            done = [n for c, n in queued if c == code]
            self.assertEqual(done, list(range(1, count + 1)), "each goes on where it was")
        self.assertRecordValues(market | shop, [{"state": "done"}, {"state": "done"}])
        self.assertEqual(sum(commits), sum(counts.values()), "each variant committed once")

    def test_republishes_taking_turns_count_the_catalogue_once_each(self):
        """A job going on after its turn (or a pause) keeps the progress counted when it
        started: the catalogue is not counted again at every chunk."""
        self.market.action_republish()
        self.shop.action_republish()
        Product = type(self.env["product.product"])
        original = Product.search_count
        counted = []

        def spy(model, domain, *args, **kwargs):
            counted.append(domain)
            return original(model, domain, *args, **kwargs)

        with patch.object(stock_channel_job, "JOB_CHUNK", 1), \
                patch.object(Product, "search_count", spy):  # fmt: skip
            self.env["stock.channel.job"]._run_jobs(commit=lambda processed=0: 60.0)
        market, shop = self.jobs(self.market), self.jobs(self.shop)
        self.assertRecordValues(market | shop, [
            {"state": "done", "done": len(self.variant_ids(self.market))},
            {"state": "done", "done": len(self.variant_ids(self.shop))},
        ])  # fmt: skip
        self.assertGreaterEqual(market.total, 2)
        self.assertEqual(len(counted), 2, "one count a job, when it starts")

    def test_a_job_whose_worker_ended_is_taken_back_where_it_was(self):
        """Only the scheduled action runs jobs, one at a time: a job it finds running
        lost its worker (a restart, the server's time limit) and goes on."""
        ids = sorted(self.variant_ids(self.market))
        Job = self.env["stock.channel.job"]
        orphan = Job.create({"kind": "republish", "channel_id": self.market.id,
                             "state": "running", "attempts": 1, "done": 1,
                             "total": len(ids), "payload": {"after_id": ids[0]}})  # fmt: skip
        self.assertEqual(self.run_jobs(), orphan)
        self.assertRecordValues(orphan, [{"state": "done", "done": len(ids)}])
        self.assertEqual(sorted(self.outbox(self.market).product_id.ids), ids[1:])

    def test_a_job_whose_worker_ended_three_times_is_given_up(self):
        Job = self.env["stock.channel.job"]
        orphan = Job.create({"kind": "republish", "channel_id": self.market.id,
                             "state": "running", "attempts": 3})  # fmt: skip
        self.assertFalse(self.run_jobs(), "nothing run")
        self.assertEqual(orphan.state, "failed")
        self.assertIn("Stopped 3 times before the end", orphan.error)
        self.market.action_republish()  # a new click starts again

    def test_a_reconcile_whose_worker_ended_fails_its_run_and_starts_again(self):
        Run = self.env["stock.channel.reconcile"]
        left = Run.create({"channel_id": self.market.id, "kind": "manual"})
        self.assertEqual(left.state, "running")
        orphan = self.env["stock.channel.job"].create(
            {"kind": "reconcile", "channel_id": self.market.id, "state": "running",
             "attempts": 1}
        )  # fmt: skip
        self.run_jobs()
        ended = "Stopped before the end: its worker ended."
        self.assertRecordValues(left, [{"state": "failed", "error": ended}])
        self.assertEqual(orphan.state, "done")
        runs = Run.search([("channel_id", "=", self.market.id)]) - left
        self.assertEqual(runs.mapped("state"), ["done"])

    def test_a_failed_reconcile_job_ends_its_run(self):
        """In the cron, the run created with the first chunk is committed: a job failing
        later fails its run with its error, never left running."""
        run = self.env["stock.channel.reconcile"].create(
            {"channel_id": self.market.id, "kind": "manual"}
        )
        scheduled = self.env["stock.channel.reconcile"].create(
            {"channel_id": self.market.id, "kind": "full"}
        )  # the reconciliation cron's, under way in another worker
        job = self.env["stock.channel.job"].create(
            {"kind": "reconcile", "channel_id": self.market.id, "state": "running"}
        )
        job._end_job("RuntimeError: database went away")
        self.assertRecordValues(job, [{"state": "failed"}])
        self.assertRecordValues(run, [{"state": "failed",
                                       "error": "RuntimeError: database went away"}])  # fmt: skip
        self.assertEqual(scheduled.state, "running", "not the job's run")

    # -- what the channel shows ----------------------------------------------------------
    def test_the_summary_and_the_channel_show_the_progress(self):
        job = self.env["stock.channel.job"].create(
            {"kind": "republish", "channel_id": self.market.id, "state": "running",
             "started_by_id": self.clerk.id, "started_at": datetime(2026, 11, 23, 10, 2),
             "progress_at": datetime(2026, 11, 23, 10, 2, 20), "done": 340, "total": 1200}
        )  # fmt: skip
        with freeze_time("2026-11-23 10:02:20"):
            job = job.with_context(tz="UTC")
            job.invalidate_recordset()
            self.assertEqual(job.rate, 17.0)
            self.assertEqual(job.percent, 28)
            # 860 left at 17 a second: 50.6 s more
            self.assertEqual(job.estimated_end, datetime(2026, 11, 23, 10, 3, 10))
            self.assertEqual(
                job.summary,
                "Republish all: 340 / 1,200 (28 %), 17 a second, started by Clerk at 10:02, "
                "estimated end 10:03",
            )
            market = self.market.with_context(tz="UTC")
            self.assertEqual(market.running_job_summary, job.summary)
        self.assertEqual(self.market.job_ids, job)
        self.assertIn(job, self.jobs(self.market).with_user(self.clerk), "users read the jobs")


@tagged("post_install", "-at_install")
class TestQuarantineJobs(SyncCase):
    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 3, self.quarantine)
        self.set_stock(self.product_b, 2, self.quarantine)

    def threshold(self, lines):
        self.env["ir.config_parameter"].set_param("stock_channel_sync.background_lines", lines)

    def wizard(self, action="release"):
        quants = self.env["stock.quant"].search([("location_id", "=", self.quarantine.id)])
        return (
            self.env["stock.quarantine.wizard"]
            .with_context(active_model="stock.quant", active_ids=quants.ids)
            .create({"action": action})
        )

    def in_quarantine(self, product):
        return product.with_context(location=self.quarantine.id).qty_available

    def test_the_default_threshold_is_200_lines(self):
        self.assertEqual(self.env["stock.quarantine.wizard"]._background_lines(), 200)

    def test_above_the_threshold_a_job_releases_what_the_wizard_would(self):
        self.threshold(1)
        action = self.wizard().action_confirm()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("Release to stock of 2 lines is queued", action["params"]["message"])
        self.assertEqual(self.in_quarantine(self.product), 3, "nothing moved in the request")
        job = self.env["stock.channel.job"].search([("kind", "=", "quarantine")])
        self.assertRecordValues(job, [{"state": "queued", "total": 2, "channel_id": False}])
        with self.assertRaisesRegex(UserError, "already running on these quantities"):
            self.wizard().action_confirm()
        with patch.object(stock_quarantine_wizard, "QUARANTINE_CHUNK", 1):
            self.run_jobs()
        self.assertRecordValues(job, [{"state": "done", "done": 2, "total": 2}])
        for product, qty in ((self.product, 3), (self.product_b, 2)):
            self.assertEqual(self.in_quarantine(product), 0)
            in_stock = product.with_context(location=self.stock_location.id).qty_available
            self.assertEqual(in_stock, qty)
        self.assertEqual(self.publishable(self.web), 3)
        moves = self.env["stock.move"].search([("location_id", "=", self.quarantine.id)])
        self.assertEqual(set(moves.mapped("state")), {"done"})
        self.assertEqual(moves.location_dest_id, self.stock_location)

    def test_above_the_threshold_a_job_scraps(self):
        self.threshold(1)
        self.wizard("scrap").action_confirm()
        self.run_jobs()
        scraps = self.env["stock.scrap"].search([("location_id", "=", self.quarantine.id)])
        self.assertEqual(sorted(scraps.mapped("scrap_qty")), [2, 3])
        self.assertEqual(set(scraps.mapped("state")), {"done"})
        self.assertEqual(self.in_quarantine(self.product), 0)

    def test_at_the_threshold_the_wizard_works_at_once(self):
        self.threshold(2)
        self.wizard().action_confirm()
        self.assertEqual(self.in_quarantine(self.product), 0)
        self.assertEqual(self.in_quarantine(self.product_b), 0)
        self.assertFalse(self.env["stock.channel.job"].search([]))

    def test_the_wizard_checks_before_queueing(self):
        self.threshold(1)
        wizard = self.wizard()
        wizard.line_ids.filtered(lambda line: line.product_id == self.product).quantity = 4
        with self.assertRaisesRegex(UserError, "Only 3"):
            wizard.action_confirm()
        self.assertFalse(self.env["stock.channel.job"].search([]))

    def test_quantities_taken_meanwhile_fail_the_job(self):
        self.threshold(1)
        self.wizard().action_confirm()
        self.set_stock(self.product_b, 1, self.quarantine)  # someone moved one meanwhile
        [job] = self.run_jobs()
        self.assertEqual(job.state, "failed")
        self.assertIn("Only 1", job.error)
        self.assertEqual(self.in_quarantine(self.product), 3, "rolled back")

    def test_a_quant_gone_meanwhile_fails_the_job_and_says_which_lines(self):
        self.threshold(1)
        self.wizard().action_confirm()
        job = self.env["stock.channel.job"].search([("kind", "=", "quarantine")])
        gone = self.env["stock.quant"].browse(job.payload["lines"][1][0])
        gone.sudo().unlink()  # emptied and cleaned up meanwhile
        with patch.object(stock_quarantine_wizard, "QUARANTINE_CHUNK", 1):
            self.run_jobs()
        self.assertEqual(job.state, "failed")
        self.assertEqual(
            job.error,
            "Quantities in quarantine were removed meanwhile: lines 2 to 2 and the ones "
            "after them were not done (the 1 before them were).",
        )

    def test_out_of_time_a_quarantine_job_goes_on_with_the_next_lines(self):
        self.threshold(1)
        self.wizard().action_confirm()
        job = self.env["stock.channel.job"].search([("kind", "=", "quarantine")])
        with patch.object(stock_quarantine_wizard, "QUARANTINE_CHUNK", 1):
            self.env["stock.channel.job"]._run_jobs(commit=lambda processed=0: 0.0)
            self.assertRecordValues(job, [{"state": "queued", "done": 1, "total": 2}])
            moved = self.in_quarantine(self.product) + self.in_quarantine(self.product_b)
            self.assertIn(moved, (2, 3), "one line released")
            self.env["stock.channel.job"]._run_jobs(commit=lambda processed=0: 0.0)
        self.assertRecordValues(job, [{"state": "done", "done": 2}])
        self.assertEqual(self.in_quarantine(self.product) + self.in_quarantine(self.product_b), 0)
