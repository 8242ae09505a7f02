"""An order offered to a store: the stores of a channel compete for its orders, the first
to accept ships it (core.offers). The order stays reserved where sourcing put it during
the offer, so nothing else sells its units; the winner's store gets it by a reallocation."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import offers
from .access import CHANNEL_MANAGER, STOCK_MANAGER, check_groups, check_rules

STOCK_USER = "stock.group_stock_user"
EXPIRY_BATCH = 200


class StockChannelOffer(models.Model):
    _name = "stock.channel.offer"
    _description = "Order Offered to a Store"
    _order = "id desc"
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order", required=True, readonly=True, ondelete="cascade", index=True
    )
    channel_id = fields.Many2one(
        "stock.channel", required=True, readonly=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", string="Store", required=True, readonly=True, check_company=True
    )
    state = fields.Selection(
        offers.STATES, default=offers.OFFERED, required=True, readonly=True, index=True
    )
    round = fields.Integer(readonly=True, default=1)
    offered_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    expires_at = fields.Datetime(readonly=True, index=True)
    answered_by = fields.Many2one("res.users", readonly=True)
    answered_at = fields.Datetime(readonly=True)
    note = fields.Char(readonly=True)
    partner_id = fields.Many2one(related="order_id.partner_shipping_id", string="Customer")
    order_line_ids = fields.One2many(related="order_id.order_line", string="Lines")
    expires_in = fields.Char(compute="_compute_expires_in")
    is_my_store = fields.Boolean(
        compute="_compute_is_my_store", search="_search_is_my_store", string="My Stores"
    )

    @api.depends("expires_at", "state")
    def _compute_expires_in(self):
        now = fields.Datetime.now()
        for offer in self:
            if offer.state != offers.OFFERED or not offer.expires_at:
                offer.expires_in = False
                continue
            minutes = int((offer.expires_at - now).total_seconds() // 60)
            offer.expires_in = (
                self.env._("%(minutes)s min", minutes=minutes)
                if minutes >= 0
                else self.env._("expired")
            )

    def _my_store_ids(self):
        """The stores of the user: their default warehouse, else every warehouse of the
        companies they work in."""
        own = self.env.user.sudo().property_warehouse_id
        if own:
            return own.ids
        Warehouse = self.env["stock.warehouse"]
        return Warehouse.search([("company_id", "in", self.env.companies.ids)]).ids

    def _compute_is_my_store(self):
        mine = set(self._my_store_ids())
        for offer in self:
            offer.is_my_store = offer.warehouse_id.id in mine

    def _search_is_my_store(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        inside = (operator == "=") == value
        return [("warehouse_id", "in" if inside else "not in", self._my_store_ids())]

    # ------------------------------------------------------------------
    # A store answers
    # ------------------------------------------------------------------
    def _check_answerer(self, register_store=None):
        """A stock user of the offer's company, the company among theirs (before sudo),
        answering for one of their stores: `register_store`, the store of the register
        they answer from (checked by the register, pos.config), counts as theirs."""
        check_groups(self.env, STOCK_USER)
        check_rules(self, "read")
        if not self.env.su and self.company_id - self.env.user.company_ids:
            raise UserError(self.env._("This offer belongs to a company you do not work in."))
        managers = (STOCK_MANAGER, CHANNEL_MANAGER)
        if self.env.su or any(self.env.user.has_group(group) for group in managers):
            return
        if self.warehouse_id != register_store and self.warehouse_id.id not in self._my_store_ids():
            raise UserError(
                self.env._("This offer is for %(store)s, not one of your stores.",
                           store=self.warehouse_id.name)
            )  # fmt: skip

    def action_accept(self):
        """The store takes the order: exactly one store of a round wins (a conditional
        update of the order row), the order's deliveries move to it; the others lose."""
        self.ensure_one()
        self._check_answerer()
        return self._accept()

    def _accept(self):
        """action_accept, its answerer checked."""
        offer = self.sudo()
        offer._check_open()
        order = offer.order_id
        with self.env.cr.savepoint():
            if not order._channel_offer_claim():
                raise UserError(offer._taken_message())
            if order._channel_ship_warehouse() != offer.warehouse_id:
                order.with_context(channel_offer_accepting=True)._channel_reallocate(
                    offer.warehouse_id,
                    self.env._("accepted by %(store)s", store=offer.warehouse_id.name),
                )
            offer._answer(offers.ACCEPTED)
            (order.channel_offer_ids.filtered(lambda o: o.state == offers.OFFERED) - offer).write(
                {"state": offers.LOST}
            )
            order._channel_explain_append(
                self.env._(
                    "accepted by %(store)s (%(user)s)",
                    store=offer.warehouse_id.name,
                    user=self.env.user.name,
                )
            )
        return True

    def action_decline(self):
        """The store will not take the order: when no store of the round is left to
        answer, the next stores are offered it (or the warehouse ships it)."""
        self.ensure_one()
        self._check_answerer()
        return self._decline()

    def _decline(self):
        """action_decline, its answerer checked."""
        offer = self.sudo()
        offer._check_open()
        offer._answer(offers.DECLINED)
        order = offer.order_id
        order._channel_explain_append(
            self.env._("declined by %(store)s", store=offer.warehouse_id.name)
        )
        if not order.channel_offer_ids.filtered(lambda o: o.state == offers.OFFERED):
            order._channel_offer_next()
        return True

    def _check_open(self):
        if (
            self.state == offers.OFFERED
            and self.expires_at
            and self.expires_at <= fields.Datetime.now()
        ):
            at = fields.Datetime.context_timestamp(self, self.expires_at).strftime("%H:%M")
            raise UserError(self.env._("The offer expired at %(time)s.", time=at))
        if self.state == offers.OFFERED:
            return
        if self.order_id.channel_offer_state == offers.ORDER_ACCEPTED:
            raise UserError(self._taken_message())
        state = dict(self._fields["state"]._description_selection(self.env))[self.state]
        raise UserError(self.env._("This offer is closed: %(state)s.", state=state))

    def _answer(self, state):
        self.write(
            {"state": state, "answered_by": self.env.uid, "answered_at": fields.Datetime.now()}
        )

    def _taken_message(self):
        """'Already taken by Lille store at 14:31' (the accepted offer of the order)."""
        winner = self.order_id.channel_offer_ids.filtered(lambda o: o.state == offers.ACCEPTED)[:1]
        if not winner:
            return self.env._("This order is no longer offered to stores.")
        at = fields.Datetime.context_timestamp(self, winner.answered_at)
        return self.env._(
            "Already taken by %(store)s at %(time)s",
            store=winner.warehouse_id.name,
            time=at.strftime("%H:%M"),
        )

    # ------------------------------------------------------------------
    # Nobody answered in time
    # ------------------------------------------------------------------
    @api.model
    def _cron_expire_offers(self):
        """Scheduled every minute: the offers past their time expire, their orders go to
        the next stores (or the warehouse), a batch at a time."""
        while True:
            done = self._expire_due(EXPIRY_BATCH)
            left = self.env["ir.cron"]._commit_progress(done)
            if done < EXPIRY_BATCH or left <= 0:
                return

    @api.model
    def _expire_due(self, limit=None, now=None):
        """Expire the open offers past `expires_at` (at most `limit`), and move on their
        orders that have no open offer left. Returns how many offers expired."""
        due = self.sudo().search(
            [("state", "=", offers.OFFERED), ("expires_at", "<=", now or fields.Datetime.now())],
            limit=limit,
            order="expires_at, id",
        )
        due.write({"state": offers.EXPIRED})
        for order in due.order_id:
            if not order.channel_offer_ids.filtered(lambda o: o.state == offers.OFFERED):
                order._channel_explain_append(self.env._("no store answered in time"))
                order._channel_offer_next()
        return len(due)
