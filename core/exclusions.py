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


# the fact of Facts each scope is matched against (a set: the target is one of them)
_FACTS = {
    SCOPE_PRODUCT: "template",
    SCOPE_VARIANT: "variant",
    SCOPE_CATEGORY: "categories",
    SCOPE_TAG: "tags",
    SCOPE_ATTRIBUTE: "values",
}


def matches(exclusion, facts):
    """Whether `exclusion` hides the variant of `facts` (whatever the channel)."""
    name = _FACTS.get(exclusion.scope)
    if name is None:
        return False
    fact = getattr(facts, name)
    return exclusion.target in fact if isinstance(fact, frozenset) else fact == exclusion.target


def ordered(exclusions):
    """The exclusions in their stable order (sequence, id), as a tuple."""
    return tuple(sorted(exclusions, key=lambda exclusion: (exclusion.order, exclusion.key)))


def applying(exclusions, facts, channel, company=0):
    """The first exclusion (in the stable order) hiding the variant of `facts` on
    `channel` (of `company`), or None."""
    return first(ordered(exclusions), facts, channel, company)


def first(in_order, facts, channel, company=0):
    """applying() for exclusions already in their stable order (see ordered): the
    ORM sorts them once for a whole batch of variants."""
    for exclusion in in_order:
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
