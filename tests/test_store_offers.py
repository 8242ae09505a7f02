"""Stores competing for an order (docs/store-offers.md): offered after sourcing to the best
stores able to ship it, the first to accept wins, when nobody answers the next stores,
then the warehouse."""

import threading
import uuid
from datetime import timedelta
from functools import partial

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.service.model import retrying
from odoo.tests import new_test_user, tagged

from .common import OrderCase
from .live_server import LiveServerCase
from .test_pos_tour import PosTourCase

RACE_ROUNDS = 20
TOUR = "stock_channel_sync_pos_store_offer"
BACKEND_TOUR = "stock_channel_sync_store_offers_backend"
JOIN_SECONDS = 120


class OfferCase(OrderCase):
    """The market channel sources from Paris warehouse, then three stores taking offers
    (Lyon, Lille, Nantes), offered 2 at a time for 15 minutes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse.name = "Paris warehouse"
        Warehouse = cls.env["stock.warehouse"]
        cls.lyon = Warehouse.create({"name": "Lyon store", "code": "LYO"})
        cls.lille = Warehouse.create({"name": "Lille store", "code": "LIL"})
        cls.nantes = Warehouse.create({"name": "Nantes store", "code": "NAN"})
        cls.stores = cls.lyon | cls.lille | cls.nantes
        cls.market.write({"offer_to_stores": True, "offer_count": 2, "offer_minutes": 15})
        cls.env["stock.channel.source"].create(
            [
                {"channel_id": cls.market.id, "warehouse_id": warehouse.id,
                 "sequence": sequence, "offer_orders": warehouse != cls.warehouse}
                for sequence, warehouse in enumerate(cls.warehouse | cls.stores)
            ]
        )  # fmt: skip

    def stock(self, paris=0, lyon=0, lille=0, nantes=0, product=None):
        product = product or self.product
        for warehouse, qty in zip(
            self.warehouse | self.stores, (paris, lyon, lille, nantes), strict=True
        ):
            self.set_stock(product, qty, warehouse.lot_stock_id)

    def reserved(self, warehouse, product=None):
        quants = self.env["stock.quant"].search(
            [("product_id", "=", (product or self.product).id),
             ("location_id", "child_of", warehouse.view_location_id.id)]
        )  # fmt: skip
        return sum(quants.mapped("reserved_quantity"))

    def order(self, ref, qty=2):
        _inbound, _status, answer = self.receive_order(self.order_payload(ref, [("WIDGET", qty)]))
        order = self.order_of(ref)
        self.assertEqual(order.state, "sale", answer)
        return order

    def offer(self, order, store):
        return order.channel_offer_ids.filtered(
            lambda o: o.warehouse_id == store and o.state == "offered"
        )

    def states(self, order):
        return {o.warehouse_id.name: o.state for o in order.channel_offer_ids}

    def expire(self, minutes=16):
        now = fields.Datetime.now() + timedelta(minutes=minutes)
        return self.env["stock.channel.offer"]._expire_due(now=now)


@tagged("post_install", "-at_install")
class TestStoreOffers(OfferCase):
    def test_an_order_is_offered_at_once_to_the_best_stores_able_to_ship_it(self):
        self.stock(paris=5, lyon=2, lille=1, nantes=3)  # Lille cannot ship 2
        order = self.order("OF-1")
        self.assertEqual(self.reserved(self.warehouse), 2)  # sourced: Paris, first
        self.assertEqual(self.states(order), {"Lyon store": "offered", "Nantes store": "offered"})
        self.assertEqual(order.channel_offer_state, "offered")
        offer = self.offer(order, self.lyon)
        self.assertEqual(offer.round, 1)
        self.assertEqual(offer.expires_at - offer.offered_at, timedelta(minutes=15))
        self.assertRegex(
            order.channel_sourcing_explain, r"offered to Lyon store, Nantes store until \d\d:\d\d"
        )

    def test_the_best_stores_are_those_of_the_channel_strategy(self):
        self.market.sourcing_strategy = "score"
        ranks = {self.warehouse: 3, self.lyon: 1, self.lille: 2, self.nantes: 0}
        for source in self.market.source_ids:
            source.cost_rank = ranks[source.warehouse_id]
        self.stock(paris=5, lyon=2, lille=2, nantes=2)
        order = self.order("OF-12")
        self.assertEqual(self.reserved(self.nantes), 2)  # sourced at the cheapest: Nantes
        self.assertEqual(self.states(order), {"Nantes store": "offered", "Lyon store": "offered"})
        self.assertIn("offered to Nantes store, Lyon store until", order.channel_sourcing_explain)
        self.offer(order, self.nantes).action_accept()  # already there: nothing moves
        self.assertEqual((self.reserved(self.nantes), self.reserved(self.warehouse)), (2, 0))

    def test_a_channel_not_offering_to_stores_offers_nothing(self):
        self.market.offer_to_stores = False
        self.stock(paris=5, lyon=2, lille=2, nantes=2)
        order = self.order("OF-2")
        self.assertFalse(order.channel_offer_ids)
        self.assertFalse(order.channel_offer_state)

    def test_accepting_moves_the_reservation_to_the_store_and_the_others_lose(self):
        self.stock(paris=5, lyon=2, lille=2, nantes=2)
        order = self.order("OF-3")
        self.offer(order, self.lille).action_accept()
        self.assertEqual(self.states(order), {"Lyon store": "lost", "Lille store": "accepted"})
        self.assertEqual(order.channel_offer_state, "accepted")
        self.assertEqual((self.reserved(self.warehouse), self.reserved(self.lille)), (0, 2))
        self.assertEqual(order.order_line.warehouse_id, self.lille)
        accepted = order.channel_offer_ids.filtered(lambda o: o.state == "accepted")
        self.assertEqual(accepted.answered_by, self.env.user)
        self.assertIn("accepted by Lille store", order.channel_sourcing_explain)
        # the store that lost is told who took it, and when
        with self.assertRaisesRegex(UserError, r"Already taken by Lille store at \d\d:\d\d"):
            order.channel_offer_ids.filtered(lambda o: o.state == "lost").action_accept()

    def test_a_store_accepting_where_the_order_already_is_keeps_it_there(self):
        self.market.source_ids.filtered(
            lambda s: s.warehouse_id == self.warehouse
        ).offer_orders = True
        self.stock(paris=5, lyon=2)
        order = self.order("OF-4")
        self.assertEqual(
            self.states(order), {"Paris warehouse": "offered", "Lyon store": "offered"}
        )
        self.offer(order, self.warehouse).action_accept()
        self.assertEqual((self.reserved(self.warehouse), self.reserved(self.lyon)), (2, 0))
        self.assertEqual(order.channel_offer_state, "accepted")

    def test_a_store_that_lost_its_stock_cannot_accept_and_the_offer_stays(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-5")
        self.set_stock(self.product, 1, self.lyon.lot_stock_id)
        with self.assertRaisesRegex(UserError, "WIDGET needs 2, 1 available"):
            self.offer(order, self.lyon).action_accept()
        self.assertEqual(self.states(order), {"Lyon store": "offered", "Lille store": "offered"})
        self.assertEqual(order.channel_offer_state, "offered")
        self.assertEqual(self.reserved(self.warehouse), 2)
        self.offer(order, self.lille).action_accept()
        self.assertEqual(self.reserved(self.lille), 2)

    def test_stock_stays_reserved_where_sourcing_put_it_during_the_offer(self):
        self.stock(paris=2, lyon=2, lille=2)
        order = self.order("OF-6")
        self.assertEqual(order.channel_offer_state, "offered")
        self.assertEqual(self.reserved(self.warehouse), 2)
        # the webshop and the POS of Paris cannot sell those units meanwhile
        self.assertEqual(self.web._shop_limits(self.product)[self.product.id], 0)
        self.assertEqual(self.pos._orderable(self.product)[self.product.id], 0)

    def test_offers_not_answered_go_to_the_next_stores_then_the_warehouse(self):
        self.stock(paris=5, lyon=2, lille=2, nantes=2)
        order = self.order("OF-7")
        self.assertEqual(self.expire(minutes=5), 0)  # not yet
        self.assertEqual(self.expire(), 2)
        self.assertEqual(
            self.states(order),
            {"Lyon store": "expired", "Lille store": "expired", "Nantes store": "offered"},
        )
        self.assertEqual(self.offer(order, self.nantes).round, 2)
        self.assertEqual(self.expire(minutes=31), 1)
        self.assertEqual(order.channel_offer_state, "fallback")
        self.assertEqual(self.reserved(self.warehouse), 2)  # it was there: no move
        self.assertIn("no store answered in time", order.channel_sourcing_explain)
        self.assertIn(
            "no store took it: ships from Paris warehouse", order.channel_sourcing_explain
        )

    def test_nobody_accepting_never_moves_the_order_to_a_source_at_capacity(self):
        self.market.source_ids.filtered(lambda s: s.warehouse_id == self.warehouse).write(
            {"daily_capacity": 1}
        )
        self.stock(paris=5, lyon=2, lille=2, nantes=2)
        self.order("OF-13")  # Paris is full now
        order = self.order("OF-14")
        self.assertEqual(self.reserved(self.lyon), 2)
        self.expire()
        self.expire(minutes=31)
        self.assertEqual(self.reserved(self.lyon), 2)  # not moved to Paris at capacity
        self.assertEqual(self.reserved(self.warehouse), 2)  # the first order only
        self.assertEqual(order.channel_exception, "to_check")
        self.assertIn("no warehouse can ship it", order.channel_sourcing_explain)

    def test_a_store_at_capacity_is_not_offered_the_order(self):
        self.market.source_ids.filtered(lambda s: s.warehouse_id == self.lyon).write(
            {"daily_capacity": 1}
        )
        self.stock(paris=5, lyon=4, lille=2, nantes=2)
        first = self.order("OF-15")
        self.offer(first, self.lyon).action_accept()  # Lyon is full now
        second = self.order("OF-16")
        self.assertEqual(self.states(second), {"Lille store": "offered", "Nantes store": "offered"})

    def test_an_expired_offer_cannot_be_accepted(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-17")
        offer = self.offer(order, self.lyon)
        offer.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        with self.assertRaisesRegex(UserError, "expired at"):
            offer.action_accept()
        self.assertEqual(order.channel_offer_state, "offered")

    def test_the_cron_expires_the_offers_due(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-8")
        order.channel_offer_ids.write({"expires_at": fields.Datetime.now() - timedelta(minutes=1)})
        cron = self.env.ref("stock_channel_sync.ir_cron_expire_offers")
        self.assertEqual(cron.interval_type, "minutes")
        self.assertEqual(self.env["stock.channel.offer"]._expire_due(), 2)
        self.assertEqual(order.channel_offer_state, "fallback")

    def test_declined_by_every_store_of_the_round_goes_to_the_next(self):
        self.stock(paris=5, lyon=2, lille=2, nantes=2)
        order = self.order("OF-9")
        self.offer(order, self.lyon).action_decline()
        self.assertEqual(self.states(order), {"Lyon store": "declined", "Lille store": "offered"})
        self.offer(order, self.lille).action_decline()
        self.assertEqual(self.offer(order, self.nantes).round, 2)
        self.assertIn("declined by Lille store", order.channel_sourcing_explain)
        with self.assertRaisesRegex(UserError, "This offer is closed: Declined"):
            order.channel_offer_ids.filtered(lambda o: o.warehouse_id == self.lyon).action_accept()

    def test_a_cancelled_order_withdraws_its_offers(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-10")
        order._action_cancel()
        self.assertEqual(
            self.states(order), {"Lyon store": "withdrawn", "Lille store": "withdrawn"}
        )

    def test_a_reallocation_by_customer_service_withdraws_the_offers(self):
        self.stock(paris=5, lyon=2, lille=2, nantes=2)
        order = self.order("OF-11")
        order._channel_reallocate(self.nantes, "the customer asked")
        self.assertEqual(
            self.states(order), {"Lyon store": "withdrawn", "Lille store": "withdrawn"}
        )
        self.assertFalse(order.channel_offer_state)
        self.assertEqual(self.reserved(self.nantes), 2)


@tagged("post_install", "-at_install")
class TestStoreOfferAccess(OfferCase):
    def test_a_user_without_stock_rights_cannot_answer(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-A1")
        user = new_test_user(self.env, "offer_sales", groups="sales_team.group_sale_salesman")
        offer = self.offer(order, self.lyon)
        for action in ("action_accept", "action_decline"):
            with self.assertRaises(AccessError):
                getattr(offer.with_user(user), action)()
        self.assertEqual(offer.state, "offered")

    def test_a_stock_user_of_another_company_cannot_accept(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-A2")
        _company, manager_b = self.second_company()
        offer = self.offer(order, self.lyon)
        with self.assertRaises(AccessError):
            offer.with_user(manager_b).action_accept()
        self.assertEqual(order.channel_offer_state, "offered")

    def test_a_stock_user_of_the_company_accepts(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-A3")
        clerk = new_test_user(self.env, "offer_clerk", groups="stock.group_stock_user")
        self.offer(order, self.lyon).with_user(clerk).action_accept()
        self.assertEqual(order.channel_offer_state, "accepted")
        self.assertEqual(
            order.channel_offer_ids.filtered(lambda o: o.state == "accepted").answered_by, clerk
        )
        self.assertEqual(self.reserved(self.lyon), 2)

    def test_a_store_clerk_cannot_accept_another_store_offer(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-A5")
        clerk = new_test_user(self.env, "offer_lille", groups="stock.group_stock_user")
        clerk.property_warehouse_id = self.lille
        with self.assertRaisesRegex(UserError, "not one of your stores"):
            self.offer(order, self.lyon).with_user(clerk).action_accept()
        self.assertEqual(order.channel_offer_state, "offered")
        self.offer(order, self.lille).with_user(clerk).action_accept()
        self.assertEqual(order.channel_offer_state, "accepted")

    def test_my_stores_are_my_default_warehouse(self):
        self.stock(paris=5, lyon=2, lille=2)
        order = self.order("OF-A4")
        clerk = new_test_user(self.env, "offer_lyon", groups="stock.group_stock_user")
        clerk.property_warehouse_id = self.lyon
        Offer = self.env["stock.channel.offer"].with_user(clerk)
        mine = Offer.search([("is_my_store", "=", True), ("order_id", "=", order.id)])
        self.assertEqual(mine.warehouse_id, self.lyon)


@tagged("post_install", "-at_install")
class TestStoreOfferRace(LiveServerCase):
    """Two stores accepting the same offered order at the same moment, each in its own
    transaction (as two HTTP workers do): exactly one wins, the other is told who took
    it, the reservation is where the winner is. Commits its data, removes it at the end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = uuid.uuid4().hex[:6]
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            cls.paris = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            cls.store = env["stock.warehouse"].create(
                {"name": f"Race store {cls.token}", "code": f"R{cls.token[:4]}"}
            )
            cls.store_id, cls.paris_id = cls.store.id, cls.paris.id
            products = env["product.product"].create(
                [
                    {"name": f"Offer Race {n}", "default_code": f"OFRACE-{cls.token}-{n}",
                     "type": "consu", "is_storable": True}
                    for n in range(RACE_ROUNDS)
                ]
            )  # fmt: skip
            cls.product_ids = products.ids
            channel = env["stock.channel"].create(
                {"name": f"Offer race {cls.token}", "code": f"ofrace-{cls.token}",
                 "channel_type": "marketplace", "warehouse_id": cls.paris.id,
                 "offer_to_stores": True, "offer_count": 2}
            )  # fmt: skip
            env["stock.channel.source"].create(
                [
                    {"channel_id": channel.id, "warehouse_id": wh.id, "sequence": n,
                     "offer_orders": True}
                    for n, wh in enumerate(cls.paris | cls.store)
                ]
            )  # fmt: skip
            cls.channel_ids = channel.ids
            env.flush_all()
            env["stock.channel.outbox"].search([("channel_id", "=", channel.id)]).unlink()

    @classmethod
    def _remove_data(cls):
        res = super()._remove_data()
        with cls.registry.cursor() as cr:
            store = cls.env_of(cr)["stock.warehouse"].browse(cls.store_id)
            try:
                with cr.savepoint():
                    store.unlink()
            except Exception:  # archived when something still holds it
                store.active = False
        return res

    def _order(self, env, product, round_no):
        Quant = env["stock.quant"]
        for warehouse in env["stock.warehouse"].browse([self.paris_id, self.store_id]):
            Quant._update_available_quantity(product, warehouse.lot_stock_id, 1)
        order = env["sale.order"].create(
            {"partner_id": env["res.partner"].create({"name": f"Racer {round_no}"}).id,
             "channel_id": self.channel_ids[0], "channel_order_ref": f"{self.token}-{round_no}",
             "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]}
        )  # fmt: skip
        self.assertTrue(order._channel_reserve(), f"round {round_no}")
        return order

    def _accept(self, barrier, offer_id, results):
        """Accept in a transaction of its own (committed when it wins), retried on a
        serialization failure as Odoo retries an RPC call."""
        try:
            with self.registry.cursor() as cr:
                env = self.env_of(cr)
                offer = env["stock.channel.offer"].browse(offer_id)
                barrier.wait()
                retrying(partial(offer.action_accept), env)
            results[offer_id] = "won"
        except UserError as error:
            results[offer_id] = str(error)

    def test_two_stores_accepting_the_same_order_at_once_exactly_one_wins(self):
        for round_no in range(RACE_ROUNDS):
            with self.registry.cursor() as cr:
                env = self.env_of(cr)
                product = env["product.product"].browse(self.product_ids[round_no])
                order = self._order(env, product, round_no)
                offer_ids = order.channel_offer_ids.ids
                order_id = order.id
            self.assertEqual(len(offer_ids), 2, f"round {round_no}")
            if round_no % 2:
                offer_ids.reverse()  # which thread starts first varies too
            barrier, results = threading.Barrier(2), {}
            threads = [
                threading.Thread(target=self._accept, args=(barrier, offer_id, results))
                for offer_id in offer_ids
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=JOIN_SECONDS)
            winners = [oid for oid, result in results.items() if result == "won"]
            self.assertEqual(len(winners), 1, f"round {round_no}: {results}")
            [loser] = set(offer_ids) - set(winners)
            self.assertRegex(results[loser], r"Already taken by .+ at \d\d:\d\d")
            with self.registry.cursor() as cr:
                env = self.env_of(cr)
                order = env["sale.order"].browse(order_id)
                winner = env["stock.channel.offer"].browse(winners[0])
                self.assertEqual(order.channel_offer_state, "accepted", f"round {round_no}")
                self.assertEqual(
                    sorted(order.channel_offer_ids.mapped("state")), ["accepted", "lost"]
                )
                self.assertEqual(order.order_line.warehouse_id, winner.warehouse_id)
                quants = env["stock.quant"].search(
                    [("product_id", "=", self.product_ids[round_no]),
                     ("location_id.usage", "=", "internal")]
                )  # fmt: skip
                reserved = {
                    q.warehouse_id.id: q.reserved_quantity for q in quants if q.reserved_quantity
                }
                self.assertEqual(reserved, {winner.warehouse_id.id: 1.0}, f"round {round_no}")


@tagged("post_install", "-at_install")
class TestStoreOfferPosTour(PosTourCase):
    """In Chromium: the register of an offered store sees the order and accepts it."""

    def test_the_register_of_an_offered_store_accepts_the_order(self):
        lyon = self.env["stock.warehouse"].create({"name": "Lyon store", "code": "LYO"})
        self.market.write({"offer_to_stores": True, "offer_count": 2})
        self.env["stock.channel.source"].create(
            [
                {"channel_id": self.market.id, "warehouse_id": wh.id, "sequence": n,
                 "offer_orders": True}
                for n, wh in enumerate(self.warehouse | lyon)
            ]
        )  # fmt: skip
        self.set_stock(self.product, 5)
        self.set_stock(self.product, 2, lyon.lot_stock_id)
        self.receive_order(self.order_payload("OF-POS", [("WIDGET", 1)]))
        order = self.order_of("OF-POS")
        self.assertEqual(order.channel_offer_state, "offered")
        self.start_tour(f"/pos/ui/{self.config.id}", TOUR, login=self.cashier.login)
        self.env.invalidate_all()
        self.assertEqual(order.channel_offer_state, "accepted")
        accepted = order.channel_offer_ids.filtered(lambda o: o.state == "accepted")
        self.assertEqual(
            (accepted.warehouse_id, accepted.answered_by), (self.warehouse, self.cashier)
        )
        self.assertEqual(
            order.channel_offer_ids.filtered(lambda o: o.warehouse_id == lyon).state, "lost"
        )
        # the back-end shows it accepted (a user without default warehouse: all stores)
        clerk = new_test_user(
            self.env, "offer_backend",
            groups="stock_channel_sync.group_channel_user,stock.group_stock_user",
        )  # fmt: skip
        self.start_tour("/odoo/inventory", BACKEND_TOUR, login=clerk.login)

    def test_a_register_answers_only_its_own_store_offers(self):
        lyon = self.env["stock.warehouse"].create({"name": "Lyon store", "code": "LYO"})
        self.market.write({"offer_to_stores": True, "offer_count": 2})
        self.env["stock.channel.source"].create(
            [
                {"channel_id": self.market.id, "warehouse_id": wh.id, "sequence": n,
                 "offer_orders": True}
                for n, wh in enumerate(self.warehouse | lyon)
            ]
        )  # fmt: skip
        self.set_stock(self.product, 5)
        self.set_stock(self.product, 2, lyon.lot_stock_id)
        self.receive_order(self.order_payload("OF-POS2", [("WIDGET", 1)]))
        order = self.order_of("OF-POS2")
        config = self.config.with_user(self.cashier)
        [seen] = config.stock_channel_offers()
        self.assertEqual(seen["order"], order.name)
        self.assertIn("Last Unit Widget", seen["lines"])
        lyon_offer = order.channel_offer_ids.filtered(lambda o: o.warehouse_id == lyon)
        with self.assertRaisesRegex(UserError, "not offered to this register's store"):
            config.stock_channel_offer_answer(lyon_offer.id, True)
        self.assertIn(order.name, config.stock_channel_offer_answer(seen["id"], False))
        self.assertEqual(lyon_offer.state, "offered")

    def test_a_cashier_answers_for_the_register_store_whatever_their_default_warehouse(self):
        lyon = self.env["stock.warehouse"].create({"name": "Lyon store", "code": "LYO"})
        self.market.write({"offer_to_stores": True, "offer_count": 2})
        self.env["stock.channel.source"].create(
            [
                {"channel_id": self.market.id, "warehouse_id": wh.id, "sequence": n,
                 "offer_orders": True}
                for n, wh in enumerate(self.warehouse | lyon)
            ]
        )  # fmt: skip
        self.set_stock(self.product, 5)
        self.set_stock(self.product, 2, lyon.lot_stock_id)
        self.receive_order(self.order_payload("OF-POS3", [("WIDGET", 1)]))
        order = self.order_of("OF-POS3")
        self.cashier.property_warehouse_id = lyon  # works at Lyon, serves this register today
        config = self.config.with_user(self.cashier)
        [seen] = config.stock_channel_offers()
        self.assertIn(order.name, config.stock_channel_offer_answer(seen["id"], True))
        self.assertEqual(order.channel_offer_state, "accepted")
