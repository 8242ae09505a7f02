"""Demo mode: a channel whose endpoint is the marketplace simulator on this machine
(``python -m simulator``, started by ``dev/run``) may have the simulator generate orders
for it, sent through Odoo's real webhook route, signed with the channel's secret.

A channel is in demo mode when its connector is one the simulator generates orders for
(generic JSON, Shopify) and its endpoint is that marketplace of the simulator on a
loopback address: ``http://127.0.0.1:<port>/generic/<channel>`` or
``http://127.0.0.1:<port>/shopify/<shop>`` (``localhost`` and ``[::1]`` too).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from .connectors.base import GENERIC_JSON, SHOPIFY
from .endpoints import is_loopback
from .inbound import orders_path

GENERATE_PATH = "/_sim/orders/generate"
# connector -> (the simulator's marketplace, the field naming its account in a generation)
SIMULATED = {GENERIC_JSON: ("generic", "channel"), SHOPIFY: ("shopify", "shop")}
# what *Generate orders* asks for
ORDER_COUNT = 20
RATE_PER_MINUTE = 60
MAX_QUANTITY = 2
MAX_SKUS = 200
ANY_INTERFACE = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class SimulatorTarget:
    """Where a demo channel's orders are generated: the simulator and its account."""

    base_url: str
    marketplace: str
    account_field: str
    account: str

    @property
    def generate_url(self):
        return self.base_url + GENERATE_PATH


def _split(url):
    """urlsplit(url), or None when it is malformed (brackets, port)."""
    try:
        parts = urlsplit(url)
        return parts if parts.port is None or parts.port > 0 else None
    except ValueError:
        return None


def simulator_target(connector, endpoint_url):
    """The SimulatorTarget of a channel in demo mode, else None."""
    if connector not in SIMULATED or not endpoint_url:
        return None
    url = _split(endpoint_url)
    if not url or url.scheme != "http" or not is_loopback(url.hostname):
        return None
    marketplace, account_field = SIMULATED[connector]
    parts = url.path.strip("/").split("/")
    if len(parts) != 2 or parts[0] != marketplace or not parts[1]:
        return None
    return SimulatorTarget(f"http://{url.netloc}", marketplace, account_field, parts[1])


def at_port(connector, endpoint_url, port):
    """A demo channel's endpoint moved to the simulator listening on ``port`` (dev/run's
    SIM_PORT), else None: not in demo mode, or already there."""
    target = simulator_target(connector, endpoint_url)
    url = _split(endpoint_url)
    if not target or url.port == port:
        return None
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    return url._replace(netloc=f"{host}:{port}").geturl()


def odoo_url(interface, port):
    """This server's address as a process of the same machine reaches it: the HTTP
    interface it listens on (loopback when it listens on every interface)."""
    host = "127.0.0.1" if (interface or "") in ANY_INTERFACE else interface
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def generation(target, odoo_base_url, code, secret, prices, currency):
    """The body of ``POST /_sim/orders/generate`` for a channel: ``prices`` {SKU: unit
    price} of what it sells (at most MAX_SKUS of them)."""
    skus = sorted(prices)[:MAX_SKUS]
    return {
        "marketplace": target.marketplace,
        target.account_field: target.account,
        "url": odoo_base_url + orders_path(code),
        "secret": secret,
        "skus": skus,
        "prices": {sku: prices[sku] for sku in skus},
        "count": ORDER_COUNT,
        "rate_per_minute": RATE_PER_MINUTE,
        "max_quantity": MAX_QUANTITY,
        "currency": currency,
    }
