"""Order sourcing at intake: which of its channel's sources an order ships from
(docs/sourcing.md), recorded on the order (the explain, stock.channel.sourcing rows)."""

from odoo import fields, models

from ...core import sourcing as sourcing_core

PENDING = "stock_channel_sourcing"  # cr.cache key: {order id: Decision} taken under the locks
# a source this close to its daily capacity is locked (its last places taken once): more
# than the orders a server takes at the same time, so those that read its load without
# the lock cannot pass the capacity; further from it, orders do not wait for each other
CAPACITY_LOCK_MARGIN = 16


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_sourcing_explain = fields.Text(
        string="Sourcing",
        readonly=True,
        copy=False,
        help="Why the order ships from where it does: one line per source considered, "
        "then the reallocations.",
    )
    channel_sourcing_ids = fields.One2many(
        "stock.channel.sourcing", "order_id", string="Sourcing Records", readonly=True
    )

    # ------------------------------------------------------------------
    # The decision, under the variant locks
    # ------------------------------------------------------------------
    def _channel_sourced(self, channel):
        """Whether self is sourced on `channel`: a channel order or a webshop delivery
        of a channel with sources (a pickup takes its store, a POS sale its register)."""
        self.ensure_one()
        return bool(channel and channel.sudo().source_ids and not self._pickup_store())

    def _channel_shortfalls(self, channel):
        """A sourced order: the variants locked, the decision taken on the candidates'
        quantities (kept for the confirmation), its shortfall as {product: (needed,
        available)}."""
        if not self._channel_sourced(channel):
            return super()._channel_shortfalls(channel)
        needed = self._channel_needed_quantities()
        if not needed:
            return {}
        products = self.env["product.product"].union(*needed)
        self.env["stock.channel.variant.lock"].sudo()._acquire(products)
        needs = {product.id: qty for product, qty in needed.items()}
        candidates = self._channel_source_candidates(channel, products)
        routed = self.channel_rule_source_id.warehouse_id.id  # an order rule's route
        if routed and any(candidate.key == routed for candidate in candidates):
            candidates = [candidate for candidate in candidates if candidate.key == routed]
        split = self.channel_rule_split or channel.sudo().sourcing_split  # a rule's first
        if channel.sudo()._kit_components(self.order_line.product_id, self.company_id):
            split = "none"  # a kit ships whole from one place
        strategy = channel.sudo().sourcing_strategy
        decision = sourcing_core.choose(candidates, needs, strategy, split)
        self._channel_pending()[self.id] = (channel, decision)
        return {
            product: (needed[product], needed[product] - decision.shortfall[product.id])
            for product in needed
            if product.id in decision.shortfall
        }

    def _channel_pending(self):
        """{order id: (channel, Decision)} of this transaction: cr.cache outlives a commit
        or a rollback, so the entries go with the transaction."""
        cr = self.env.cr
        if PENDING not in cr.cache:
            cr.cache[PENDING] = {}
            for hooks in (cr.postcommit, cr.postrollback):
                hooks.add(lambda: cr.cache.pop(PENDING, None))
        return cr.cache[PENDING]

    def _channel_goods_lines(self):
        return self.order_line.filtered(
            lambda line: not line.display_type and line.product_id.is_storable
        )

    def _channel_source_candidates(self, channel, products=None):
        """[core.sourcing.Candidate] of `channel`'s sources for self, ranked by its
        strategy: the promise now, what an order may take at each (one stock query per
        source), today's load against the daily capacity (call under the variant locks)."""
        self.ensure_one()
        channel = channel.sudo()
        if products is None:
            products = self.env["product.product"].union(*self._channel_needed_quantities())
        _sources, qualified = channel._qualified_sources()
        lines = channel.source_ids.filtered(lambda s: s.warehouse_id.company_id == self.company_id)
        goods = len(self._channel_goods_lines()) or 1
        loads = self._channel_source_loads(lines, goods)
        candidates = []
        for line in lines:
            warehouse = line.warehouse_id
            ok, reach_days, reason = qualified[warehouse.id]
            candidates.append(
                sourcing_core.Candidate(
                    key=warehouse.id,
                    name=warehouse.name,
                    days=reach_days,
                    promise_met=ok,
                    available=channel._source_orderable(warehouse, products) if ok else {},
                    cost_rank=line.cost_rank,
                    sequence=line.sequence,
                    load=loads[line],
                    capacity=line.daily_capacity,
                    store=line.fallback,
                    unit=line.capacity_unit,
                    need=goods if line.capacity_unit == "lines" else 1,
                    reason=reason,
                )
            )
        needs = {p.id: q for p, q in self._channel_needed_quantities().items()}
        return sourcing_core.rank(candidates, needs, channel.sourcing_strategy)

    def _channel_source_loads(self, sources, goods=1):
        """{source line: orders (or lines) sourced at its warehouse on its local day, as
        its capacity counts}; the sources near their capacity locked first (`goods`: the
        order's lines, what it adds to a capacity in lines)."""
        Sourcing = self.env["stock.channel.sourcing"]
        days = {
            line: Sourcing._local_day(line.warehouse_id, cutoff_hour=line.cutoff_hour)
            for line in sources
        }
        load = Sourcing._load(sources.warehouse_id.ids, set(days.values()))
        loads = {}
        for line in sources:
            orders, lines = load.get((line.warehouse_id.id, days[line]), (0, 0))
            loads[line] = lines if line.capacity_unit == "lines" else orders

        # a full source is skipped whatever the others do: only those with places left
        # for this order; the margin counts orders, or lines (as many orders of its size)
        def close(source):
            need = goods if source.capacity_unit == "lines" else 1
            room = source.daily_capacity - loads[source]
            return source.daily_capacity and need <= room <= CAPACITY_LOCK_MARGIN * need

        near = sources.filtered(close)
        self._channel_lock_capacity(near)
        return loads

    def _channel_lock_capacity(self, sources):
        """Lock the warehouses of `sources` that have a daily capacity (every channel's
        source lines of them, in id order, after the variant locks), as the variant locks
        do: a transaction that waited while another one took the last place and committed
        fails to serialize and runs again on fresh counts."""
        if sources:
            self.env.cr.execute(
                """
                UPDATE stock_channel_source SET daily_capacity = daily_capacity
                 WHERE id IN (SELECT id FROM stock_channel_source
                               WHERE warehouse_id = ANY(%s) AND daily_capacity > 0
                               ORDER BY id FOR UPDATE)
                """,
                [sorted(sources.warehouse_id.ids)],
                log_exceptions=False,  # a lost race is expected: the caller runs it again
            )

    # ------------------------------------------------------------------
    # The decision applied at the confirmation
    # ------------------------------------------------------------------
    def _action_confirm(self):
        """Before the procurement runs (sale_stock): each sourced order ships from the
        warehouse(s) its decision chose; a pickup records its store."""
        for order in self:
            channel = order._channel_for_check()
            if not channel or not channel.sudo().source_ids:
                continue
            pending = self._channel_pending()
            if order._channel_sourced(channel) and order.id not in pending:
                order._channel_shortfalls(channel)  # confirmed without a check (backorders)
            if order.id in pending:
                order._channel_apply_sourcing(*pending[order.id])
            elif order._pickup_store():
                store = order._pickup_store()
                order._channel_record_sourcing(channel, {store: order._channel_goods_lines()})
                order._channel_explain_append(self.env._("pickup at %(store)s", store=store.name))
        return super()._action_confirm()

    def action_confirm(self):
        """Then the hook, with the decision the order was confirmed on."""
        pending = self._channel_pending()
        if not self.env.context.get("stock_channel_checked"):
            for order_id in self.ids:  # decided again under the locks, now
                pending.pop(order_id, None)
        try:
            res = super().action_confirm()
            entries = {order: pending.get(order.id) for order in self}
        finally:
            for order_id in self.ids:  # whatever happens, the decisions go
                pending.pop(order_id, None)
        for order, entry in entries.items():
            if entry and order.state == "sale":
                order._channel_after_sourcing(entry[1])
        return res

    def _action_cancel(self):
        """A cancelled order no longer counts against its sources' daily capacity."""
        res = super()._action_cancel()
        rows = self.sudo().channel_sourcing_ids.filtered(lambda r: r.state == "active")
        rows._release(self.env._("order cancelled"))
        return res

    def _channel_apply_sourcing(self, channel, decision):
        """Set where self ships from (`decision`: core.sourcing.Decision), record it."""
        self.ensure_one()
        self._channel_explain_append(*decision.lines)
        if not decision.allocations:
            return
        order = self.sudo()
        Warehouse = self.env["stock.warehouse"].sudo()
        lines = order._channel_goods_lines()
        if len(decision.allocations) == 1:
            warehouse = Warehouse.browse(decision.allocations[0][0])
            order.warehouse_id = warehouse
            lines.channel_source_warehouse_id = warehouse
            order._channel_record_sourcing(channel, {warehouse: lines})
            return
        order.warehouse_id = Warehouse.browse(decision.allocations[0][0])  # the rest
        by_warehouse = order._channel_split_lines(decision.allocations)
        order._channel_record_sourcing(
            channel, {Warehouse.browse(key): parts for key, parts in by_warehouse.items()}
        )

    def _channel_split_lines(self, allocations):
        """Give each goods line its warehouse from `allocations` [(warehouse id,
        {product_id: qty})]; a line whose units come from several warehouses is split
        into lines of the same channel line. Returns {warehouse id: lines}."""
        by_warehouse = {}
        for product, lines in self._channel_goods_lines().grouped("product_id").items():
            parts = [(key, qty[product.id]) for key, qty in allocations if product.id in qty]
            plan = sourcing_core.split_parts(
                parts, [(line, line._channel_ordered_qty()) for line in lines]
            )
            seen = set()
            for key, line, qty in plan:
                uom_qty = product.uom_id._compute_quantity(qty, line.product_uom_id)
                # the order is confirmed already: a line's warehouse is set with (or
                # before) its quantity, which runs its procurement
                vals = {"channel_source_warehouse_id": key, "product_uom_qty": uom_qty,
                        "price_unit": line.price_unit, "discount": line.discount}  # fmt: skip
                if line in seen:  # more units of the line from another warehouse
                    part = line.copy(
                        {**vals, "order_id": self.id, "channel_line_ref": line.channel_line_ref}
                    )
                else:
                    seen.add(line)
                    part = line
                    part.write(vals)
                by_warehouse[key] = by_warehouse.get(key, part.browse()) | part
        return by_warehouse

    def _channel_after_sourcing(self, decision):
        """Called right after a sourced order is confirmed (`decision`: the
        core.sourcing.Decision). Nothing by default (store offers override it)."""
        return None

    def _channel_explain_append(self, *texts):
        """Add lines to the order's sourcing explain."""
        for order in self.sudo():
            lines = [order.channel_sourcing_explain or "", *texts]
            order.channel_sourcing_explain = "\n".join(line for line in lines if line)

    def _channel_record_sourcing(self, channel, allocations):
        """Active stock.channel.sourcing rows of self: `allocations` {warehouse: lines}."""
        self.ensure_one()
        Sourcing = self.env["stock.channel.sourcing"].sudo()
        return Sourcing.create(
            [
                {
                    "order_id": self.id,
                    "channel_id": channel.id,
                    "company_id": self.company_id.id,
                    "warehouse_id": warehouse.id,
                    "day": Sourcing._source_day(channel, warehouse),
                    "line_count": len(lines),
                }
                for warehouse, lines in allocations.items()
            ]
        )

    def _channel_status_body(self):
        """A channel line split over sources is one line for the channel."""
        body = super()._channel_status_body()
        body["lines"] = sourcing_core.merge_body_lines(body["lines"])
        return body
