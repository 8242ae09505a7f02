"""Publishing: a channel's publishable quantities computed, refreshed and pushed."""

import logging
import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from psycopg2.errors import DeadlockDetected, LockNotAvailable, SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import mute_logger

from ...core import allocation
from ...core.progress import REPUBLISH
from .. import runtime
from ..access import check_manager_of

REFRESH_ATTEMPTS = 3
REFRESH_PAUSE = 0.2  # seconds, doubled at each new try of a lost race
_logger = logging.getLogger(__name__)
# the errors of a refresh at commit that the refresh cron catches up
LEFT_TO_THE_CRON = (SerializationFailure, DeadlockDetected, LockNotAvailable)


class StockChannel(models.Model):
    _inherit = "stock.channel"

    # ------------------------------------------------------------------
    # Publishable quantities
    # ------------------------------------------------------------------
    @api.model
    def _channel_products(self, companies=None):
        """The variants whose quantity the channels publish: storable, active products."""
        return self.env["product.product"].search(self._channel_products_domain(companies))

    @api.model
    def _channel_products_domain(self, companies=None):
        domain = [("is_storable", "=", True)]
        if companies:
            domain.append(("company_id", "in", [False, *companies.ids]))
        return domain

    def _compute_publishable(self, products, today=None, now=None):
        """Batch: {(channel_id, product_id): allocation.Result} for self x products: grouped
        queries per warehouse feeding a channel (its warehouse, or its sources keeping its
        promise at `now`: sources.py), core.allocation per warehouse with the fences of the
        channels drawing from it, one Result per channel (core.promise.combine); by chunks
        of variants, variants with the same inputs sharing one Result (publishable.py)."""
        today = today or datetime.now(UTC).date()  # the receipts' days are UTC days too
        products, kits = self._kit_batch(products.with_context(active_test=False))  # kits.py
        plan, combiners = self._publishing_plan(now)
        results = self._publishable_batch(products, plan, combiners, today)  # publishable.py
        results = self._apply_exclusions(products, self._kit_results(results, kits))
        return self._backorder_dates(results, today)  # future_stock.py

    def _orderable(self, products):
        """{product_id: units an order of this channel may take now} (see
        core.allocation.orderable): one set of grouped queries for all `products`."""
        self.ensure_one()
        figures = self.warehouse_id._channel_stock_figures(products)
        siblings = self | self._siblings()  # lookups.py
        # the one column of the companies the policy in force reads (not every column)
        siblings.company_id.fetch(["channel_peak_active"])
        resolve = self._own_resolver(siblings)
        return {
            product.id: allocation.orderable(
                figures[product.id], {ch.id: resolve(ch, product) for ch in siblings}, self.id
            )
            for product in products
        }

    def _shop_limits(self, products, free=None):
        """{product_id: units the webshop of this channel may sell now} (see
        core.allocation.shop_limit): the orderable quantity, within the warehouse's free
        quantity (`free`: {product_id: qty}, optional), plus the rule's backorder quantity
        when the channel takes backorders, whatever the products' own flag."""
        self.ensure_one()
        orderable = self._orderable(products)
        resolve = self._own_resolver(self)
        free = free or {}
        future = self._shop_future(products)
        return {
            product.id: allocation.shop_limit(
                orderable[product.id],
                resolve(self, product),
                self.allow_backorder,
                free=free.get(product.id),
                future=future[product.id][0],
            )
            for product in products
        }

    def _shop_availability(self, product, free=None):
        """(in stock, on backorder, words) of `product` in this channel's webshop: the
        two parts of its shop limit (see _shop_limits, `free` the warehouse's free
        quantity) and what the shop says of them (core.allocation.shop_words)."""
        self.ensure_one()
        rule = self._own_resolver(self)(self, product)
        in_stock, backorder = allocation.shop_split(
            self._orderable(product)[product.id], rule, self.allow_backorder, free=free
        )
        future, day = self._shop_future(product)[product.id]
        words = allocation.shop_words(in_stock, backorder, self.backorder_lead_days, future, day)
        return in_stock, backorder, words

    def _shop_rule_text(self, product):
        """What decides how much of `product` the channel's webshop may sell, in words
        (the product form shows it by *Sell when Out-of-Stock*)."""
        self.ensure_one()
        backorder = self.env._("no backorders")
        if self.allow_backorder and product:
            rule = self._own_resolver(self)(self, product)
            backorder = self.env._(
                "then up to %(qty)s on backorder (its rule's backorder quantity)",
                qty=max(0, rule.backorder_qty),
            )
        return self.env._(
            "%(website)s: channel %(channel)s decides. The cart and the checkout stop at "
            "the units it may sell, %(backorder)s; Sell when Out-of-Stock does not apply.",
            website=self.website_id.name,
            channel=self.display_name,
            backorder=backorder,
        )

    def _shipping_product(self):
        self.ensure_one()
        return self.shipping_product_id or self.env.ref(
            "stock_channel_sync.product_channel_shipping"
        )

    def _refresh_quantities(self, products=None):
        """Recompute and store stock.channel.quantity for self x products (all if None):
        the records whose publishable quantity changed."""
        if products is None:
            products = self._channel_products(self.company_id)
        results = self._compute_publishable(products)
        return self.env["stock.channel.quantity"]._store_results(results)

    @api.model
    def _on_stock_changed(self, _ids=None, warehouses=None, channels=None):
        """Stock or a channel changed in this transaction (core.events.STOCK_CHANGED, at
        its commit): the channels without a connector (webshop, POS), which nothing is
        pushed to, have the changed variants' quantities refreshed now, as the others'
        pushes are queued; a change of every variant (a policy, a channel) wakes the
        refresh cron instead of holding the user's commit. Never fails the change: rows
        locked or written concurrently are left to the refresh cron."""
        warehouses, channels = warehouses or {}, channels or {}
        local = self.sudo().browse(  # those drawing from the warehouses: lookups.py
            [channel.id for channel, _ids in self._drawing_from(warehouses, connected=False)]
        )
        if channels:
            local |= self.sudo().search([("connector", "=", False), ("id", "in", list(channels))])
        batches = defaultdict(lambda: self.sudo().browse())  # variant ids -> channels
        for channel in local:
            wanted = dict(channels.get(channel.id, {}))  # its warehouse's and sources' changes
            for warehouse_id in channel._drawn_warehouse_ids():
                wanted.update(warehouses.get(warehouse_id, {}))
            if None in wanted:
                self.env.ref("stock_channel_sync.ir_cron_refresh_quantities")._trigger()
                continue
            batches[tuple(sorted(wanted))] |= channel  # in id order: no deadlock
        if batches:
            self._refresh_at_commit(batches)

    def _refresh_at_commit(self, batches):
        """{variant ids: channels} refreshed, each waiting 2 s at most for a locked row."""
        Product = self.env["product.product"]
        cr = self.env.cr
        cr.execute("SHOW lock_timeout")
        lock_timeout = cr.fetchone()[0]
        try:
            with cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                cr.execute("SET LOCAL lock_timeout = '2s'")
                for product_ids, batch in batches.items():
                    batch._refresh_quantities(Product.browse(product_ids))
        except LEFT_TO_THE_CRON:
            _logger.info("channel quantities locked or written concurrently: left to the cron")
            self.env.ref("stock_channel_sync.ir_cron_refresh_quantities")._trigger()
        finally:
            cr.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])

    @api.model
    def _cron_refresh_quantities(self):
        """Scheduled action: recompute every active channel's quantities and log the
        duration. Channel by channel, each in its own transaction: a dispatcher writing
        the same rows meanwhile costs a new try of that channel, not the whole run."""
        start = time.monotonic()
        channels = self.search([])
        changed = self.env["stock.channel.quantity"]
        for channel in channels:
            changed |= channel._refresh_in_cron()
        self.env["ir.logging"].sudo().create(
            {
                "name": "stock_channel_sync",
                "type": "server",
                "level": "INFO",
                "dbname": self.env.cr.dbname,
                "path": "stock.channel",
                "func": "_cron_refresh_quantities",
                "line": "0",
                "message": "refreshed %d channel(s), %d quantity change(s) in %.0f ms"
                % (len(channels), len(changed), (time.monotonic() - start) * 1000),
            }
        )
        return changed

    def _refresh_in_cron(self, attempts=REFRESH_ATTEMPTS):
        """This channel refreshed in a transaction of its own, tried again after a lost
        race (a pause that grows); still lost after `attempts`, left to a run of the cron
        in a minute (a warning, not a failed cron: the other channels go on)."""
        for attempt in range(attempts):
            try:
                with self.env.cr.savepoint():
                    changed = self._refresh_quantities()
                    self._after_refresh(changed)  # before the commit (sources.py)
                runtime.commit_chunk(self.env, 1)
                return changed
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if runtime.in_test():
                    raise
                runtime.roll_back(self.env)
                time.sleep(random.uniform(0, REFRESH_PAUSE * 2**attempt))
        _logger.warning(
            "channel %s: quantities written concurrently, refreshed in a minute", self.code
        )
        cron = self.env.ref("stock_channel_sync.ir_cron_refresh_quantities").sudo()
        cron._trigger(at=fields.Datetime.now() + timedelta(minutes=1))
        runtime.commit_chunk(self.env)  # the next channel's lost race rolls back to here
        return self.env["stock.channel.quantity"]

    def action_refresh_quantities(self):
        check_manager_of(self)
        self._refresh_quantities()
        return self.action_open_quantities()

    def action_open_quantities(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_channel_sync.action_stock_channel_quantity"
        )
        action["domain"] = [("channel_id", "in", self.ids)]
        action["context"] = {"search_default_group_channel": len(self) > 1}
        return action

    # ------------------------------------------------------------------
    # Pushing
    # ------------------------------------------------------------------
    def _bindings(self, products):
        """{product_id: stock.channel.binding} of this channel for `products`."""
        self.ensure_one()
        bindings = self.env["stock.channel.binding"].search(
            [("channel_id", "=", self.id), ("product_id", "in", products.ids)]
        )
        return {binding.product_id.id: binding for binding in bindings}

    @api.model
    def _cron_dispatch(self):
        """Scheduled action, also triggered at each commit that fills the outbox."""
        self.env["stock.channel.dispatcher"]._run(follow=True)

    def action_dispatch_now(self):
        """Wake the dispatcher now (it runs in the cron worker, outside this request)."""
        check_manager_of(self)
        self._wake_dispatcher()
        return True

    @api.model
    def _wake_dispatcher(self, at=None, channel_ids=None):
        """Trigger the dispatch cron now or at `at`, a run listening told (wake.py) which
        channels have rows queued (`channel_ids`; None: any)."""
        self.env["stock.channel.dispatcher"]._wake(at=at, channel_ids=channel_ids)

    @api.model
    def _on_pushes_queued(self, rows, at=None, **payload):
        """Pushes queued, replayed or requeued on the channels `rows` (ids) (core.events):
        the dispatcher woken now/at `at`."""
        self._wake_dispatcher(at=at, channel_ids=rows)

    def action_republish(self):
        """Push every variant again (forced), e.g. after connecting a channel: a
        background job queues them, chunk by chunk."""
        check_manager_of(self)
        waiting = self.filtered(lambda channel: channel._waits_for_mapping())
        if waiting:
            raise UserError(
                self.env._(
                    "%(channels)s: nothing is pushed before the mapping is imported. Run"
                    " Import mapping first (or bind variants by hand).",
                    channels=", ".join(waiting.mapped("display_name")),
                )
            )
        return self.env["stock.channel.job"]._start_on(REPUBLISH, self)

    def action_replay_dead_letters(self):
        check_manager_of(self)
        return self.env["stock.channel.outbox"].action_replay_all(self.ids)
