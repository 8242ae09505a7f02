"""Exclusions: rules that make a product invisible on a channel, as pure functions.

An exclusion names what it hides (a product, a variant, a category with its children, a
product tag or an attribute value such as a brand) and the channels it applies to (none
named: every channel of its company). A variant matching an exclusion on a channel is
published at 0 there, its explain ending with "excluded, by rule <name>"; the first
matching exclusion, in their stable order (sequence, then id), is the one named.
"""

import dataclasses
from dataclasses import dataclass

from . import allocation

# what an exclusion hides, and the product fact it is matched against
SCOPE_PRODUCT = "product"
SCOPE_VARIANT = "variant"
SCOPE_CATEGORY = "category"
SCOPE_TAG = "tag"
SCOPE_ATTRIBUTE = "attribute"
SCOPES = [
    (SCOPE_PRODUCT, "Product"),
    (SCOPE_VARIANT, "Variant"),
    (SCOPE_CATEGORY, "Category (and its children)"),
    (SCOPE_TAG, "Product tag"),
    (SCOPE_ATTRIBUTE, "Attribute value (e.g. a brand)"),
]


@dataclass(frozen=True)
class Exclusion:
    """One exclusion rule: `target` is the id of what it hides, by `scope`."""

    key: int
    label: str
    scope: str
    target: int
    channels: frozenset = frozenset()  # empty: every channel of the company
    company: int = 0  # 0: any company
    order: tuple = ()  # the stable order of the rules (sequence, id)

    def applies_to(self, channel, company=0):
        if self.company and company and self.company != company:
            return False
        return not self.channels or channel in self.channels


@dataclass(frozen=True)
class Facts:
    """What an exclusion may match of one variant: ids of its template, itself, its
    category and the category's parents, its tags and its attribute values."""

    template: int = 0
    variant: int = 0
    categories: frozenset = frozenset()
    tags: frozenset = frozenset()
    values: frozenset = frozenset()


def matches(exclusion, facts):
    """Whether `exclusion` hides the variant of `facts` (whatever the channel)."""
    target = exclusion.target
    return {
        SCOPE_PRODUCT: lambda: facts.template == target,
        SCOPE_VARIANT: lambda: facts.variant == target,
        SCOPE_CATEGORY: lambda: target in facts.categories,
        SCOPE_TAG: lambda: target in facts.tags,
        SCOPE_ATTRIBUTE: lambda: target in facts.values,
    }.get(exclusion.scope, lambda: False)()


def ordered(exclusions):
    """The exclusions in their stable order (sequence, id)."""
    return sorted(exclusions, key=lambda exclusion: (exclusion.order, exclusion.key))


def applying(exclusions, facts, channel, company=0):
    """The first exclusion (in the stable order) hiding the variant of `facts` on
    `channel` (of `company`), or None."""
    for exclusion in ordered(exclusions):
        if exclusion.applies_to(channel, company) and matches(exclusion, facts):
            return exclusion
    return None


def category_path(parent_path):
    """The ids of a category and its parents from its ``parent_path`` ("1/4/9/")."""
    return frozenset(int(part) for part in (parent_path or "").split("/") if part)


def exclude(result, label):
    """`result` (a core.allocation.Result) with the variant excluded by the rule named
    `label`: publishable 0, `excluded` set, the explain's last step ("publishable")
    preceded by "excluded, by rule <label>" and set to 0."""
    steps = [step for step in result.steps if step["step"] != allocation.STEP_PUBLISHABLE]
    figures = {"rule": label, "before": result.publishable}
    steps.append(
        {
            "step": allocation.STEP_EXCLUDED,
            "qty": -result.publishable or 0,
            "rule": label,
            "figures": figures,
            "text": allocation.step_text(allocation.STEP_EXCLUDED, -result.publishable, figures),
        }
    )
    steps.append(
        {
            "step": allocation.STEP_PUBLISHABLE,
            "qty": 0,
            "rule": label,
            "figures": {},
            "text": allocation.step_text(allocation.STEP_PUBLISHABLE, 0),
        }
    )
    return dataclasses.replace(result, publishable=0, excluded=label, steps=steps)
