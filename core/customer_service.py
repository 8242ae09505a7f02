"""Customer service on one order, as plain Python: what a partial refund may take, the
refunds and the address a status push carries, the order's history in time order.

The ORM (sale.order, stock.channel.order.action) gathers the facts and calls these.
"""

from dataclasses import dataclass
from datetime import datetime

from .allocation import EPSILON
from .errors import PermanentError
from .status import body_address

# kinds of customer-service actions
REALLOCATE = "reallocate"
ADDRESS = "address"
REFUND = "refund"
KIND_SELECTION = [
    (REALLOCATE, "Reallocation"),
    (ADDRESS, "Delivery Address Change"),
    (REFUND, "Partial Refund"),
]

# states of an action: done in Odoo only (nothing to tell a platform), queued for the
# next status push, sent (the platform accepted it), failed, not supported by the platform
DONE = "done"
QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
NOT_SUPPORTED = "not_supported"
STATE_SELECTION = [
    (DONE, "Done in Odoo"),
    (QUEUED, "Queued"),
    (SENT, "Sent"),
    (FAILED, "Failed"),
    (NOT_SUPPORTED, "Not Sent"),
]

# amounts are compared to the cent
MONEY_EPSILON = 0.005

# what the platform answered, as kept on the action
RESULT_KEPT_CHARS = 2000

# the connector's class attributes telling whether its platform takes an action
ABILITY = {ADDRESS: "supports_address_change", REFUND: "supports_refund"}
ADDRESS_FIELDS = ("name", "street", "street2", "zip", "city", "country_code", "phone")


def clip_result(text):
    """What is kept of a platform's answer (False when empty)."""
    text = (text or "").strip()
    if len(text) > RESULT_KEPT_CHARS:
        return text[: RESULT_KEPT_CHARS - 1] + "…"
    return text or False


def supports(connector_class, kind):
    """True when the platform of `connector_class` takes `kind` through its API (the
    connector says so; a reallocation is never sent as such)."""
    attribute = ABILITY.get(kind)
    return bool(connector_class and attribute and getattr(connector_class, attribute, False))


def missing_setting(connector_class, kind, settings):
    """The label of the channel setting the platform needs to take `kind` and the
    channel's `settings` {name: typed value} leave empty (the connector's
    ``service_settings`` {kind: setting name}), or None."""
    name = (getattr(connector_class, "service_settings", None) or {}).get(kind)
    if not name or (settings or {}).get(name):
        return None
    declared = connector_class.declared(name)
    return declared.label if declared else name


def refundable(ordered, refunded):
    """How much of a line may still be refunded: ordered - already refunded, never below 0."""
    return max(0.0, ordered - refunded)


def refund_error(quantity, amount, ordered, refunded, paid_left=None, whole=False):
    """Why a refund of `quantity` for `amount` cannot be made on a line ordered `ordered`
    with `refunded` already refunded, or None. `paid_left`: at most what may be paid
    back for `quantity` (max_amount); `whole`: the platform takes whole units only."""
    if quantity <= EPSILON:
        return "the quantity must be positive"
    if whole and abs(quantity - round(quantity)) > EPSILON:
        return "a channel refunds whole units only"
    if amount < 0:
        return "the amount cannot be negative"
    left = refundable(ordered, refunded)
    if quantity > left + EPSILON:
        return f"at most {left:g} can still be refunded (ordered {ordered:g}, done {refunded:g})"
    if paid_left is not None and amount > paid_left + MONEY_EPSILON:
        return f"at most {money(paid_left)} can be paid back for {quantity:g}"
    return None


def max_amount(quantity, unit_paid, ordered, refunded_amount):
    """What may be paid back for `quantity`: what was paid for it (the unit price the
    customer paid, discount and taxes included), within what the line has left (paid
    for `ordered`, less `refunded_amount` already paid back); never below 0."""
    return max(0.0, min(quantity * unit_paid, ordered * unit_paid - refunded_amount))


def taken_off(quantity, ordered_now, delivered):
    """The part of a refunded `quantity` taken off the line: what has not shipped."""
    return max(0.0, min(quantity, ordered_now - delivered))


def refusal(refused, problems=()):
    """The PermanentError a connector raises at the end of a push once what could be sent
    was: in words the other `problems` then each refusal, its ``refused`` {refund key or
    "address": message} the customer-service items of the body the platform refused
    (the others of the body went through)."""
    error = PermanentError("; ".join([*problems, *refused.values()]))
    error.refused = dict(refused)
    return error


def in_body(body, key=None, address=None):
    """Whether the status `body` carried the refund `key`, or the `address` (a dict of
    ADDRESS_FIELDS): an action is answered only by a push that carried it."""
    body = body or {}
    if key:
        return key in {refund.get("key") for refund in body.get("refunds") or []}
    return bool(address and body.get("address")) and body["address"] == body_address(address)


def answered_state(item, failed, refused):
    """(state, message or None) of an action whose `item` (refund key or "address") a
    push carried, from its answer: sent; failed when the platform refused it (named in
    `refused`, the connector's per-item report) or refused the whole push (no report)."""
    if not failed:
        return SENT, None
    if refused is None:
        return FAILED, None
    if item in refused:
        return FAILED, refused[item]
    return SENT, None


def like_prefix(text):
    """An ``=like`` pattern of what starts with `text` (its ``\\``, ``%`` and ``_``
    escaped: an order named ``S_1`` is not ``SX1``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def refund_key(order_ref, action_id):
    """The refund's key on the platform: the same for every push of it."""
    return f"{order_ref}-R{action_id}"


def money(amount):
    """A decimal amount as a string with two decimals (the wire's)."""
    return f"{amount:.2f}"


@dataclass(frozen=True)
class Event:
    """One entry of an order's history: when, what kind (a short word), what, who."""

    at: datetime
    kind: str
    text: str
    who: str = ""
    state: str = ""


def timeline(events):
    """The events in time order, to the second as shown (equal times: in the order
    given: the gatherer lists causes before their effects)."""
    indexed = [
        ((event.at or datetime.min).replace(microsecond=0), index, event)
        for index, event in enumerate(events)
    ]
    return [event for _at, _index, event in sorted(indexed, key=lambda t: (t[0], t[1]))]
