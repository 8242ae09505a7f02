"""The explain, as every view shows it: the steps from on hand down to the publishable
quantity, each with its sentence and figures (core.allocation.step_text), for a variant
on a channel now (product.product._channel_explain) and for what a push sent
(stock.channel.sync.log: the explain record kept with each pushed item)."""

from markupsafe import Markup, escape

from odoo.tools.translate import LazyTranslate

from ..core import allocation, kits, promise
from ..core.dispatch import explain_sentences

_lt = LazyTranslate(__name__)

STEP_LABELS = {
    allocation.STEP_ON_HAND: _lt("On hand"),
    allocation.STEP_RESERVED: _lt("Reserved"),
    allocation.STEP_NON_SELLABLE: _lt("Non-sellable (quarantine)"),
    allocation.STEP_HELD: _lt("Held for customers"),
    allocation.STEP_SELLABLE: _lt("Sellable"),
    allocation.STEP_RING_FENCED_OTHERS: _lt("Ring-fenced for other channels"),
    allocation.STEP_INCOMING: _lt("Incoming within horizon"),
    allocation.STEP_SHARE: _lt("Share %"),
    allocation.STEP_SAFETY_BUFFER: _lt("Safety buffer"),
    allocation.STEP_LATENCY_BUFFER: _lt("Latency buffer (sales during p95 push latency)"),
    allocation.STEP_RING_FENCED_OWN: _lt("Ring-fenced for this channel"),
    allocation.STEP_MAX_EXPOSURE: _lt("Maximum exposure"),
    allocation.STEP_MIN_THRESHOLD: _lt("Below minimum threshold"),
    allocation.STEP_BACKORDER: _lt("Backorder"),
    allocation.STEP_CHANNEL_MAX: _lt("Most the channel takes"),
    allocation.STEP_PUBLISHABLE: _lt("Publishable"),
    allocation.STEP_EXCLUDED: _lt("Excluded"),
    kits.STEP_KIT_COMPONENT: _lt("Kit component"),
    kits.STEP_KIT_LIMIT: _lt("Kit limited by"),
    promise.STEP_SOURCE: _lt("Source"),
    promise.STEP_SOURCE_SAFETY: _lt("Safety stock at source"),
    promise.STEP_SOURCE_LEFT_OUT: _lt("Source left out"),
}

STEPS_TABLE = Markup(
    "<table class='table table-sm %s'><thead><tr><th>Step</th><th>How</th>"
    "<th class='text-end'>Quantity</th><th>Rule</th></tr></thead><tbody>%s</tbody></table>"
)
STEP_ROW = Markup(
    "<tr><td>%s</td><td class='o_explain_text'>%s</td><td class='text-end'>%s</td><td>%s</td></tr>"
)


def step_label(code, env):
    """The step's name, in the language of `env`."""
    label = STEP_LABELS.get(code)
    return label._translate(env.lang or "en_US") if label else code


def steps_table(env, steps, css="o_channel_explain"):
    """The steps ([{step, qty, rule, text}]) as an HTML table: step, sentence, quantity,
    rule (the rule last)."""
    rows = Markup("").join(
        STEP_ROW
        % (
            step_label(step["step"], env),
            step.get("text") or allocation.step_text(step["step"], step["qty"]),
            format_qty(step["qty"]),
            step.get("rule") or "",
        )
        for step in steps
    )
    return STEPS_TABLE % (css, rows)


def pushed_table(env, items):
    """What a push sent, each item with the steps of its quantity as they were when it
    was pushed (None: nothing recorded)."""
    rows = [item for item in items or [] if isinstance(item, dict) and item.get("explain")]
    if not rows:
        return None
    return Markup("").join(_pushed_item(env, item) for item in rows)


def _pushed_item(env, item):
    explain = item["explain"]
    codes = explain.get("steps") or []
    steps = [
        {"step": code, "qty": qty, "text": text}
        for (code, qty, *_rest), text in zip(codes, explain_sentences(explain), strict=True)
    ]
    title = Markup("<h5 class='o_push_explain_item'>%s</h5>") % env._(
        "%(sku)s: %(qty)s pushed", sku=item.get("sku") or "", qty=item.get("quantity")
    )
    rule = explain.get("rule")
    note = Markup("<p class='text-muted small'>%s</p>") % rule if rule else Markup("")
    return title + steps_table(env, steps, "o_channel_explain o_channel_push_explain") + note


def format_qty(qty):
    if isinstance(qty, float):
        return f"{qty:g}"
    return escape("" if qty is None else qty)
