"""The batch path of the publishable quantities (chunks, shared results, core.batch)
gives what each variant computed alone gives: same numbers, same explain."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..models.stock_channel import publishable
from .common import ChannelStockCase


@tagged("post_install", "-at_install")
class TestPublishableBatch(ChannelStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lyon = cls.env["stock.warehouse"].create({"name": "Lyon store", "code": "LYB"})
        cls.market.source_ids = [
            (0, 0, {"warehouse_id": cls.warehouse.id, "sequence": 0, "safety_stock": 1}),
            (0, 0, {"warehouse_id": cls.lyon.id, "sequence": 1}),
        ]

    def catalogue(self):
        """Twelve variants: pairs with the same figures everywhere, one with its own
        rule, one in quarantine, one with a receipt, one held, one on backorder."""
        products = self.product | self.product_b
        for i in range(10):
            products |= self._create_product(f"Batch {i}", f"BATCH-{i}")
        for i, product in enumerate(products):
            self.set_stock(product, 3 + i % 4)  # 3, 4, 5, 6, 3, 4...: pairs of equal figures
            if i % 3:
                self.set_stock(product, 2 + i % 2, self.lyon.lot_stock_id)
        self.set_stock(products[4], 2, self.quarantine)
        in_two_days = fields.Datetime.now() + timedelta(days=2)
        self.receive(products[5], 7, date=in_two_days)
        self.env["stock.channel.hold"].create(
            {"partner_id": self.partner.id, "product_id": products[6].id,
             "warehouse_id": self.warehouse.id, "quantity": 2, "reason": "VIP"}
        )  # fmt: skip
        self.deliver(products[7], 40)  # beyond its stock: waiting for the receipt
        self.add_rule(self.web, share_percent=50, safety_buffer=1, include_incoming_days=5)
        self.add_rule(self.pos, ring_fenced_qty=2)
        self.add_rule(self.market, scope="variant", product_id=products[8], max_exposure=2)
        self.web.allow_backorder = True
        self.add_rule(self.web, scope="variant", product_id=products[7], backorder_qty=4)
        return products

    def test_batch_gives_what_each_variant_alone_gives(self):
        products = self.catalogue()
        with patch.object(publishable, "CHUNK", 5):  # three chunks: 5, 5, 2
            batch = self.channels._compute_publishable(products)
        self.assertEqual(len(batch), 3 * len(products))
        for product in products:
            alone = self.channels._compute_publishable(product)
            for channel in self.channels:
                self.assertEqual(
                    batch[channel.id, product.id],
                    alone[channel.id, product.id],
                    f"{product.default_code} on {channel.name}",
                )
        for (channel_id, product_id), result in batch.items():
            # computed without the explain, read later: its last step is the same number
            self.assertEqual(result.steps[-1]["qty"], result.publishable, (channel_id, product_id))
        held = batch[self.web.id, products[6].id]
        self.assertIn("held", [step["step"] for step in held.steps])
        backorder = batch[self.web.id, products[7].id]
        self.assertEqual(backorder.publishable, 4, "sellable 0, the backorder rule")

    def test_variants_with_the_same_figures_share_one_result(self):
        products = self.catalogue()
        batch = self.channels._compute_publishable(products)
        # products 0 and 4 differ (quarantine), 1 and 5 (receipt); 2 and 10 match
        first, twin = products[2], products[10]
        for channel in self.channels:
            self.assertIs(batch[channel.id, first.id], batch[channel.id, twin.id], channel.name)
        self.assertIsNot(batch[self.web.id, products[0].id], batch[self.web.id, products[4].id])

    def test_without_rules_the_chunk_path_gives_what_the_ruled_path_gives(self):
        """No rule anywhere, each chunk by core.batch.Batch.fixed_results: a second
        marketplace counting the same sources in the other order (summed once with the
        first when the figures are whole), whole and fractional figures, a receipt: the
        same Results, explain and sources included, as the path reading rules per
        variant (a rule on another variant makes the web's warehouse ruled)."""
        mirror = self.env["stock.channel"].create(
            {"name": "Mirror", "code": "mirror", "channel_type": "marketplace",
             "warehouse_id": self.warehouse.id, "source_ids": [
                 (0, 0, {"warehouse_id": self.lyon.id, "sequence": 0}),
                 (0, 0, {"warehouse_id": self.warehouse.id, "sequence": 1, "safety_stock": 1}),
             ]}
        )  # fmt: skip
        channels = self.channels | mirror
        products = self.product | self.product_b
        for i in range(4):
            products |= self._create_product(f"Plain {i}", f"PLAIN-{i}")
        for i, product in enumerate(products):
            self.set_stock(product, 4 + i)
            self.set_stock(product, 1 + i % 3, self.lyon.lot_stock_id)
        self.set_stock(products[2], 2.5, self.lyon.lot_stock_id)
        self.receive(products[3], 6, date=fields.Datetime.now() + timedelta(days=1))
        with patch.object(publishable, "CHUNK", 4):
            fixed = channels._compute_publishable(products)
        elsewhere = self._create_product("Elsewhere", "ELSEWHERE")
        self.add_rule(self.web, scope="variant", product_id=elsewhere, max_exposure=1)
        with patch.object(publishable, "CHUNK", 4):
            ruled = channels._compute_publishable(products)
        self.assertEqual(len(fixed), len(ruled))
        for key, result in ruled.items():
            self.assertEqual(fixed[key], result, key)
            self.assertEqual(fixed[key].sources, result.sources, key)
            self.assertEqual(fixed[key].steps[-1]["qty"], fixed[key].publishable, key)
        self.assertEqual(fixed[mirror.id, products[0].id].publishable, 4 - 1 + 1)

    def test_the_quants_of_every_warehouse_in_one_query_are_each_ones(self):
        """stock.warehouse._channel_batch_figures: the quants of several warehouses read
        at once (QUANT_FIGURES_BATCH) give each warehouse's _channel_stock_figures: on
        hand, reserved (sellable locations only), quarantine, a fraction split over two
        locations."""
        products = self.catalogue()
        self.set_stock(products[3], 0.1, self.quarantine)
        self.set_stock(products[3], 0.2, self.lyon.lot_stock_id)
        self.deliver(products[9], 2)  # reserved
        warehouses = self.warehouse | self.lyon
        self.assertEqual(
            warehouses._channel_batch_figures(products),
            [warehouse._channel_stock_figures(products) for warehouse in warehouses],
        )
        quarantined = warehouses._channel_batch_figures(products)[0][products[4].id]
        self.assertEqual((quarantined.on_hand, quarantined.non_sellable), (5.0, 2.0))
