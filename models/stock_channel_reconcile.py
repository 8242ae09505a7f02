import logging
import threading
from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import drift as drift_core
from ..core import oversell as oversell_core
from ..core.connectors import CONNECTORS, Connector
from ..core.dispatch import utcnow
from ..core.errors import SyncError
from ..core.inbound import EXCEPTION, KIND_ORDER, RECEIVED, WAITING
from .access import check_channel_manager
from .stock_channel_outbox import PRIORITY_HIGH

_logger = logging.getLogger(__name__)

# SKUs read back, judged and recorded at a time (memory stays flat on big catalogues)
RECONCILE_CHUNK = 1000
# order messages that have not made a sale order (yet)
HELD_STATES = (RECEIVED, EXCEPTION, WAITING)


class StockChannel(models.Model):
    """Reading back what the channel holds: runs, drifts, corrections (see core.drift)."""

    _inherit = "stock.channel"

    reads_back = fields.Boolean(
        compute="_compute_reads_back", help="The channel's connector can read quantities back."
    )
    reconcile_auto_correct = fields.Boolean(
        string="Correct Drift Automatically",
        default=True,
        help="Push the publishable quantity where the channel was edited, a push was lost "
        "or the cause is unknown (compared with the quantity read, where the channel "
        "supports it).",
    )
    reconcile_daily = fields.Boolean(string="Daily Full Run", default=True)
    reconcile_hour = fields.Float(
        string="Daily Run At (UTC)", default=3.0, help="Hour of the day, UTC (3.5 = 03:30)."
    )
    reconcile_rolling = fields.Boolean(
        string="Hourly Rolling Slice",
        default=True,
        help="Every hour, read a 24th of the catalogue: every SKU is read at least daily, "
        "without a burst.",
    )
    reconcile_cursor = fields.Integer(readonly=True, help="The last variant a rolling run read.")
    last_full_reconcile_at = fields.Datetime(string="Last Full Run", readonly=True)
    drift_rate_24h = fields.Float(
        string="Drift Rate (24 h)",
        compute="_compute_drift_kpis",
        digits=(16, 2),
        help="Drifted SKUs / SKUs read over the last 24 hours, in % (pushes in flight are "
        "not drift). Target: below 0.2 %.",
    )
    drift_rate_prev_24h = fields.Float(
        string="Drift Rate (24 h Before)", compute="_compute_drift_kpis", digits=(16, 2)
    )
    drift_measured = fields.Boolean(compute="_compute_drift_kpis")
    open_drift_count = fields.Integer(compute="_compute_drift_kpis")
    reconcile_run_count = fields.Integer(compute="_compute_drift_kpis")
    oversell_rate_7d = fields.Float(
        string="Oversell Rate (7 d)",
        compute="_compute_oversell_kpis",
        digits=(16, 2),
        help="Order lines Odoo could not serve / order lines over the last 7 days, in %. "
        "Target: below 0.5 %.",
    )
    oversell_measured = fields.Boolean(compute="_compute_oversell_kpis")
    incident_count_7d = fields.Integer(string="Oversells (7 d)", compute="_compute_oversell_kpis")

    @api.depends("connector")
    def _compute_reads_back(self):
        base = Connector.read_quantities
        for channel in self:
            cls = CONNECTORS.get(channel.connector or "")
            channel.reads_back = bool(cls) and cls.read_quantities is not base

    def _compute_drift_kpis(self):
        now = fields.Datetime.now()
        Run = self.env["stock.channel.reconcile"].sudo()
        windows = {}
        for key, start, end in (
            ("now", now - timedelta(days=1), now),
            ("prev", now - timedelta(days=2), now - timedelta(days=1)),
        ):
            groups = Run._read_group(
                [("channel_id", "in", self.ids), ("state", "=", "done"),
                 ("started_at", ">", start), ("started_at", "<=", end)],
                ["channel_id"], ["skus_read:sum", "drifted:sum"],
            )  # fmt: skip
            windows[key] = {ch.id: (read, drifted) for ch, read, drifted in groups}
        runs = dict(Run._read_group([("channel_id", "in", self.ids)], ["channel_id"], ["__count"]))
        opened = dict(
            self.env["stock.channel.drift"].sudo()._read_group(
                [("channel_id", "in", self.ids), ("state", "=", "open"),
                 ("cause", "!=", drift_core.IN_FLIGHT)],
                ["channel_id"], ["__count"],
            )
        )  # fmt: skip
        for channel in self:
            rate = drift_core.drift_rate(*reversed(windows["now"].get(channel.id, (0, 0))))
            prev = drift_core.drift_rate(*reversed(windows["prev"].get(channel.id, (0, 0))))
            channel.drift_measured = rate is not None
            channel.drift_rate_24h = rate or 0.0
            channel.drift_rate_prev_24h = prev or 0.0
            channel.open_drift_count = opened.get(channel, 0)
            channel.reconcile_run_count = runs.get(channel, 0)

    def _compute_oversell_kpis(self):
        rates = self.env["stock.channel.incident"]._oversell_rates(self)
        for channel in self:
            short, lines = rates.get(channel.id, (0, 0))
            rate = oversell_core.oversell_rate(short, lines)
            channel.oversell_measured = rate is not None
            channel.oversell_rate_7d = rate or 0.0
            channel.incident_count_7d = short

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_reconcile_now(self):
        """Read the whole catalogue back now, then show the open drift; a failed read is
        told (a notification: the failed run is kept, not rolled back)."""
        check_channel_manager(self.env)
        self.ensure_one()
        if not self.reads_back:
            raise UserError(
                self.env._("%(channel)s cannot read quantities back.", channel=self.name)
            )
        run = self.sudo()._reconcile("manual")
        if run.state == "failed":
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Reconciliation failed"),
                    "message": run.error,
                    "type": "danger",
                    "sticky": True,
                },
            }
        return self.action_open_drifts()

    def action_open_drifts(self):
        return self._open_channel_list("action_stock_channel_drift", search_default_open=1)

    def action_open_incidents(self):
        return self._open_channel_list("action_stock_channel_incident")

    def action_open_reconcile_runs(self):
        return self._open_channel_list("action_stock_channel_reconcile")

    def _open_channel_list(self, action_name, **context):
        """The addon's window action `action_name`, filtered on this channel."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(f"stock_channel_sync.{action_name}")
        action["domain"] = [("channel_id", "=", self.id)]
        action["context"] = dict(context, default_channel_id=self.id)
        return action

    # ------------------------------------------------------------------
    # Scheduled runs
    # ------------------------------------------------------------------
    @api.model
    def _cron_reconcile(self):
        """Hourly: re-check what was in flight, then the daily full run when its hour
        has come, else the rolling slice; a channel at a time, each committed."""
        testing = getattr(threading.current_thread(), "testing", False)
        channels = self.search([("connector", "!=", False), ("active", "=", True)])
        for channel in channels.filtered("reads_back"):
            channel._recheck_in_flight()
            if channel._full_run_due():
                channel._reconcile("full")
            elif channel.reconcile_rolling:
                channel._reconcile("rolling")
            if not testing:
                self.env["ir.cron"]._commit_progress(1)

    def _full_run_due(self, now=None):
        if not self.reconcile_daily:
            return False
        now = now or fields.Datetime.now()
        hours = min(max(self.reconcile_hour, 0.0), 23.99)
        slot = datetime.combine(now.date(), time(int(hours), int(hours % 1 * 60)))
        if slot > now:
            slot -= timedelta(days=1)
        return not self.last_full_reconcile_at or self.last_full_reconcile_at < slot

    def _recheck_in_flight(self):
        """Drifts found while a push was on its way: read again once nothing is queued
        for them (in sync then: not a drift)."""
        drifts = self.env["stock.channel.drift"].search(
            [("channel_id", "=", self.id), ("state", "=", "open"),
             ("cause", "=", drift_core.IN_FLIGHT), ("product_id", "!=", False)]
        )  # fmt: skip
        queued = self.env["stock.channel.outbox"].search(
            [("channel_id", "=", self.id), ("product_id", "in", drifts.product_id.ids),
             ("state", "=", "pending")]
        ).product_id  # fmt: skip
        landed = drifts.product_id - queued
        return self._reconcile("recheck", landed) if landed else None

    def _reconcile_products(self, kind):
        products = self._channel_products(self.company_id)
        if kind != "rolling":
            return products
        ids = sorted(products.ids)
        size = drift_core.rolling_slice_size(len(ids))
        chosen, self.reconcile_cursor = drift_core.rolling_slice(ids, self.reconcile_cursor, size)
        return products.browse(chosen)

    # ------------------------------------------------------------------
    # A run
    # ------------------------------------------------------------------
    def _reconcile(self, kind, products=None):
        """Read `products` (None: per `kind`) back in chunks, judge each SKU, record the
        drifts and queue the corrections. Returns the run (failed: its error kept)."""
        self.ensure_one()
        channel = self.sudo()
        run = (
            self.env["stock.channel.reconcile"]
            .sudo()
            .create({"channel_id": channel.id, "kind": kind})
        )
        started = utcnow()  # a push accepted after this was sent after the read started
        totals = drift_core.RunTotals()
        products = products if products is not None else channel._reconcile_products(kind)
        if channel.polls_orders and kind != "recheck":
            # the orders the channel has counted come in first: not taken for edits
            channel._poll_orders()
        error = None
        try:
            with channel._connector() as connector:
                context = (run, started, totals, channel._unimported_quantities())
                size = RECONCILE_CHUNK
                if connector.reads_whole_listing:  # one listing, not one per chunk
                    size = max(len(products), 1)
                for start in range(0, len(products), size):
                    channel._reconcile_chunk(connector, products[start : start + size], *context)
                    # memory stays flat: the chunk's records leave the cache
                    self.env.flush_all()
                    self.env.invalidate_all()
                if kind in ("full", "manual"):
                    channel._reconcile_unmapped(connector, run, totals)
        except (SyncError, NotImplementedError) as err:
            error = str(err)
            _logger.warning("channel %s: reconciliation failed: %s", channel.code, error)
        run._finish(totals, started, error)
        if kind in ("full", "manual") and not error:
            channel.last_full_reconcile_at = run.started_at
        return run

    def _reconcile_chunk(self, connector, products, run, started, totals, unimported):
        Binding = self.env["stock.channel.binding"]
        bindings = self._bindings(products)
        own = {pid for pid, b in bindings.items() if b.fulfilled_by_channel}
        skus, _conflicts = Binding._channel_skus(self, products, bindings)
        skus = {pid: sku for pid, sku in skus.items() if sku and pid not in own}
        refs = {
            sku: (bindings[pid].external_id or "", bindings[pid].external_parent_id or "")
            for pid, sku in skus.items()
            if pid in bindings
        }
        read = connector.read_quantities(list(skus.values()), refs)
        facts = self._drift_facts(products.browse(list(skus)), skus, read, started, unimported)
        self._judge_drifts(run, facts, totals)

    def _drift_facts(self, products, skus, read, started, unimported):
        """[(product_id, SkuFacts)] of `products`, from a few grouped queries."""
        results = self._compute_publishable(products)
        lines = {
            line.product_id.id: line
            for line in self.env["stock.channel.quantity"].search(
                [("channel_id", "=", self.id), ("product_id", "in", products.ids)]
            )
        }
        pending, lost = self._push_states(products.ids)
        facts = []
        for product in products:
            line = lines.get(product.id)
            known = line and line.published_at
            sku = skus[product.id]
            facts.append((product.id, drift_core.SkuFacts(
                sku=sku,
                channel_qty=read.get(sku),
                bound=True,
                expected_qty=line.published_qty if known else None,
                publishable_qty=results[self.id, product.id].publishable,
                pending_push=product.id in pending
                or bool(known and line.published_at > started),
                last_push_lost=product.id in lost or bool(line and line.push_in_doubt),
                unimported_qty=unimported.get(sku, 0),
            )))  # fmt: skip
        return facts

    def _push_states(self, product_ids):
        """({variants with a push queued or awaiting its verdict}, {variants whose last
        push is lost: a dead letter, or no verdict by its deadline})."""
        cr = self.env.cr
        self.env["stock.channel.outbox"].flush_model()
        cr.execute(
            """SELECT product_id, bool_or(state = 'pending'), bool_or(state = 'dead')
                 FROM stock_channel_outbox
                WHERE channel_id = %s AND product_id = ANY(%s) GROUP BY product_id""",
            [self.id, product_ids],
        )
        pending, lost = set(), set()
        for product_id, queued, dead in cr.fetchall():
            (pending if queued else lost if dead else set()).add(product_id)
        self.env["stock.channel.sync.log"].flush_model()
        cr.execute(
            """SELECT (item->>'product_id')::int, bool_or(l.confirm_deadline < %s)
                 FROM stock_channel_sync_log l, jsonb_array_elements(l.items) item
                WHERE l.channel_id = %s AND l.state = 'sent'
                  AND (item->>'product_id')::int = ANY(%s)
                GROUP BY 1""",
            [fields.Datetime.now(), self.id, product_ids],
        )
        for product_id, overdue in cr.fetchall():
            (lost if overdue else pending).add(product_id)
        return pending, lost - pending

    def _unimported_quantities(self):
        """{sku: units} of the orders the channel sent that made no sale order yet (held
        for a person, or waiting): the channel has counted them, Odoo has not."""
        held = self.env["stock.channel.inbound"].sudo().search(
            [("channel_id", "=", self.id), ("kind", "=", KIND_ORDER),
             ("state", "in", HELD_STATES), ("sale_order_id", "=", False),
             ("authenticated", "=", True)]
        )  # fmt: skip
        units = defaultdict(int)
        for message in held:
            order_in, _rejected = message._parsed(message._connector().parse_order)
            for line in order_in.lines if order_in else ():
                units[line.sku] += int(line.quantity)
        return units

    def _reconcile_unmapped(self, connector, run, totals):
        """SKUs the channel lists that no variant maps (a full run reads the catalogue
        where the connector can)."""
        try:
            catalog = [entry.sku for entry in connector.list_catalog() if entry.sku]
        except NotImplementedError:
            return
        except SyncError as error:  # e.g. bol's 9 exports an hour: the next run lists them
            run.note = self.env._("The catalogue was not read: %(error)s", error=error)
            return
        owners = self.env["stock.channel.binding"]._sku_owners(self, catalog)
        facts = [
            (None, drift_core.SkuFacts(sku=sku, channel_qty=None, bound=False,
                                       expected_qty=None, publishable_qty=None))
            for sku in sorted(set(catalog) - set(owners))
        ]  # fmt: skip
        self._judge_drifts(run, facts, totals, listed=True)

    def _judge_drifts(self, run, facts, totals, listed=False):
        """Classify, record (one open drift per SKU, updated), close what is in sync
        again, and queue the corrections."""
        Drift = self.env["stock.channel.drift"].sudo()
        skus = [fact.sku for _pid, fact in facts]
        existing = Drift.search(
            [
                ("channel_id", "=", self.id),
                ("sku", "in", skus),
                ("state", "in", ("open", "accepted")),
            ]
        )
        opened = {d.sku: d for d in existing if d.state == "open"}
        accepted = {(d.sku, d.channel_qty) for d in existing if d.state == "accepted"}
        now = fields.Datetime.now()
        to_create, to_correct, in_sync, poll = [], Drift, Drift, False
        for product_id, fact in facts:
            cause = drift_core.classify(fact)
            if cause != drift_core.IN_SYNC and (fact.sku, fact.channel_qty) in accepted:
                cause = drift_core.IN_SYNC  # a person said the channel is right
            totals.add(cause, listed or fact.channel_qty is not None)
            drift = opened.get(fact.sku)
            if cause == drift_core.IN_SYNC:
                in_sync |= drift or Drift
                continue
            vals = _drift_vals(run, product_id, fact, cause, listed)
            if drift:
                drift.write(vals)
            else:
                to_create.append(dict(vals, channel_id=self.id, detected_at=now))
            poll = poll or cause == drift_core.UNIMPORTED_ORDER
        created = Drift.create(to_create)
        in_sync.write({"state": "corrected", "corrected_at": now, "correcting": False})
        for drift in (created | Drift.browse([d.id for d in opened.values()])).exists():
            if drift.state == "open" and drift.cause in drift_core.CORRECTABLE:
                to_correct |= drift
        if self.reconcile_auto_correct and to_correct:
            run.corrections += self._queue_corrections(to_correct)
        if poll:
            self._retry_held_orders()

    def _retry_held_orders(self):
        """Orders the channel counted and Odoo has not imported: those left for later are
        judged again now, the channel's orders polled again (a newer version may complete
        them); those held for a person stay in the order exceptions."""
        held = self.env["stock.channel.inbound"].sudo().search(
            [("channel_id", "=", self.id), ("kind", "=", KIND_ORDER), ("state", "=", RECEIVED),
             ("sale_order_id", "=", False), ("authenticated", "=", True)]
        )  # fmt: skip
        held.write({"retry_at": fields.Datetime.now()})
        crons = [("stock_channel_sync.ir_cron_process_inbound", bool(held))]
        crons.append(("stock_channel_sync.ir_cron_poll_orders", self.polls_orders))
        for xmlid, wanted in crons:
            if wanted:
                self.env.ref(xmlid).sudo()._trigger()

    def _queue_corrections(self, drifts):
        """Push the publishable quantity of the drifts' variants through the outbox,
        compared with what the channel was read holding. Returns how many."""
        drifts = drifts.filtered("product_id")
        drifts.write({"correcting": True})
        self.env["stock.channel.outbox"]._enqueue(
            drifts.product_id, channels=self, priority=PRIORITY_HIGH, force=True
        )
        return len(drifts)


def _drift_vals(run, product_id, fact, cause, listed):
    return {
        "run_id": run.id,
        "product_id": product_id or False,
        "sku": fact.sku,
        "expected_qty": fact.expected_qty or 0,
        "publishable_qty": fact.publishable_qty or 0,
        "channel_qty": fact.channel_qty or 0,
        "listed": listed or fact.channel_qty is not None,
        "cause": cause,
    }
