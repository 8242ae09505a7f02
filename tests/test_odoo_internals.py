"""The private Odoo internals the webhook routes read (controllers/odoo_internals.py):
read on this Odoo, refused with a clear error when missing or on another Odoo series."""

from types import SimpleNamespace
from unittest.mock import patch

from werkzeug.test import EnvironBuilder

from odoo import http, release
from odoo.tests import TransactionCase, tagged

from ..controllers import odoo_internals
from ..controllers.odoo_internals import OdooInternalsError, request_input_stream


def odoo_request(body):
    """Odoo's HTTPRequest of a POST of ``body``, as its http layer builds it."""
    environ = EnvironBuilder(method="POST", data=body, content_type="application/json")
    return http.HTTPRequest(environ.get_environ())


@tagged("post_install", "-at_install")
class TestOdooInternals(TransactionCase):
    def test_the_body_stream_under_odoos_request_is_read_on_this_odoo(self):
        self.assertEqual(tuple(release.version_info[:2]), odoo_internals.ODOO_SERIES)
        httprequest = odoo_request(b'{"id": "x"}' + b" " * 100)
        stream = request_input_stream(httprequest)
        self.assertEqual(stream.read(11), b'{"id": "x"}', "read no further than asked")
        self.assertEqual(stream.read(), b" " * 100)

    def test_a_request_without_the_wrapped_werkzeug_request_is_refused_clearly(self):
        stranger = SimpleNamespace(stream=None, get_data=lambda: b"")
        with self.assertRaisesRegex(OdooInternalsError, "HTTPRequest has no _HTTPRequest__wrapped"):
            request_input_stream(stranger)
        with (
            patch.object(odoo_internals, "WRAPPED_REQUEST", "_HTTPRequest__gone"),
            self.assertRaisesRegex(OdooInternalsError, "odoo_internals.py"),
        ):
            request_input_stream(odoo_request(b"{}"))

    def test_another_odoo_series_is_refused_clearly(self):
        for version_info in [(20, 0, 0, "final", 0, ""), (18, 0, 0, "final", 0, "")]:
            series = ".".join(map(str, version_info[:2]))
            with (
                patch.object(release, "version_info", version_info),
                self.assertRaisesRegex(
                    OdooInternalsError, rf"Odoo 19\.0, not of this Odoo {series}"
                ),
            ):
                request_input_stream(odoo_request(b"{}"))
