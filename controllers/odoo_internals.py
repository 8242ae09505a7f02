"""The private Odoo internals the webhook routes rely on, each read through one function
here that first checks it runs on the Odoo series it was written for (19.0) and fails
with a clear error otherwise: another Odoo version is a review of this file, never a
silent misreading of a request."""

from odoo import release

ODOO_SERIES = (19, 0)
# odoo.http.HTTPRequest keeps the werkzeug request it wraps in a private attribute
WRAPPED_REQUEST = "_HTTPRequest__wrapped"


class OdooInternalsError(RuntimeError):
    """A private Odoo internal this addon relies on is not (or may not be) there."""


def check_odoo_series():
    """Raise OdooInternalsError unless this Odoo is of the series ODOO_SERIES."""
    series = tuple(release.version_info[:2])
    if series != ODOO_SERIES:
        raise OdooInternalsError(
            "stock_channel_sync reads private internals of Odoo %s, not of this Odoo %s: "
            "check controllers/odoo_internals.py against it"
            % (".".join(map(str, ODOO_SERIES)), ".".join(map(str, series)))
        )


def request_input_stream(httprequest):
    """The input stream of the werkzeug request under Odoo's ``httprequest``, to read a
    body no further than a limit: Odoo's wrapper exposes only get_data(), which reads it
    all (up to 128 MiB) whatever the limit."""
    check_odoo_series()
    wrapped = getattr(httprequest, WRAPPED_REQUEST, None)
    if wrapped is None:
        raise OdooInternalsError(
            f"Odoo's HTTPRequest has no {WRAPPED_REQUEST} (the werkzeug request it wraps): "
            "the webhook routes cannot read a body within its limit; "
            "check controllers/odoo_internals.py against this Odoo"
        )
    return wrapped.stream
