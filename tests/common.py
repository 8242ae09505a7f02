import json
import time
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

import requests

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user
from odoo.tests.common import _super_send

from ..simulator import start
from ..simulator.tls import trusted

# the company's alert thresholds at their documented defaults (docs/cockpit.md, Alerts)
ALERT_DEFAULTS = {
    "channel_alert_backlog_minutes": 10, "channel_alert_p95_seconds": 5.0,
    "channel_alert_dead_letters": 1, "channel_alert_drift_percent": 0.2,
    "channel_alert_oversell_percent": 0.5, "channel_alert_stall_minutes": 5,
    "channel_alert_acceptance_minutes": 60,
}  # fmt: skip


def set_settings(channel, **values):
    """Set the settings its connector declares on ``channel`` (typed values, by name)."""
    channel._set_settings(values)
    return channel


def loopback_only_send(session, request, **kwargs):
    if urlsplit(request.url).hostname not in ("127.0.0.1", "localhost"):
        raise AssertionError(f"tests may only reach loopback, not {request.url}")
    return _super_send(session, request, **kwargs)


def start_simulator(add_cleanup, tls=False):
    """Start the marketplace simulator on loopback for a test (class), with `requests`
    allowed to reach it: Odoo's test guard on requests raises every timeout below 10 s
    and refuses (connect, read) tuples; its loopback-only rule is kept. ``tls``: over
    HTTPS (a platform that is HTTPS only), its certificate trusted as a private authority
    is until the cleanup (REQUESTS_CA_BUNDLE, simulator/tls.py): certificates are still
    verified."""
    patcher = patch.object(requests.Session, "send", loopback_only_send)
    patcher.start()
    add_cleanup(patcher.stop)
    simulator = start(tls=tls)
    add_cleanup(simulator.stop)
    if tls:
        trust = ExitStack()
        trust.enter_context(trusted(simulator.ca_file))
        add_cleanup(trust.close)
    return simulator


