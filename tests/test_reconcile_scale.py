"""A reconciliation run of 10,000 SKUs respects the batch and rate limits, against the
simulator over real HTTP.

Of the connectors that read quantities back, two can read 10,000 SKUs within a test's
time: generic_json (no documented rate limit: its limit is the batch, ``batch_size``
SKUs per signed GET, the simulator answering 413 above 500) and Shopify (50 SKUs per
``inventoryItems`` search, within the shop's query cost bucket: 1000 points restored
at 50 a second on the simulator, 2 points a query). bol.com reads one offer per request
at 25 a second (over 6 minutes for 10,000), Amazon one listing per request at 5 a second
(over half an hour), and Mirakl lists every OF21 page of the shop (once a run:
test_mirakl): none is practical at this scale here.

The 10,000 variants are copies of an ORM-created one, inserted by SQL in this test's
transaction (every column of its template and variant copied, the name and internal
reference changed), with a quant each: the ORM takes some 25 s for them (1.5 ms a
variant, 1 ms a quant), this a fraction of a second.
"""

import json
import logging
import time
from collections import Counter
from urllib.parse import parse_qs

from odoo.tests import tagged

from ..core.connectors.shopify_graphql import LEVELS_CHUNK
from .common import SyncCase

_logger = logging.getLogger(__name__)

SIZE = 10_000
EDITS = 50
BATCH = 500
SHOP = "demo"
ITEM = "gid://shopify/InventoryItem/{}"
LOCATION = "gid://shopify/Location/77"
BUCKET = 1000.0  # the simulator's default bucket
RESTORE = 50.0


