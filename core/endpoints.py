"""Where a channel's credentials may travel.

A connector that sends credentials (an API key or token in a header, HTTP Basic, an
OAuth client secret) sends them readable by anyone on the way over ``http://``:
WooCommerce itself accepts HTTP Basic only over HTTPS. Such a connector's addresses
(the endpoint, the token URL) must be ``https://``; plain ``http://`` is accepted for a
loopback host only (the simulator, tests), where nothing leaves the machine.
"""

import ipaddress
from urllib.parse import urlsplit

HTTPS = "https"
HTTP = "http"
LOCALHOST = "localhost"


def is_loopback(host):
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() == LOCALHOST:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(url):
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _secure(url):
    """The https:// origin of ``url`` (what to use instead)."""
    try:
        return f"{HTTPS}://{urlsplit(url).netloc}"
    except ValueError:
        return f"{HTTPS}://..."


def clear_text_url(urls):
    """The first of ``urls`` that would carry credentials in clear: an ``http://``
    address of a host other than loopback. None when every one is safe (empty ones are
    skipped: a connector's default token URL is https)."""
    for url in urls:
        if not url:
            continue
        # as requests sends it: leading and trailing whitespace dropped
        scheme = url.strip().split(":", 1)[0].lower()
        if scheme == HTTP and not is_loopback(_host(url.strip())):
            return url
    return None


def credentials_refusal(connector_label, urls, sends_credentials=True):
    """Why a connector may not use ``urls``, or None: the message says what to do."""
    url = clear_text_url(urls) if sends_credentials else None
    if not url:
        return None
    return (
        f"{connector_label} sends the channel's credentials with every request, and "
        f"{url} would carry them in clear (http://). Use the https:// address "
        f"({_secure(url)}); plain http:// is accepted only for a "
        f"loopback host (127.0.0.1, localhost: the simulator, tests)."
    )
