"""The demo mode of a channel: orders generated on the simulator, variants bound to it."""

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config

from ...core import demo
from ...core.progress import REPUBLISH
from ..access import check_manager_of

# connecting to the simulator on this machine, reading its answer (seconds)
SIMULATOR_TIMEOUT = (2, 10)
ERROR_CHARS = 300
# demo data: the inventory item of a variant in the simulator's shops, from its id
DEMO_FIRST_ITEM_ID = 7_000_000
# the port dev/run starts the simulator on (its SIM_PORT), written before each update
SIMULATOR_PORT_PARAM = "stock_channel_sync.simulator_port"


class StockChannel(models.Model):
    """Demo mode (core/demo.py): a channel whose endpoint is the marketplace simulator on
    this machine can have the simulator send it orders, through the real webhook route."""

    _inherit = "stock.channel"

    demo_mode = fields.Boolean(
        compute="_compute_demo_mode",
        help="The endpoint is the marketplace simulator on this machine: Generate orders "
        "has it send orders to this channel.",
    )

    @api.depends("connector", "endpoint_url")
    def _compute_demo_mode(self):
        for channel in self:
            channel.demo_mode = bool(demo.simulator_target(channel.connector, channel.endpoint_url))

    def action_generate_orders(self):
        """Have the simulator send orders for what this channel shows (its variants
        published above 0), signed with the channel's secret, to this server's webhook
        route, a few a minute (core.demo's figures)."""
        check_manager_of(self)
        self.ensure_one()
        target = self._demo_target()
        secret = self._webhook_secret()
        if not secret:
            raise UserError(self.env._("Set the channel's API Secret: it signs the orders."))
        prices = self._demo_prices()
        if not prices:
            raise UserError(
                self.env._(
                    "%(channel)s shows nothing to order yet: no variant is published above "
                    "0. Push now, then generate orders.",
                    channel=self.name,
                )
            )
        odoo_url = demo.odoo_url(config.get("http_interface"), config["http_port"])
        body = demo.generation(
            target, odoo_url, self.code, secret, prices, self.company_id.currency_id.name
        )
        self._ask_simulator(target, body)
        return self._orders_on_their_way(body)

    def _demo_target(self):
        """The simulator this channel's endpoint names; UserError outside demo mode."""
        target = demo.simulator_target(self.connector, self.endpoint_url)
        if not target:
            raise UserError(
                self.env._(
                    "Generate orders works in demo mode only: the channel's endpoint must be "
                    "the marketplace simulator on this machine, e.g. "
                    "http://127.0.0.1:8071/generic/%(code)s or "
                    "http://127.0.0.1:8071/shopify/<shop>.",
                    code=self.code,
                )
            )
        return target

    def _orders_on_their_way(self, body):
        """The notification of the generation `body` the simulator accepted."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Orders on their way"),
                "message": self.env._(
                    "The simulator sends %(count)s orders to %(channel)s, %(rate)s a minute: "
                    "watch its Messages, the sales orders and its quantities.",
                    count=body["count"],
                    channel=self.name,
                    rate=body["rate_per_minute"],
                ),
                "type": "success",
            },
        }

    def _demo_prices(self):
        """{SKU: sales price} of the variants the channel shows (published above 0)."""
        lines = self.env["stock.channel.quantity"].search(
            [("channel_id", "=", self.id), ("published_qty", ">", 0)], limit=demo.MAX_SKUS
        )
        products = lines.product_id
        skus, conflicts = self.env["stock.channel.binding"]._channel_skus(self, products)
        return {
            skus[product.id]: product.lst_price
            for product in products
            if skus.get(product.id) and product.id not in conflicts
        }

    def _ask_simulator(self, target, body):
        """POST the generation to the simulator; UserError when it is down or refuses."""
        url = target.generate_url
        try:
            response = requests.post(url, json=body, timeout=SIMULATOR_TIMEOUT)
        except requests.RequestException as exc:
            raise UserError(
                self.env._(
                    "The marketplace simulator does not answer at %(url)s (%(error)s). Start "
                    "it: dev/run does, or python -m simulator.",
                    url=target.base_url,
                    error=type(exc).__name__,
                )
            )
        if response.status_code != 202:
            try:
                reason = response.json().get("error") or response.text
            except (AttributeError, ValueError):  # not JSON, or not an object
                reason = response.text
            raise UserError(
                self.env._(
                    "The marketplace simulator at %(url)s refused to generate orders (HTTP "
                    "%(status)s): %(reason)s",
                    url=target.base_url,
                    status=response.status_code,
                    reason=str(reason)[:ERROR_CHARS],
                )
            )

    @api.model
    def _demo_refresh_simulator(self):
        """Demo data, run at each update of the module (dev/run's): every channel in demo
        mode binds the storable variants added since, and publishes everything again to
        the simulator dev/run has just restarted (it keeps nothing between runs): a
        Republish all job, run once the server is up, replaces the quantity pushes queued
        meanwhile (the demo data's stock moves: they would be pushed late, as slow pushes
        and an alert on a demo that just started)."""
        channels = self.search([]).filtered("demo_mode")
        channels._demo_follow_simulator()
        Job = self.env["stock.channel.job"]
        for channel in channels:
            channel._demo_bind_variants()
            if not Job._active(REPUBLISH, channel):  # a job of a previous run not run yet
                Job._start(REPUBLISH, channel)
        Outbox = self.env["stock.channel.outbox"].sudo()
        Outbox._flush_enqueued()  # what this transaction queued, in the table
        Outbox.search(
            [
                ("channel_id", "in", channels.ids),
                ("state", "=", "pending"),
                ("product_id", "!=", False),
                ("sale_order_id", "=", False),
            ]
        ).unlink()

    def _demo_follow_simulator(self):
        """Point these demo channels at the simulator's port when dev/run starts it on
        another than their endpoint's (SIM_PORT, given as SIMULATOR_PORT_PARAM)."""
        port = self.env["ir.config_parameter"].sudo().get_param(SIMULATOR_PORT_PARAM)
        if not port or not port.isdigit():
            return
        for channel in self:
            moved = demo.at_port(channel.connector, channel.endpoint_url, int(port))
            if moved:
                channel.endpoint_url = moved

    def _demo_bind_variants(self):
        """Bind every storable variant not bound to this channel yet, so that each is
        published: under its internal reference (``DEMO-<id>`` without one; the first
        variant only when several share one), as the inventory item DEMO_FIRST_ITEM_ID +
        its id (what a Shopify channel pushes to; dev/run gives the simulator's shops
        their channel's bindings as their catalogue)."""
        self.ensure_one()
        Binding = self.env["stock.channel.binding"].with_context(active_test=False)
        bound = Binding.search([("channel_id", "=", self.id)])
        skus = set(bound.mapped("external_sku"))
        values = []
        for variant in self.env["product.product"].search(
            [
                ("is_storable", "=", True),
                ("id", "not in", bound.product_id.ids),
                ("company_id", "in", [False, self.company_id.id]),
            ],
            order="id",
        ):
            sku = variant.default_code or f"DEMO-{variant.id}"
            if sku not in skus:
                skus.add(sku)
                values.append(
                    {
                        "channel_id": self.id,
                        "product_id": variant.id,
                        "external_sku": sku,
                        "external_id": str(DEMO_FIRST_ITEM_ID + variant.id),
                    }
                )
        return Binding.create(values)
