from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import sql

from ..access import check_reader_of
from ..explain import steps_table

EXPLAIN_VIEW = "stock_channel_sync.view_stock_channel_quantity_explain"
# _store_results' upsert of the computed figures (_result_rows: the values, in this order)
RESULT_COLUMNS = (
    "channel_id company_id product_id on_hand_qty reserved_qty non_sellable_qty sellable_qty "
    "incoming_qty ring_fenced_qty fence_shortfall publishable_qty rule computed_at "
    "available_at excluded_by"
).split()
# their types, in the same order (an upsert reading them from arrays: push.py); the
# figures as numeric, stored in their columns as a row of VALUES stored them (a float
# figure in an integer column rounded, not refused)
RESULT_TYPES = (
    "int int int numeric numeric numeric numeric numeric numeric bool numeric varchar "
    "timestamp date varchar"
).split()
# the figures an upsert sets again on a line that exists (all but its key and company)
RESULT_SET = ",\n        ".join(f"{name} = EXCLUDED.{name}" for name in RESULT_COLUMNS[3:])
UPSERT_RESULTS = f"""
    INSERT INTO stock_channel_quantity ({", ".join(RESULT_COLUMNS)})
    VALUES %s
    ON CONFLICT (channel_id, product_id) DO UPDATE SET
        {RESULT_SET}
    RETURNING id, channel_id, product_id, publishable_qty, available_at
"""
# indexes of earlier versions, dropped at the module's update (init): a Republish all
# writes a line per variant and channel, and each was written in them too
DROPPED_INDEXES = ("channel_id", "company_id")
# the same, nothing returned (a push's: it compares with what the channel holds)
UPSERT_QUIET = UPSERT_RESULTS.split("RETURNING", maxsplit=1)[0]
# what tells whether the channel holds the publishable quantity (and its date)
IN_SYNC_FIELDS = "publishable_qty published_qty published_at push_in_doubt available_at "
IN_SYNC_FIELDS = (IN_SYNC_FIELDS + "published_available_at").split()


