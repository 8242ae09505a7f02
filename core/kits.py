"""Kits: a product sold as a set of components (a *kit* bill of materials in Odoo's mrp),
its publishable quantity made from its components', as pure functions.

    kit publishable = floor(min over components of component publishable / quantity per kit)

The quantities are in each component's own unit: the shell converts a bill of materials
line's quantity (in the line's unit) to the component's unit, and divides it by the
number of kits the bill makes (in the kit's unit), before it calls these functions.
Components needed 0 times (Odoo's optional components) do not limit the kit. A kit
whose components are all left out publishes 0.

Nested kits (a kit among the components of a kit) are flattened first (``flatten``):
the leaf components' quantities per kit are multiplied along the way and summed when a
component appears twice, as Odoo's own kit quantity does (mrp's ``explode``).
"""

import math

from .allocation import EPSILON, STEP_PUBLISHABLE, Result, Stock

STEP_KIT_COMPONENT = "kit_component"
STEP_KIT_LIMIT = "kit_limit"
KIT_RULE = "kit: from its components"
MAX_DEPTH = 10  # nesting deeper than this (or a loop) is cut: its branch is left out


def _figure(value):
    """A figure with at most 2 decimals, without trailing zeros (2.0 -> "2")."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def flatten(tree, kit, path=()):
    """{leaf component: quantity per one `kit`} from `tree` ({kit: {component: quantity
    per kit}}, one level each): nested kits multiplied out, repeated components summed.
    A loop, or nesting beyond MAX_DEPTH, leaves that branch out."""
    leaves = {}
    path = (*path, kit)
    if len(path) > MAX_DEPTH:
        return leaves
    for component, per_kit in tree.get(kit, {}).items():
        if component in path:
            continue
        if component in tree:
            parts = flatten(tree, component, path)
        else:
            parts = {component: 1.0}
        for leaf, qty in parts.items():
            leaves[leaf] = leaves.get(leaf, 0.0) + per_kit * qty
    return leaves


def kit_quantity(per_kit, available):
    """(kits, limiting component): the whole kits that `available` ({component: units})
    makes, with `per_kit` ({component: units per kit}); the limiting component is the
    first of the scarcest (None when no component counts: 0 kits)."""
    best, limiting = None, None
    for component, need in per_kit.items():
        if need <= EPSILON:
            continue
        kits = max(0, math.floor(max(0, available.get(component, 0)) / need + EPSILON))
        if best is None or kits < best:
            best, limiting = kits, component
    return (best or 0), limiting


def demand(lines, tree):
    """{product: units needed} of order `lines` ([(product, quantity)]): a kit's quantity
    turned into its components' (``tree`` as for flatten), a component ordered alone and
    in a kit summed: the same units are never counted twice."""
    needed = {}
    for product, qty in lines:
        parts = flatten(tree, product) if product in tree else {product: 1.0}
        for part, per in parts.items():
            needed[part] = needed.get(part, 0.0) + qty * per
    return needed


def kit_result(per_kit, results, names=None):
    """The allocation.Result of a kit on a channel from its components' results on the
    same channel ({component: Result}), the limiting component named, and each step said
    ("Strap: 7 / 2 per kit = 3", "limited by Strap: 7 / 2 = 3")."""
    names = names or {}
    publishable = {comp: res.publishable for comp, res in results.items()}
    qty, limiting = kit_quantity(per_kit, publishable)
    steps = [_component_step(c, need, results.get(c), names) for c, need in per_kit.items()]
    steps = [step for step in steps if step]
    limit_name = names.get(limiting, str(limiting)) if limiting is not None else ""
    if limiting is not None:
        steps.append(_limit_step(limit_name, publishable.get(limiting, 0), per_kit[limiting], qty))
    steps.append(_step(STEP_PUBLISHABLE, qty, KIT_RULE, {}, f"publishable {qty}"))
    future, available_at = _future(per_kit, results, qty)
    return Result(
        publishable=qty,
        sellable=_equivalent(per_kit, results, "sellable"),
        stock=_stock(per_kit, results),
        fence_shortfall=any(res.fence_shortfall for res in results.values()),
        rule=f"{KIT_RULE}, limited by {limit_name}" if limit_name else KIT_RULE,
        steps=steps,
        limited_by=limit_name,
        future=future,
        available_at=available_at,
    )


def _future(per_kit, results, qty):
    """(future kits, their day): the kits of `qty` that the components' units on hand now
    (publishable - future) do not make wait for the arriving ones, until the latest day
    of the components that have one (0, None when the units on hand make them all)."""
    now = kit_quantity(per_kit, {c: r.publishable - r.future for c, r in results.items()})[0]
    days = [
        res.available_at
        for comp, res in results.items()
        if res.available_at and per_kit.get(comp, 0) > EPSILON
    ]
    if qty <= now or not days:
        return 0, None
    return qty - now, max(days)


def _equivalent(per_kit, results, name):
    """The whole kits that the components' figure `name` (sellable...) makes."""
    return kit_quantity(per_kit, {c: getattr(r, name) for c, r in results.items()})[0]


def _stock(per_kit, results):
    """The kit's stock in kit units: on hand as the components' on hand make, the rest of
    it up to the kit's sellable shown as reserved (on hand - reserved = sellable)."""
    on_hand = kit_quantity(per_kit, {c: r.stock.on_hand for c, r in results.items()})[0]
    sellable = _equivalent(per_kit, results, "sellable")
    return Stock(on_hand=float(on_hand), reserved=float(max(0, on_hand - sellable)))


def _component_step(component, need, result, names):
    if need <= EPSILON:
        return None
    available = result.publishable if result else 0
    kits = math.floor(available / need + EPSILON)
    name = names.get(component, str(component))
    figures = {"component": name, "available": available, "per_kit": need, "kits": kits}
    text = f"{name}: {_figure(available)} \u00f7 {_figure(need)} per kit = {kits}"
    return _step(STEP_KIT_COMPONENT, available, result.rule if result else "", figures, text)


def _limit_step(name, available, need, qty):
    figures = {"component": name, "available": available, "per_kit": need}
    text = f"limited by {name}: {_figure(available)} \u00f7 {_figure(need)} = {qty}"
    return _step(STEP_KIT_LIMIT, qty, KIT_RULE, figures, text)


def _step(code, qty, rule, figures, text):
    return {"step": code, "qty": qty, "rule": rule, "figures": figures, "text": text}
