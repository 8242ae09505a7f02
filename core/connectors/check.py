"""Test connection: the answer of a connector's cheap authenticated read, in words for the
store manager (what is wrong and what to fix), never a status code to decode later.

A connector's ``probe()`` makes the read (core.connectors.base.Connector.test_connection
calls it); a failure is a SyncError, turned into a sentence here from its status, its
transport cause and the connector's own hints (``refused_hint``: what to create when the
credentials are refused; ``scope_hint``: what to grant when they are accepted but the read
is forbidden)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
SERVER_ERROR = 500


@dataclass(frozen=True)
class ConnectionCheck:
    """``ok``: the channel answered the read with the credentials; ``message``: what
    the store manager reads (what answered, or what to fix)."""

    ok: bool
    message: str


class CredentialsRefused(Exception):
    """The platform's login refused the credentials (a token endpoint's answer):
    ``hint`` says what to create or paste again."""

    def __init__(self, hint):
        super().__init__(hint)
        self.hint = hint


def _host(url):
    return urlsplit(url or "").netloc or url or "the Endpoint URL"


def _cause(error):
    """The transport exception behind a SyncError (requests'), or None."""
    cause = error.__cause__
    return cause if isinstance(cause, requests.RequestException) else None


def transport_sentence(label, url, error, read_timeout):
    """The sentence of a read that got no answer (unreachable, timed out, TLS), or None
    when an answer came."""
    cause, host = _cause(error), _host(url)
    if isinstance(cause, requests.exceptions.SSLError):
        return (
            f"{label}: the TLS certificate of {host} is refused (expired, self-signed or "
            "for another name): check the Endpoint URL, or fix the certificate on that server."
        )
    if getattr(error, "unreachable", False):
        return (
            f"{label} cannot be reached at {host}: check the Endpoint URL (address and port) "
            "and that the server is up and reachable from Odoo."
        )
    if isinstance(cause, requests.Timeout):
        return (
            f"{label} at {host} did not answer within {read_timeout:g} s: try again, or "
            "raise the Read Timeout if the platform is slow."
        )
    if cause is not None:
        return f"{label}: the connection to {host} failed ({cause.__class__.__name__}): try again."
    return None


def status_sentence(connector, url, error):
    """The sentence of a read the channel answered with an error status, or None."""
    label, status = connector.label or connector.code, getattr(error, "status", None)
    if status == UNAUTHORIZED:
        return f"{label}: {connector.refused_hint}"
    if status == FORBIDDEN:
        return f"{label}: the credentials are accepted but not allowed to read: " + (
            connector.scope_hint or connector.refused_hint
        )
    if status == NOT_FOUND:
        return (
            f"{label}: nothing answers at {url} (404): check the Endpoint URL "
            f"({connector.endpoint_hint})."
        )
    if getattr(error, "throttled", False):
        return (
            f"{label} is busy: waiting for the channel (its rate window); "
            "test the connection again in a minute."
        )
    if status is not None and status >= SERVER_ERROR:
        return f"{label} answered {status} (a failure on its side): try again later."
    return None


def explain(connector, url, error):
    """ConnectionCheck of a failed read: ``error`` a SyncError or CredentialsRefused."""
    label = connector.label or connector.code
    if isinstance(error, CredentialsRefused):
        return ConnectionCheck(False, f"{label}: {error.hint}")
    timeout = connector.config.read_timeout
    sentence = transport_sentence(label, url, error, timeout) or status_sentence(
        connector, url, error
    )
    if sentence is None:  # a refusal before sending (a setting, http://) or another status
        message = str(getattr(error, "message", "") or error)
        sentence = message if message.startswith(label) else f"{label}: {message}"
    return ConnectionCheck(False, sentence)


def succeeded(connector, what):
    """ConnectionCheck of a read that answered: ``what`` names what was read."""
    return ConnectionCheck(True, f"{connector.label or connector.code}: connected ({what}).")