class ChannelStockCase(TransactionCase):
    """Fixtures: one warehouse shared by a website, a POS and a marketplace channel."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.quarantine = cls.warehouse.quarantine_location_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.supplier_location = cls.env.ref("stock.stock_location_suppliers")
        cls.partner = cls.env["res.partner"].create({"name": "Channel Customer"})
        cls.category = cls.env["product.category"].create({"name": "Channel Test"})
        cls.subcategory = cls.env["product.category"].create(
            {"name": "Channel Test Sub", "parent_id": cls.category.id}
        )
        cls.product = cls._create_product("Widget", "WIDGET")
        cls.product_b = cls._create_product("Gadget", "GADGET")
        Channel = cls.env["stock.channel"]
        cls.web = Channel.create(
            {
                "name": "Web",
                "code": "web",
                "channel_type": "website",
                "warehouse_id": cls.warehouse.id,
            }
        )
        cls.pos = Channel.create(
            {
                "name": "Store",
                "code": "store",
                "channel_type": "pos",
                "warehouse_id": cls.warehouse.id,
            }
        )
        cls.market = Channel.create(
            {"name": "Market", "code": "market", "channel_type": "marketplace",
             "warehouse_id": cls.warehouse.id}
        )  # fmt: skip
        cls.channels = cls.web | cls.pos | cls.market
        Policy = cls.env["stock.channel.policy"]
        Policy.search([("company_id", "=", cls.company.id)]).action_archive()
        cls.policy = Policy.create({"name": "Standard", "policy_type": "standard"})

    @classmethod
    def _create_product(cls, name, code, categ=None, **vals):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "type": "consu",
                "is_storable": True,
                "categ_id": (categ or cls.category).id,
                **vals,
            }
        )

    def set_stock(self, product, qty, location=None):
        """Inventory adjustment (applied) setting the quantity of `product` at `location`."""
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": (location or self.stock_location).id,
                "inventory_quantity": qty,
            }
        ).action_apply_inventory()

    def deliver(self, product, qty, validate=False):
        """A confirmed (and reserved) delivery; validated when asked."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
                "partner_id": self.partner.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customer_location.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        if validate:
            picking.move_ids.quantity = qty
            picking.move_ids.picked = True
            picking.button_validate()
        return picking

    def receive(self, product, qty, date=None):
        """A confirmed receipt (not validated) scheduled at `date`."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.supplier_location.id,
                "location_dest_id": self.stock_location.id,
                **({"scheduled_date": date} if date else {}),
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": self.supplier_location.id,
                            "location_dest_id": self.stock_location.id,
                            **({"date": date} if date else {}),
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking

    def add_rule(self, channel, scope="all", policy=None, **vals):
        target = {
            "variant": "product_id",
            "template": "product_tmpl_id",
            "category": "categ_id",
        }.get(scope)
        policy = policy or self.policy
        values = {"policy_id": policy.id, "channel_id": channel.id, "scope": scope}
        if target:
            values[target] = vals.pop(target).id
        values.update(vals)
        return policy.env["stock.channel.policy.rule"].create(values)

    @classmethod
    def second_company(cls, login="manager_b"):
        """(company B, its manager): a second company, and a user who manages its
        channels, inventory and sales and works in company B only."""
        company = cls.env["res.company"].create({"name": "Company B"})
        user = new_test_user(
            cls.env, login, name="Manager B", company_id=company.id, company_ids=company.ids,
            groups="stock_channel_sync.group_channel_manager,stock.group_stock_manager,"
            "sales_team.group_sale_manager",
        )  # fmt: skip
        return company, user

    def run_jobs(self):
        """Run the queued background jobs now, as the scheduled action does (in the
        test's transaction: no commit); returns them."""
        return self.env["stock.channel.job"]._run_jobs()

    def publishable(self, channel, product=None):
        """The variant's publishable quantity on `channel`, computed afresh."""
        product = (product or self.product).with_context(channel_id=channel.id)
        product.invalidate_recordset(["publishable_qty"])
        return product.publishable_qty


class SyncCase(ChannelStockCase):
    """ChannelStockCase with the marketplace simulator on loopback and two connected
    channels: `market` (generic_json) and `shop` (shopify); `simulator_tls`: the
    simulator over HTTPS (start_simulator)."""

    secret = "test-secret"
    simulator_tls = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup, tls=cls.simulator_tls)
        cls.market.write(
            {
                "connector": "generic_json",
                "endpoint_url": cls.sim.generic_url("market"),
                "api_secret": cls.secret,
                "retry_base_seconds": 0.01,
                "retry_cap_seconds": 0.05,
                "read_timeout": 2,
            }
        )
        cls.shop = cls.env["stock.channel"].create(
            {
                "name": "Shopify",
                "code": "shopify",
                "channel_type": "shop",
                "warehouse_id": cls.warehouse.id,
                "connector": "shopify",
                "endpoint_url": cls.sim.shopify_url("demo"),
                "api_key": "shop-token",
                "retry_base_seconds": 0.01,
                "retry_cap_seconds": 0.05,
            }
        )
        set_settings(cls.shop, location_id="77")
        cls.channels |= cls.shop
        for index, product in enumerate(cls.product | cls.product_b, start=1):
            cls.env["stock.channel.binding"].create(
                {
                    "channel_id": cls.shop.id,
                    "product_id": product.id,
                    "external_id": str(1000 + index),
                }
            )

    def setUp(self):
        super().setUp()
        self.sim.reset()
        self.sim.configure_channel("market", secret=self.secret)
        self.sim.configure_shop("demo", token="shop-token")
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([]).unlink()

    def flush_outbox(self):
        """Run the precommit hooks, as a commit would."""
        self.env.cr.flush()

    def outbox(self, channel=None, state="pending"):
        self.flush_outbox()
        domain = [("state", "=", state)]
        if channel:
            domain.append(("channel_id", "=", channel.id))
        return self.env["stock.channel.outbox"].search(domain)

    def dispatch(self, rounds=1, until_empty=False, timeout=10):
        """Run the dispatcher; with until_empty, again until nothing is pending (retries)."""
        self.flush_outbox()
        Dispatcher = self.env["stock.channel.dispatcher"]
        deadline = time.monotonic() + timeout
        for _ in range(rounds):
            Dispatcher._run()
        while until_empty and self.outbox() and time.monotonic() < deadline:
            time.sleep(0.05)
            Dispatcher._run()

    def dead_letter(self, product=None, qty=1):
        """A dead letter on `market`: it refuses the push of `product` (a signature made
        with a secret it no longer has: 401, permanent); returns the dead rows."""
        self.sim.configure_channel("market", secret="rotated-elsewhere")
        self.set_stock(product or self.product, qty)
        self.dispatch()
        self.sim.configure_channel("market", secret=self.secret)
        return self.outbox(self.market, state="dead")

    def read_back(self, channel, products):
        """{product_id: quantity on the channel} of `products`, as a reconciliation reads
        them (a recheck run of `products`); those the channel does not know are left out."""
        read = {}
        judge = type(channel)._judge_drifts

        def reading(this, run, facts, totals):
            read.update({pid: sku.channel_qty for pid, sku in facts if sku.channel_qty is not None})
            return judge(this, run, facts, totals)

        with patch.object(type(channel), "_judge_drifts", reading):
            channel._reconcile("recheck", products)
        return read

    def market_level(self, product=None):
        return self.sim.generic_level("market", (product or self.product).default_code)

    def shop_level(self, product=None, index=1):
        return self.sim.shopify_level(
            "demo", f"gid://shopify/InventoryItem/{1000 + index}", "gid://shopify/Location/77"
        )