@tagged("post_install", "-at_install")
class TestReconcileScale(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        started = time.monotonic()
        cls.bulk = cls._copy_variants(cls.product, SIZE)
        cls._stock(cls.bulk)
        (cls.market | cls.shop)._refresh_quantities(cls.bulk)
        cls.env.cr.execute(
            """UPDATE stock_channel_quantity
                  SET published_qty = publishable_qty, push_in_doubt = false,
                      published_at = (now() at time zone 'utc') - interval '1 minute'
                WHERE product_id = ANY(%s)""",
            [cls.bulk.ids],
        )
        cls.env.invalidate_all()
        cls.skus = dict(zip(cls.bulk.ids, cls.bulk.mapped("default_code"), strict=True))
        cls.env.cr.execute(
            "SELECT channel_id, product_id, publishable_qty FROM stock_channel_quantity "
            "WHERE product_id = ANY(%s)",
            [cls.bulk.ids],
        )
        cls.published = {(ch, cls.skus[pid]): qty for ch, pid, qty in cls.env.cr.fetchall()}
        _logger.info("%d variants set up in %.1f s", SIZE, time.monotonic() - started)

    @classmethod
    def _copy_variants(cls, model, count):
        """`count` copies of `model`'s template and variant (SCALE-00000...), by SQL."""
        cr = cls.env.cr
        cls.env.flush_all()

        def columns(table, skip):
            cr.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s AND table_schema = current_schema() "
                "ORDER BY ordinal_position",
                [table],
            )
            return [f'"{name}"' for (name,) in cr.fetchall() if name not in skip]

        kept = columns("product_template", {"id", "name", "default_code"})
        cr.execute(
            f"""INSERT INTO product_template ({", ".join(kept)}, name, default_code)
                SELECT {", ".join(f"t.{c}" for c in kept)},
                       jsonb_build_object('en_US', 'Scale ' || n),
                       'SCALE-' || lpad(n::text, 5, '0')
                  FROM product_template t, generate_series(0, %s - 1) n
                 WHERE t.id = %s""",
            [count, model.product_tmpl_id.id],
        )
        kept = columns("product_product", {"id", "product_tmpl_id", "default_code"})
        cr.execute(
            f"""INSERT INTO product_product ({", ".join(kept)}, product_tmpl_id, default_code)
                SELECT {", ".join(f"p.{c}" for c in kept)}, t.id, t.default_code
                  FROM product_product p, product_template t
                 WHERE p.id = %s AND t.default_code LIKE 'SCALE-%%'
                 ORDER BY t.default_code
             RETURNING id""",
            [model.id],
        )
        ids = [row[0] for row in cr.fetchall()]
        cls.env.invalidate_all()
        return cls.env["product.product"].browse(sorted(ids))

    @classmethod
    def _stock(cls, products):
        """0 to 39 units of each (a quant at the warehouse's stock)."""
        cls.env.cr.execute(
            """INSERT INTO stock_quant (product_id, company_id, location_id, quantity,
                       reserved_quantity, inventory_quantity_set, in_date, create_uid,
                       create_date, write_uid, write_date)
               SELECT pp.id, %(company)s, %(location)s, pp.id %% 40, 0, false,
                      now() at time zone 'utc', %(uid)s, now() at time zone 'utc', %(uid)s,
                      now() at time zone 'utc'
                 FROM product_product pp WHERE pp.id = ANY(%(ids)s)""",
            {"company": cls.company.id, "location": cls.stock_location.id,
             "uid": cls.env.uid, "ids": products.ids},
        )  # fmt: skip
        cls.env.invalidate_all()

    def setUp(self):
        super().setUp()
        self.sim.clear_received()

    def seed_market(self):
        for sku in self.skus.values():
            self.sim.set_generic_level("market", sku, self.published[self.market.id, sku])

    def test_generic_json_reads_every_sku_once_within_the_batch_size(self):
        self.assertEqual(len(set(self.skus.values())), SIZE)
        self.assertEqual(len(set(self.published.values())), 40)  # 0 to 39 units
        self.market.batch_size = BATCH
        self.seed_market()
        edited = sorted(self.skus.values())[:: SIZE // EDITS]
        for sku in edited:
            self.sim.set_generic_level("market", sku, self.published[self.market.id, sku] + 7)

        run = self.market._reconcile("full", self.bulk)

        requests = self.sim.received("/generic/market")
        self.assertEqual({(r["method"], r["status"]) for r in requests}, {("GET", 200)})
        per_request = [parse_qs(r["query"])["sku"] for r in requests]
        self.assertEqual(len(per_request), SIZE // BATCH)  # 20 GETs of 500
        self.assertLessEqual(max(len(skus) for skus in per_request), BATCH)
        read = Counter(sku for skus in per_request for sku in skus)
        self.assertEqual(set(read), set(self.skus.values()))
        self.assertEqual(max(read.values()), 1)  # no SKU read twice
        self.assertEqual(
            (run.state, run.skus_read, run.in_sync, run.drifted, run.in_flight, run.unbound,
             run.corrections),
            ("done", SIZE, SIZE - EDITS, EDITS, 0, 0, EDITS),
        )  # fmt: skip
        self.assertGreater(run.skus_per_second, 0)
        self.assertEqual(Counter(run.drift_ids.mapped("cause")), Counter({"channel_edit": EDITS}))
        self.assertEqual(sorted(run.drift_ids.mapped("sku")), edited)

        # the corrections: one push of the 50 (high priority), within the batch size
        self.sim.clear_received()
        self.dispatch(until_empty=True)
        posts = [r for r in self.sim.received("/generic/market") if r["method"] == "POST"]
        self.assertEqual(len(posts), 1)
        self.assertEqual(len(json.loads(posts[0]["body"])["items"]), EDITS)
        for sku in edited:
            self.assertEqual(
                self.sim.generic_level("market", sku), self.published[self.market.id, sku]
            )
        self.assertEqual(set(run.drift_ids.mapped("state")), {"corrected"})

    def configure_shop(self, products, **settings):
        """The shop's catalogue (`products`, WIDGET and GADGET) at Odoo's quantities; a
        throttled query is answered 429 (its body says THROTTLED, as Shopify's 200)."""
        catalog = {"WIDGET": ITEM.format(1001), "GADGET": ITEM.format(1002)}
        for product in products:
            sku = self.skus[product.id]
            catalog[sku] = ITEM.format(product.id)
            self.sim.shopify.levels[SHOP, catalog[sku], LOCATION] = self.published[
                self.shop.id, sku
            ]
        self.sim.configure_shop(
            SHOP, token="shop-token", catalog=catalog, throttle_status=429, **settings
        )

    def searches(self):
        """[(status, [SKUs searched], first)] of the shop's inventoryItems reads."""
        found = []
        for request in self.sim.received(f"/shopify/{SHOP}/"):
            variables = json.loads(request["body"]).get("variables") or {}
            if "inventoryItems" in request["body"]:
                terms = variables["query"].split(" OR ")
                skus = [term.removeprefix('sku:"').removesuffix('"') for term in terms]
                found.append((request["status"], skus, variables["first"]))
        return found

    def test_shopify_reads_10000_skus_within_the_query_cost_bucket(self):
        self.configure_shop(self.bulk, maximum_available=BUCKET, restore_rate=RESTORE)

        run = self.shop._reconcile("full", self.bulk)

        requests = self.sim.received(f"/shopify/{SHOP}/")
        statuses = Counter(r["status"] for r in requests)
        self.assertEqual(statuses, Counter({200: len(requests)}))  # never throttled (429)
        searches = self.searches()
        self.assertEqual(len(searches), SIZE // LEVELS_CHUNK)  # 200 searches of 50
        self.assertLessEqual(max(len(skus) for _s, skus, _f in searches), LEVELS_CHUNK)
        self.assertLessEqual(max(first for _s, _skus, first in searches), LEVELS_CHUNK)
        read = Counter(sku for _s, skus, _f in searches for sku in skus)
        self.assertEqual(set(read), set(self.skus.values()))
        self.assertEqual(max(read.values()), 1)
        # the run's queries (and the catalogue's pages) fit in the bucket: 2 points each
        self.assertLessEqual(2 * len(requests), BUCKET)
        self.assertEqual(
            (run.state, run.skus_read, run.in_sync, run.drifted, run.unknown_on_channel),
            ("done", SIZE, SIZE, 0, 0),
        )

    def test_shopify_waits_out_a_small_bucket_and_reads_each_sku_once(self):
        """A bucket of 10 points restored at 20 a second, for 2,000 SKUs read (40
        searches of 2 points, in bursts of 20 per chunk of the run, and the catalogue's
        9 pages): the queries over the bucket are answered THROTTLED; the connector
        waits the restore time they name and asks again, and every SKU is answered
        exactly once."""
        products = self.bulk[:2000]
        self.configure_shop(products, maximum_available=10.0, restore_rate=20.0)

        run = self.shop._reconcile("manual", products)

        searches = self.searches()
        throttled = [skus for status, skus, _f in searches if status == 429]
        answered = Counter(sku for status, skus, _f in searches if status == 200 for sku in skus)
        self.assertTrue(throttled)
        self.assertEqual(set(answered), set(products.mapped("default_code")))
        self.assertEqual(max(answered.values()), 1)
        self.assertEqual((run.state, run.skus_read, run.in_sync), ("done", 2000, 2000))
