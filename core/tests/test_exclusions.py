"""The exclusion rules and customer holds, as pure functions (no Odoo)."""

from core.allocation import DEFAULT_RULE, STEP_EXCLUDED, STEP_HELD, STEP_PUBLISHABLE, Stock
from core.allocation import publishable as compute
from core.exclusions import (
    SCOPE_ATTRIBUTE,
    SCOPE_CATEGORY,
    SCOPE_PRODUCT,
    SCOPE_TAG,
    SCOPE_VARIANT,
    Exclusion,
    Facts,
    applying,
    category_path,
    exclude,
    first,
    matches,
    ordered,
)

FACTS = Facts(
    template=10,
    variant=100,
    categories=category_path("1/4/9/"),
    tags=frozenset({7}),
    values=frozenset({55, 56}),
)


def test_each_scope_matches_its_fact():
    assert matches(Exclusion(1, "p", SCOPE_PRODUCT, 10), FACTS)
    assert matches(Exclusion(1, "v", SCOPE_VARIANT, 100), FACTS)
    assert matches(Exclusion(1, "c", SCOPE_CATEGORY, 9), FACTS)
    assert matches(Exclusion(1, "t", SCOPE_TAG, 7), FACTS)
    assert matches(Exclusion(1, "b", SCOPE_ATTRIBUTE, 56), FACTS)
    assert not matches(Exclusion(1, "p", SCOPE_PRODUCT, 11), FACTS)
    assert not matches(Exclusion(1, "v", SCOPE_VARIANT, 10), FACTS)
    assert not matches(Exclusion(1, "t", SCOPE_TAG, 8), FACTS)
    assert not matches(Exclusion(1, "b", SCOPE_ATTRIBUTE, 57), FACTS)
    assert not matches(Exclusion(1, "?", "unknown", 10), FACTS)


def test_a_parent_category_excludes_its_children():
    assert matches(Exclusion(1, "parent", SCOPE_CATEGORY, 4), FACTS)
    assert matches(Exclusion(1, "root", SCOPE_CATEGORY, 1), FACTS)
    assert not matches(Exclusion(1, "other", SCOPE_CATEGORY, 5), FACTS)
    assert category_path("") == frozenset()
    assert category_path(None) == frozenset()


def test_channels_of_an_exclusion():
    every = Exclusion(1, "all", SCOPE_TAG, 7)
    one = Exclusion(2, "web only", SCOPE_TAG, 7, channels=frozenset({3}))
    assert applying([one], FACTS, 3) == one
    assert applying([one], FACTS, 4) is None
    assert applying([every], FACTS, 4) == every


def test_an_exclusion_of_another_company_does_not_apply():
    rule = Exclusion(1, "A", SCOPE_TAG, 7, company=1)
    assert applying([rule], FACTS, 3, company=2) is None
    assert applying([rule], FACTS, 3, company=1) == rule


def test_the_first_in_the_stable_order_applies():
    late = Exclusion(5, "late", SCOPE_TAG, 7, order=(20,))
    early = Exclusion(9, "early", SCOPE_CATEGORY, 4, order=(10,))
    same_seq = Exclusion(3, "same, lower id", SCOPE_PRODUCT, 10, order=(20,))
    assert applying([late, early, same_seq], FACTS, 1) == early
    assert applying([late, same_seq], FACTS, 1) == same_seq
    assert applying([late, same_seq], FACTS, 1) == applying([same_seq, late], FACTS, 1)


def test_sorted_once_then_first_keeps_that_order():
    late = Exclusion(5, "late", SCOPE_TAG, 7, order=(20,))
    early = Exclusion(9, "early", SCOPE_CATEGORY, 4, order=(10,))
    rules = ordered([late, early])
    assert rules == (early, late)
    assert first(rules, FACTS, 1) == early
    assert first((late, early), FACTS, 1) == late, "as given: no sort"
    assert first((), FACTS, 1) is None


def test_exclude_sets_zero_and_explains():
    result = compute(Stock(on_hand=10), DEFAULT_RULE)
    hidden = exclude(result, "No knives on Amazon")
    assert hidden.publishable == 0
    assert hidden.excluded == "No knives on Amazon"
    assert result.publishable == 10 and result.excluded == ""
    codes = [step["step"] for step in hidden.steps]
    assert codes[-2:] == [STEP_EXCLUDED, STEP_PUBLISHABLE]
    assert hidden.steps[-2]["text"] == "excluded, by rule No knives on Amazon"
    assert hidden.steps[-2]["qty"] == -10
    assert hidden.steps[-1]["qty"] == 0


def test_held_units_are_invisible_and_explained():
    result = compute(Stock(on_hand=10, held=3), DEFAULT_RULE)
    assert result.sellable == 7 and result.publishable == 7
    held = [step for step in result.steps if step["step"] == STEP_HELD]
    assert held and held[0]["text"] == "held for customers \u2212 3"
    codes = [step["step"] for step in result.steps]
    assert codes.index(STEP_HELD) == codes.index("non_sellable") + 1


def test_holds_never_take_sellable_below_zero():
    assert Stock(on_hand=2, held=5).sellable == 0
    assert Stock(on_hand=10, reserved=4, held=3).sellable == 3


def test_no_hold_no_step():
    result = compute(Stock(on_hand=4), DEFAULT_RULE)
    assert STEP_HELD not in [step["step"] for step in result.steps]
