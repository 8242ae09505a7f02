"""Google Merchant Center over HTTPS with a certificate Odoo does not trust (the
simulator's, its authority left out of the CA bundle): the push is refused before a byte
is sent, the outbox says why in words, nothing is marked published."""

import json
import os
from unittest.mock import patch

from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from requests import certs

from odoo.tests import tagged

from ..core.connectors.merchant_api import SCOPE
from ..simulator.tls import CA_BUNDLE_VARIABLE
from .common import OrderCase, set_settings

ACCOUNT = "123456"
PRIMARY, SUPPLEMENTAL = "111", "222"


@tagged("post_install", "-at_install")
class TestMerchantUntrustedCertificate(OrderCase):
    simulator_tls = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gmc = cls.marketplace_channel(
            "gmc", "merchant", endpoint_url=cls.sim.merchant_url(),
            settings={"account_id": ACCOUNT, "data_source": SUPPLEMENTAL, "feed_label": "DE",
                      "content_language": "de"},
        )  # fmt: skip
        cls.env["stock.channel.source"].create(
            {"channel_id": cls.gmc.id, "warehouse_id": cls.warehouse.id}
        )

    def setUp(self):
        super().setUp()
        self.sim.merchant.add_data_source(ACCOUNT, PRIMARY, primary=True)
        self.sim.merchant.add_data_source(ACCOUNT, SUPPLEMENTAL, primary=False)
        self.sim.configure_marketplace("merchant", ACCOUNT, processing_delay=0.05)
        self.key = self.sim.create_merchant_service_account([ACCOUNT])
        set_settings(self.gmc, service_account_key=json.dumps(self.key))
        google = AuthorizedSession(
            service_account.Credentials.from_service_account_info(self.key, scopes=[SCOPE])
        )
        url = f"{self.sim.merchant_url()}/products/v1/accounts/{ACCOUNT}/productInputs:insert"
        body = {"offerId": self.product.default_code, "contentLanguage": "de",
                "feedLabel": "DE", "productAttributes": {"title": "Widget"}}  # fmt: skip
        params = {"dataSource": f"accounts/{ACCOUNT}/dataSources/{PRIMARY}"}
        google.post(url, params=params, json=body, timeout=5).raise_for_status()
        # what the set-up queued is pushed with the test's own: the channel's first
        # connection is the test's (one kept alive was verified when it was made)

    def test_an_untrusted_certificate_is_refused_and_nothing_is_published(self):
        self.assertTrue(self.gmc.endpoint_url.startswith("https://"))
        tokens = self.sim.merchant.token_requests(self.key["client_email"])
        self.set_stock(self.product, 3)
        # a connector of its own (the process keeps one per channel, whose connections
        # kept alive were verified when made): its first connection is the test's
        self.gmc.read_timeout += 1
        with patch.dict(os.environ, {CA_BUNDLE_VARIABLE: certs.where()}):
            self.dispatch()
        rows = self.env["stock.channel.outbox"].search([("channel_id", "=", self.gmc.id)])
        self.assertTrue(rows, "the pushes are kept")
        errors = self.logs(self.gmc).mapped("error")
        self.assertTrue(errors)
        for error in errors + rows.mapped("last_error"):
            self.assertIn("the certificate of https://127.0.0.1:", error)
            self.assertIn("is not trusted", error)
            self.assertNotIn("Traceback", error)
        self.assertFalse(self.gmc.unreachable_since)
        self.assertNotIn("done", self.logs(self.gmc).mapped("state"))
        self.assertFalse(self.quantity_line(self.gmc).published_qty)
        self.assertEqual(self.sim.merchant.token_requests(self.key["client_email"]), tokens)
        self.assertIsNone(self.sim.merchant.product_input(ACCOUNT, "de~DE~WIDGET", SUPPLEMENTAL))
