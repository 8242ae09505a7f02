"""The oversell ledger: every unit a channel sold that Odoo could not serve is an
incident, with its cause from the facts Odoo has (what the channel had accepted, what
was queued, counts, fences, backorders), resolved when the order is served or cancelled;
the oversell rate over 7 days."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import OrderCase


@tagged("post_install", "-at_install")
class TestOversellLedger(OrderCase):
    def publish(self, qty):
        self.set_stock(self.product, qty)
        self.dispatch(until_empty=True)
        self.assertEqual(self.market_level(), qty)

    def order(self, ref, qty=1):
        _inbound, _status, answer = self.receive_order(self.order_payload(ref, [("WIDGET", qty)]))
        return answer, self.order_of(ref)

    def incidents(self, channel=None):
        return self.env["stock.channel.incident"].search(
            [("channel_id", "=", (channel or self.market).id)]
        )

    def test_the_channel_sells_a_unit_after_accepting_0(self):
        self.publish(1)
        self.deliver(self.product, 1, validate=True)  # sold elsewhere
        self.dispatch(until_empty=True)
        self.assertEqual(self.market_level(), 0)  # the channel accepted 0...
        answer, order = self.order("IGN-1")  # ...and sold anyway
        self.assertEqual(answer["status"], "to_check")
        incident = self.incidents()
        self.assertEqual(
            (incident.cause, incident.qty_short, incident.accepted_qty, incident.sale_order_id),
            ("channel_ignored", 1.0, 0, order),
        )
        self.assertEqual(incident.order_ref, "IGN-1")
        self.assertFalse(incident.resolved_at)

    def test_a_lower_quantity_not_yet_received_by_the_channel_is_latency(self):
        self.publish(1)
        self.deliver(self.product, 1, validate=True)  # 0 queued, not pushed yet
        self.flush_outbox()
        _answer, _order = self.order("LAT-1")
        incident = self.incidents()
        self.assertEqual((incident.cause, incident.accepted_qty), ("latency", 1))
        self.assertGreaterEqual(incident.gap_seconds, 0)

    def test_a_count_after_publishing_is_manual(self):
        self.publish(2)
        self.set_stock(self.product, 0)  # an inventory count removes both units
        self.flush_outbox()
        self.order("MAN-1")
        self.assertEqual(self.incidents().cause, "manual")

    def test_reserved_units_counted_away_are_manual_not_taken(self):
        """A confirmed order's reservation freed by a count: the count is the cause; only
        a later sale taking the units is 'taken' (test_pos_order)."""
        self.publish(2)
        answer, order = self.order("CNT-1", 2)
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(order.picking_ids.move_ids.quantity, 2)
        self.set_stock(self.product, 0)  # an inventory count removes the reserved units
        self.flush_outbox()
        incident = self.incidents()
        self.assertEqual((incident.sale_order_id, incident.qty_short), (order, 2.0))
        self.assertEqual(incident.cause, "manual")

    def test_units_fenced_for_another_channel(self):
        self.add_rule(self.web, ring_fenced_qty=2)
        self.set_stock(self.product, 2)
        self.outbox(self.market).unlink()  # nothing ever published or queued: only the fence
        answer, _order = self.order("FENCE-1")
        self.assertEqual(answer["status"], "to_check")
        self.assertEqual(self.incidents().cause, "ring_fence")

    def test_a_backorder_beyond_the_channels_backorder_quantity(self):
        self.market.allow_backorder = True
        self.add_rule(self.market, backorder_qty=1)
        self.set_stock(self.product, 0)
        answer, order = self.order("BACK-1", qty=3)
        self.assertEqual(answer["status"], "accepted")
        incident = self.incidents()
        self.assertEqual((incident.cause, incident.qty_short), ("backorder", 2.0))
        self.assertEqual(order.state, "sale")
        self.assertFalse(incident.resolved_at, "taken beyond the backorder quantity: open")
        # within the backorder quantity: no incident
        self.order("BACK-2", qty=1)
        self.assertEqual(len(self.incidents()), 1)

    def test_the_backorder_quantity_of_a_rule_at_the_channels_warehouse(self):
        self.market.allow_backorder = True
        self.add_rule(self.market, backorder_qty=3, source_warehouse_id=self.warehouse.id)
        self.set_stock(self.product, 0)
        answer, _order = self.order("BACK-WH", qty=3)
        self.assertEqual(answer["status"], "accepted")
        self.assertFalse(self.incidents(), "within the rule's backorder quantity")

    def test_resolved_when_restocked_or_cancelled(self):
        self.set_stock(self.product, 0)
        _answer, order = self.order("RES-1")
        _answer, other = self.order("RES-2")
        self.assertEqual(len(self.incidents()), 2)
        self.set_stock(self.product, 5)
        order.action_channel_retry()
        other._action_cancel()
        by_order = {i.sale_order_id: i for i in self.incidents()}
        self.assertEqual(by_order[order].resolution, "restocked")
        self.assertEqual(by_order[other].resolution, "cancelled")
        self.assertTrue(all(i.resolved_at for i in by_order.values()))

    def test_the_same_order_retried_short_again_is_one_incident(self):
        self.set_stock(self.product, 0)
        _answer, order = self.order("ONE-1")
        order.action_channel_retry()
        self.assertEqual(len(self.incidents()), 1)

    def test_a_person_resolves_with_a_resolution(self):
        self.set_stock(self.product, 0)
        self.order("SUB-1")
        incident = self.incidents()
        with self.assertRaises(UserError):
            incident.action_resolve()
        incident.resolution = "substituted"
        incident.action_resolve()
        self.assertTrue(incident.resolved_at)
        clerk = self.env["res.users"].create(
            {"name": "Clerk", "login": "clerk-oversell",
             "group_ids": [(6, 0, [self.env.ref("stock_channel_sync.group_channel_user").id])]}
        )  # fmt: skip
        with self.assertRaises(AccessError):
            incident.with_user(clerk).action_resolve()

    def test_oversell_rate_over_7_days(self):
        self.assertFalse(self.market.oversell_measured)
        self.set_stock(self.product, 3)
        for ref in ("R-1", "R-2", "R-3"):
            self.order(ref)
        self.order("R-4")  # the fourth line cannot be served
        self.market.invalidate_recordset()
        self.assertTrue(self.market.oversell_measured)
        self.assertEqual((self.market.oversell_rate_7d, self.market.incident_count_7d), (25.0, 1))