class StockChannelQuantity(models.Model):
    _name = "stock.channel.quantity"
    _description = "Channel Quantity per Variant"
    _order = "channel_id, product_id"
    _rec_name = "product_id"
    # figures computed by the system (computed_at says when): no author nor dates, each
    # line written without the two checks of res_users a Republish all made per line
    _log_access = False

    # a channel's lines: read from _channel_product_uniq (channel_id first)
    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True)
    warehouse_id = fields.Many2one(related="channel_id.warehouse_id")
    default_code = fields.Char(related="product_id.default_code", string="Internal Reference")
    on_hand_qty = fields.Float(string="On Hand", digits="Product Unit", readonly=True)
    reserved_qty = fields.Float(string="Reserved", digits="Product Unit", readonly=True)
    non_sellable_qty = fields.Float(string="Non-sellable", digits="Product Unit", readonly=True)
    sellable_qty = fields.Integer(string="Sellable", readonly=True)
    incoming_qty = fields.Integer(string="Incoming Counted", readonly=True)
    ring_fenced_qty = fields.Integer(string="Ring-fenced", readonly=True)
    fence_shortfall = fields.Boolean(
        readonly=True, help="The channels' ring-fenced quotas exceed sellable: scaled down."
    )
    publishable_qty = fields.Integer(string="Publishable", readonly=True, aggregator="sum")
    rule = fields.Char(string="Rule Applied", readonly=True)
    excluded_by = fields.Char(string="Excluded by Rule", readonly=True)
    computed_at = fields.Datetime(readonly=True)
    published_qty = fields.Integer(string="Published", readonly=True)
    published_at = fields.Datetime(readonly=True)
    # future stock: the day the receipts counted bring every publishable unit in (empty:
    # all on hand now), and the one the channel was last given with its quantity
    available_at = fields.Date(string="Available From", readonly=True)
    published_available_at = fields.Date(string="Published Available From", readonly=True)
    # channels told more than a quantity (Google Merchant Center): the units on hand and
    # each store's figures the channel last took (core.connectors.types.detail_key)
    published_detail = fields.Char(readonly=True)
    push_in_doubt = fields.Boolean(
        readonly=True,
        help="A push of this variant left without a known outcome (timeout, dropped "
        "connection, crash before its answer was recorded): the next push is sent whatever "
        "the published quantity says.",
    )
    in_sync = fields.Boolean(compute="_compute_in_sync", search="_search_in_sync")
    # the steps from on hand down to the publishable quantity, now, with their figures
    explain_html = fields.Html("Why This Quantity", compute="_compute_explain_html", sanitize=False)

    _channel_product_uniq = models.UniqueIndex(
        "(channel_id, product_id)", "One quantity per channel and variant."
    )
    # the variants at 0 somewhere (the Products x Channels grid's filter), a few of all
    _at_zero_idx = models.Index("(product_id, channel_id) WHERE publishable_qty = 0")

    def init(self):
        # The push sequence of the variant on the channel: bigint, outside the ORM (an
        # Integer field is 32 bits). See _claim_sequences.
        self.env.cr.execute(
            "ALTER TABLE stock_channel_quantity ADD COLUMN IF NOT EXISTS last_sequence bigint"
        )
        # A push writes its line twice (its figures stored with its claim, in doubt, then
        # published), and every computation once: half of each page left free lets
        # PostgreSQL make those updates in place (HOT: no new entry in the four indexes),
        # about half their cost in a Republish all. New pages only: a VACUUM FULL
        # applies it to the old ones.
        self.env.cr.execute("ALTER TABLE stock_channel_quantity SET (fillfactor = 50)")
        for column in DROPPED_INDEXES:
            sql.drop_index(self.env.cr, sql.make_index_name(self._table, column), self._table)
        # the author and dates of earlier versions (_log_access)
        self.env.cr.execute(
            "ALTER TABLE stock_channel_quantity DROP COLUMN IF EXISTS create_uid, "
            "DROP COLUMN IF EXISTS create_date, DROP COLUMN IF EXISTS write_uid, "
            "DROP COLUMN IF EXISTS write_date"
        )

    @api.depends(*IN_SYNC_FIELDS)
    def _compute_in_sync(self):
        for line in self:
            line.in_sync = (
                bool(line.published_at)
                and not line.push_in_doubt
                and line.published_qty == line.publishable_qty
                and line.published_available_at == line.available_at
            )

    def _compute_explain_html(self):
        for line in self:
            data = line.product_id.sudo()._channel_explain(line.channel_id.sudo())
            line.explain_html = steps_table(self.env, data["steps"])

    # ------------------------------------------------------------------
    # Why this quantity: one action every explain button opens
    # ------------------------------------------------------------------
    def action_explain(self):
        """The explain of the variant on the channel, in a dialog, for the channel users who
        may read the line; its figures refreshed first (the quantity its steps end with)."""
        self.ensure_one()
        check_reader_of(self)
        line = self.sudo()
        line._store_results(line.channel_id._compute_publishable(line.product_id))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Why %(qty)s? %(product)s on %(channel)s",
                qty=self.publishable_qty,
                product=self.product_id.display_name,
                channel=self.channel_id.display_name,
            ),
            "res_model": self._name,
            "res_id": self.id,
            "views": [(self.env.ref(EXPLAIN_VIEW).id, "form")],
            "target": "new",
        }

    @api.model
    def _explain_action(self, channel, products):
        """The explain of `products` on `channel` (computed first when never stored): the
        dialog of one, the list of several, each with its Explain."""
        channel, products = channel.with_env(self.env), products.with_env(self.env)
        check_reader_of(channel)
        products = products.filtered("is_storable")
        if not products:
            raise UserError(self.env._("No stocked variant to explain here."))
        domain = [("channel_id", "=", channel.id), ("product_id", "in", products.ids)]
        if self.sudo().search_count(domain) < len(products):
            self.sudo()._store_results(channel.sudo()._compute_publishable(products.sudo()))
        lines = self.search(domain)
        if len(lines) == 1:
            return lines.action_explain()
        action = channel.action_open_quantities()
        return {**action, "domain": domain}

    def _search_in_sync(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        self.flush_model(IN_SYNC_FIELDS)
        self.env.cr.execute(
            "SELECT id FROM stock_channel_quantity WHERE published_at IS NOT NULL "
            "AND NOT COALESCE(push_in_doubt, false) AND published_qty = publishable_qty "
            "AND available_at IS NOT DISTINCT FROM published_available_at"
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", ids)]

    @api.model
    def _store_results(self, results, changes=True):
        """Upsert {(channel_id, product_id): allocation.Result} in one statement.

        Returns the records whose publishable quantity or date changed (or that are new);
        without `changes` (a push: it compares with what the channel holds), nothing is
        read nor returned.
        """
        if not results:
            return self.browse()
        self.flush_model()
        channel_ids = list({key[0] for key in results})
        rows = self._result_rows(results, channel_ids)
        if not changes:
            execute_values(self.env.cr._obj, UPSERT_QUIET, rows, page_size=1000)
            self.invalidate_model()
            return self.browse()
        product_ids = list({key[1] for key in results})
        self.env.cr.execute(
            "SELECT channel_id, product_id, publishable_qty, available_at "
            "FROM stock_channel_quantity "
            "WHERE channel_id = ANY(%s) AND product_id = ANY(%s)",
            [channel_ids, product_ids],
        )
        before = {(ch, prod): (qty, day) for ch, prod, qty, day in self.env.cr.fetchall()}
        returned = execute_values(
            self.env.cr._obj, UPSERT_RESULTS, rows, page_size=1000, fetch=True
        )
        self.invalidate_model()
        changed = [rid for rid, ch, prod, *now in returned if before.get((ch, prod)) != tuple(now)]
        return self.browse(changed)

    def _result_rows(self, results, channel_ids):
        """The rows of _store_results' upsert, in its columns' order."""
        now = fields.Datetime.now()
        companies = {
            channel.id: channel.company_id.id
            for channel in self.env["stock.channel"].sudo().browse(channel_ids)
        }
        return [
            (
                channel_id,
                companies[channel_id],
                product_id,
                res.stock.on_hand,
                res.stock.reserved,
                res.stock.non_sellable,
                res.sellable,
                res.incoming,
                res.ring_fenced,
                res.fence_shortfall,
                res.publishable,
                res.rule,
                now,  # computed_at
                res.available_at,
                res.excluded or None,
            )
            for (channel_id, product_id), res in results.items()
        ]