class OrderCase(SyncCase):
    """SyncCase with helpers to receive channel orders (stored, then judged)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop.api_secret = "shop-secret"
        cls.currency = cls.company.currency_id.name

    @contextmanager
    def from_outside(self):
        """For an HttpCase: let a request that does not come through ``url_open`` (the
        simulator delivering a webhook) reach Odoo, the test's writes flushed first, as
        ``url_open`` does."""
        self.cr.flush()
        self.cr.clear()
        with self.allow_requests(all_requests=True):
            yield

    @classmethod
    def sell_in_euros(cls):
        """The marketplaces that sell in euros need the currency, and a pricelist in it
        when the company's currency is another one."""
        euro = cls.env.ref("base.EUR")
        euro.active = True
        if cls.company.currency_id != euro:
            cls.env["product.pricelist"].create(
                {"name": "Marketplaces EUR", "currency_id": euro.id}
            )

    @classmethod
    def marketplace_channel(cls, code, connector, settings=None, **vals):
        """A channel of a marketplace that confirms later, on the simulator (``settings``:
        those its connector declares)."""
        channel = cls.env["stock.channel"].create(
            {"name": code, "code": code, "channel_type": "marketplace",
             "warehouse_id": cls.warehouse.id, "connector": connector,
             "retry_base_seconds": 0.01, "retry_cap_seconds": 0.05, "retry_max_attempts": 2,
             **vals}
        )  # fmt: skip
        return set_settings(channel, **(settings or {}))

    def logs(self, channel, state=None):
        domain = [("channel_id", "=", channel.id)] + ([("state", "=", state)] if state else [])
        return self.env["stock.channel.sync.log"].search(domain)

    def read_verdicts(self, channel, wait=0.1):
        """Read the channel's verdicts now (the scheduled action reads them when due)."""
        time.sleep(wait)
        self.logs(channel, "sent").write(
            {"confirm_next_at": fields.Datetime.now() - timedelta(seconds=1)}
        )
        self.env["stock.channel.confirmer"]._cron_confirm()

    def quantity_line(self, channel, product=None):
        return self.env["stock.channel.quantity"].search(
            [("channel_id", "=", channel.id), ("product_id", "=", (product or self.product).id)]
        )

    def order_payload(self, order_id, lines, shipping=0, total=None, **over):
        """A generic_json order; lines: [(sku, quantity)] or [(sku, quantity, price)]."""
        items = []
        for index, line in enumerate(lines, start=1):
            sku, qty, price = (*line, 10.0) if len(line) == 2 else line
            items.append({"id": f"{order_id}-{index}", "sku": sku, "quantity": qty,
                          "price_unit": price})  # fmt: skip
        payload = {
            "id": order_id,
            "created_at": "2026-11-23T10:00:00Z",
            "currency": self.currency,
            "customer": {"name": "Ann Buyer", "email": "ann@example.com", "phone": "+32 2 000"},
            "shipping_address": {
                "name": "Ann Buyer",
                "street": "Rue Haute 1",
                "street2": "",
                "zip": "1000",
                "city": "Brussels",
                "country_code": "BE",
            },
            "lines": items,
            "shipping_amount": shipping,
            "total_amount": total
            if total is not None
            else sum(i["quantity"] * i["price_unit"] for i in items) + shipping,
        }
        payload.update(over)
        return payload

    def receive_order(self, payload, channel=None, kind="order", url_ref=None):
        """Store and judge a message as the controller does -> (inbound, status, answer)."""
        inbound = self.env["stock.channel.inbound"]._store(
            channel or self.market, kind, json.dumps(payload).encode(), {}, url_ref=url_ref
        )
        status, answer = inbound._process()
        self.flush_outbox()
        return inbound, status, answer

    def order_of(self, order_id, channel=None):
        return self.env["sale.order"].search(
            [("channel_id", "=", (channel or self.market).id), ("channel_order_ref", "=", order_id)]
        )

    def ship(self, order, tracking=None, qty=None):
        """Validate the order's delivery (all of it, or `qty` of each move: a backorder)."""
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))[:1]
        if tracking:
            picking.carrier_tracking_ref = tracking
        for move in picking.move_ids:
            move.quantity = qty if qty is not None else move.product_uom_qty
            move.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        return picking
