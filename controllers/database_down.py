"""While the database cannot be reached, a channel's delivery is answered 503 with
Retry-After, never the 404 that means "unknown channel" (final for the platforms), nor a
500 when the connection is lost while the delivery is handled.

Odoo serves a request without a database when it cannot use one (PostgreSQL down or
restarting, the registry unusable, or no database chosen): its routes without a database
are its own, so every webhook would be a 404. A connection lost during the request is an
error page. This wraps both once, when the addon's code is imported: in every worker when
the addon is a server-wide module or the database is preloaded (README, Deploying);
otherwise once a worker has loaded it.
"""

import logging

import psycopg2
from psycopg2.pool import PoolError

from odoo import http

from ..core.inbound import (
    DATABASE_DOWN,
    DATABASE_DOWN_RETRY_AFTER,
    is_webhook_request,
    sqlstate_unreachable,
)

_logger = logging.getLogger(__name__)
MARK = "stock_channel_sync"


def database_down_response(request):
    """503, the JSON error and Retry-After: the delivery is to be sent again later."""
    return request.make_json_response(
        {"error": DATABASE_DOWN},
        headers=[("Retry-After", str(DATABASE_DOWN_RETRY_AFTER))],
        status=503,
    )


def database_unreachable(error):
    """Whether `error`, or one it came from, says the database cannot be reached (the
    connection failed or was lost, the server shuts down or starts, no connection left);
    never a refused statement or a lost race."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, psycopg2.InterfaceError | PoolError):
            return True
        if isinstance(error, psycopg2.OperationalError) and sqlstate_unreachable(error.pgcode):
            return True
        error = error.__cause__ or error.__context__
    return False


def _is_webhook(request):
    httprequest = request.httprequest
    return is_webhook_request(httprequest.method, httprequest.path)


def _wrap_serve_nodb(serve_nodb):
    def _serve_nodb(self):
        if _is_webhook(self):
            _logger.warning("%s: no database to serve it, answered 503", self.httprequest.path)
            return database_down_response(self)
        return serve_nodb(self)

    setattr(_serve_nodb, MARK, True)
    return _serve_nodb


def _wrap_serve_db(serve_db):
    def _serve_db(self):
        try:
            return serve_db(self)
        except Exception as error:
            if not (_is_webhook(self) and database_unreachable(error)):
                raise
            _logger.warning(
                "%s: the database went away (%s), answered 503", self.httprequest.path, error
            )
            return database_down_response(self)

    setattr(_serve_db, MARK, True)
    return _serve_db


if not getattr(http.Request._serve_nodb, MARK, False):
    http.Request._serve_nodb = _wrap_serve_nodb(http.Request._serve_nodb)
if not getattr(http.Request._serve_db, MARK, False):
    http.Request._serve_db = _wrap_serve_db(http.Request._serve_db)
