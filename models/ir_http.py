"""The channels' webhook routes read their body themselves, no further than the
channel's limit: Odoo's dispatcher is kept from parsing it as a form first."""

from werkzeug.datastructures import ImmutableMultiDict

from odoo import models
from odoo.http import request

from ..core.inbound import BOUNDED_BODY


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """Odoo's http dispatcher merges the form fields into the parameters, which makes
        werkzeug read a url-encoded or multipart body whole (up to 128 MiB) before the
        route runs: on a bounded route, the form is empty and the body stays unread."""
        if rule.endpoint.routing.get(BOUNDED_BODY):
            request.httprequest.form = ImmutableMultiDict()
            request.httprequest.files = ImmutableMultiDict()
        return super()._pre_dispatch(rule, args)
