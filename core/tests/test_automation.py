"""Order automation rules (no Odoo): conditions, actions, order, snapshots, dry run."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.automation import (
    OrderFacts,
    Outcome,
    dry_run,
    evaluate,
    hour_window,
    named_ids,
    outcome_words,
    rules_from_snapshot,
    snapshot_of,
    touchless_by_rule,
    zone_ids_of,
)

FACTS = OrderFacts(
    channel_id=1,
    amount=120.0,
    country_code="FR",
    zone_ids=frozenset({7}),
    skus=frozenset({"MUG-1", "TEE-2"}),
    category_ids=frozenset({30, 3, 1}),  # 30 "Mugs" under 3 "Kitchen" under 1 "All"
    product_tag_ids=frozenset({40}),
    customer_tag_ids=frozenset({50}),
    customer_orders=2,
    payment_state="paid",
    shortfall=False,
    exception=None,
    local_hour=14.5,
    peak=False,
)


def rule(name="R", conditions=None, actions=None, key=None, **extra):
    return {
        "key": key or name.lower(),
        "name": name,
        "sequence": extra.pop("sequence", 10),
        "stop": extra.pop("stop", False),
        "conditions": conditions or {},
        "actions": actions if actions is not None else [{"type": "hold", "reason": "look"}],
    }


def held(conditions, facts=FACTS):
    """Whether a single hold rule with these conditions holds the order."""
    return evaluate(rules_from_snapshot([rule(conditions=conditions)]), facts).decision == "hold"


# each condition: one value that matches FACTS, one that does not
CONDITIONS = [
    ("channel_ids", [1, 2], [3]),
    ("amount_min", 120.0, 120.01),
    ("amount_max", 120.0, 119.99),
    ("country_codes", ["fr"], ["BE"]),
    ("zone_ids", [7], [8]),
    ("skus", ["MUG-1"], ["MUG-2"]),
    ("category_ids", [3], [31]),  # an ancestor of a line's category
    ("product_tag_ids", [40, 41], [41]),
    ("customer_tag_ids", [50], [51]),
    ("customer_orders_min", 2, 3),
    ("customer_orders_max", 2, 1),
    ("payment_states", ["paid", "pending"], ["unknown"]),
    ("shortfall", False, True),
    ("exception_kinds", ["to_check"], None),  # no exception: a listed kind never matches
    ("hour_from", 14.5, 15.0),
    ("hour_to", 15.0, 14.5),
    ("peak", False, True),
]


@pytest.mark.parametrize(("key", "match", "miss"), CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_each_condition_matches_and_misses(key, match, miss):
    if key == "exception_kinds":
        assert held({key: match}, OrderFacts(exception="to_check"))
        assert not held({key: match}, FACTS)
        return
    assert held({key: match})
    assert not held({key: miss})


@pytest.mark.parametrize("empty", [None, [], ()])
def test_a_condition_left_empty_is_not_tested(empty):
    assert held({"channel_ids": empty, "skus": empty, "amount_min": None})
    assert held({})


def test_all_present_conditions_must_hold():
    assert held({"country_codes": ["FR"], "amount_min": 100})
    assert not held({"country_codes": ["FR"], "amount_min": 200})


def test_category_condition_holds_for_a_child_through_its_ancestors():
    child = OrderFacts(category_ids=frozenset({30, 3, 1}))
    assert held({"category_ids": [1]}, child)
    assert not held({"category_ids": [30]}, OrderFacts(category_ids=frozenset({3, 1})))


def test_hours_wrap_across_midnight():
    night = {"hour_from": 22.0, "hour_to": 6.0}
    assert held(night, OrderFacts(local_hour=23.0))
    assert held(night, OrderFacts(local_hour=5.99))
    assert held(night, OrderFacts(local_hour=22.0))
    assert not held(night, OrderFacts(local_hour=6.0))
    assert not held(night, OrderFacts(local_hour=12.0))
    day = {"hour_from": 9.0, "hour_to": 17.5}
    assert held(day, OrderFacts(local_hour=17.49))
    assert not held(day, OrderFacts(local_hour=17.5))
    assert not held(day, OrderFacts(local_hour=8.0))


@given(
    st.floats(0, 24, exclude_max=True),
    st.floats(0, 24),
    st.floats(0, 24),
)
def test_a_wrapped_window_is_the_complement_of_the_straight_one(hour, start, end):
    if start == end:
        return
    low, high = min(start, end), max(start, end)
    assert hour_window(hour, high, low) == (not hour_window(hour, low, high))


def test_hold_accept_cancel_are_decisions_with_their_reason():
    for kind, reason in (("hold", "big order"), ("cancel", "no stock"), ("accept", "")):
        action = {"type": kind, "reason": reason} if reason else {"type": kind}
        outcome = evaluate(rules_from_snapshot([rule(actions=[action])]), FACTS)
        assert (outcome.decision, outcome.reason, outcome.decided_by) == (kind, reason, "r")


def test_route_carrier_tag_split_notify_are_collected():
    actions = [
        {"type": "route", "source_id": 4},
        {"type": "carrier", "carrier_id": 9, "service": "express"},
        {"type": "tag", "tag_ids": [11, 12]},
        {"type": "split", "split": "line"},
        {"type": "notify", "user_id": 2, "discuss_channel_id": None, "message": "look"},
    ]
    outcome = evaluate(rules_from_snapshot([rule(actions=actions)]), FACTS)
    assert outcome.decision == "accept" and outcome.decided_by is None
    assert (outcome.route_source_id, outcome.carrier_id, outcome.service) == (4, 9, "express")
    assert outcome.tag_ids == (11, 12) and outcome.split == "line"
    assert outcome.notify == (
        {"user_id": 2, "discuss_channel_id": None, "message": "look", "rule_key": "r"},
    )
    assert outcome.matched == (("r", "R", ("route", "carrier", "tag", "split", "notify")),)
    assert outcome.touchless


def test_no_rule_means_accept():
    outcome = evaluate((), FACTS)
    assert outcome == Outcome()
    assert outcome.describe() == ["No rule matched: accepted."]


def test_rules_run_in_sequence_and_the_first_decision_wins():
    rules = rules_from_snapshot(
        [
            rule("Late", {"amount_min": 100}, [{"type": "cancel", "reason": "x"}], sequence=20),
            rule("Early", {"amount_min": 100}, [{"type": "hold", "reason": "big"}], sequence=5),
        ]
    )
    assert [r.name for r in rules] == ["Early", "Late"]
    outcome = evaluate(rules, FACTS)
    assert (outcome.decision, outcome.reason) == ("hold", "big")
    assert [m[1] for m in outcome.matched] == ["Early"]  # the decision ended the evaluation


def test_equal_sequences_keep_the_snapshot_order():
    rules = rules_from_snapshot(
        [rule("B", actions=[{"type": "accept"}]), rule("A", actions=[{"type": "cancel"}])]
    )
    assert evaluate(rules, FACTS).decision == "accept"


def test_stop_ends_the_evaluation_without_a_decision():
    rules = rules_from_snapshot(
        [
            rule("Tag", actions=[{"type": "tag", "tag_ids": [1]}], stop=True),
            rule("Hold", actions=[{"type": "hold", "reason": "never reached"}]),
        ]
    )
    outcome = evaluate(rules, FACTS)
    assert outcome.decision == "accept" and outcome.tag_ids == (1,)
    assert outcome.describe() == [
        "Rule 'Tag' (every order): tagged tag #1.",
        "No rule decided: accepted.",
    ]


def test_a_rule_that_does_not_match_does_not_stop():
    rules = rules_from_snapshot(
        [
            rule("Stopper", {"peak": True}, [{"type": "accept"}], stop=True),
            rule("Hold", actions=[{"type": "hold", "reason": "r"}]),
        ]
    )
    assert evaluate(rules, FACTS).decision == "hold"


def test_non_decisions_accumulate_later_ones_replace():
    rules = rules_from_snapshot(
        [
            rule(
                "A",
                actions=[
                    {"type": "route", "source_id": 1},
                    {"type": "tag", "tag_ids": [1, 2]},
                    {"type": "split", "split": "never"},
                    {"type": "notify", "user_id": 5, "message": "a"},
                ],
            ),
            rule(
                "B",
                actions=[
                    {"type": "route", "source_id": 2},
                    {"type": "tag", "tag_ids": [2, 3]},
                    {"type": "carrier", "carrier_id": 8},
                    {"type": "notify", "discuss_channel_id": 6, "message": "b"},
                ],
            ),
            rule(
                "C", actions=[{"type": "split", "split": "unit"}, {"type": "hold", "reason": "c"}]
            ),
            rule("D", actions=[{"type": "route", "source_id": 3}]),
        ]
    )
    outcome = evaluate(rules, FACTS)
    assert outcome.route_source_id == 2 and outcome.carrier_id == 8 and outcome.service == ""
    assert outcome.tag_ids == (1, 2, 3) and outcome.split == "unit"
    assert [n["message"] for n in outcome.notify] == ["a", "b"]
    assert (outcome.decision, outcome.decided_by) == ("hold", "c")
    assert [m[0] for m in outcome.matched] == ["a", "b", "c"]


def test_describe_says_each_matched_rule_in_words():
    rules = rules_from_snapshot(
        [
            rule(
                "Big orders",
                {"amount_min": 500, "country_codes": ["FR"]},
                [{"type": "hold", "reason": "big order"}, {"type": "tag", "tag_ids": [3]}],
            ),
        ]
    )
    outcome = evaluate(rules, OrderFacts(amount=600, country_code="FR"))
    assert outcome.describe({"tag": {3: "Express"}}) == [
        "Rule 'Big orders' (amount \u2265 500, country FR): held for review: big order; "
        "tagged Express."
    ]
    market = rules_from_snapshot([rule("Market", {"channel_ids": [1]}, [{"type": "accept"}])])
    assert evaluate(market, OrderFacts(channel_id=1)).describe({"channel": {1: "Market"}}) == [
        "Rule 'Market' (channel Market): accepted."
    ]
    night = rules_from_snapshot([rule("Night", {"hour_from": 22, "hour_to": 6.5})])
    assert night[0].summary() == "hours 22:00\u201306:30"


MALFORMED = [
    ({"not": "a list"}, "a rule snapshot is a list of rules, not dict"),
    (["text"], "rule 1 is not a mapping"),
    ([{"name": "x"}], "rule 1 has no key"),
    ([{"key": "k", "name": " "}], "rule 1 has no name"),
    ([rule("A"), rule("B", key="a")], "rule key 'a' appears twice"),
    ([rule(sequence="1")], "rule 'R': the sequence must be a whole number"),
    ([rule(stop="yes")], "rule 'R': stop must be true or false"),
    ([rule(conditions={"colour": ["red"]})], "rule 'R': unknown condition 'colour'"),
    ([rule(conditions={"zone_ids": [True]})], "rule 'R': zone_ids must be a list of ids"),
    ([rule(conditions={"skus": "ABC"})], "rule 'R': skus must be a list"),
    ([rule(conditions={"payment_states": ["free"]})], "unknown payment state 'free'"),
    ([rule(conditions={"amount_min": "500"})], "rule 'R': amount_min must be a number"),
    ([rule(conditions={"amount_min": 9, "amount_max": 5})], "amount_min is above amount_max"),
    ([rule(conditions={"customer_orders_min": -1})], "must be a whole number, 0 or more"),
    ([rule(conditions={"hour_from": 25})], "hour_from must be between 0 and 24"),
    ([rule(conditions={"hour_from": 6, "hour_to": 6})], "hour_from and hour_to are equal"),
    ([rule(conditions={"peak": 1})], "rule 'R': peak must be true or false"),
    ([rule(actions=[{"type": "explode"}])], "rule 'R': unknown action 'explode'"),
    ([rule(actions={"type": "hold"})], "rule 'R': actions must be a list"),
    ([rule(actions=[{"type": "route"}])], "the route action needs a source"),
    ([rule(actions=[{"type": "carrier", "service": "x"}])], "the carrier action needs a carrier"),
    ([rule(actions=[{"type": "split", "split": "half"}])], "needs one of line, never, unit"),
    ([rule(actions=[{"type": "notify", "message": "x"}])], "needs a user or a channel"),
    ([rule(actions=[{"type": "tag", "tag_ids": []}])], "the tag action needs a list of tag ids"),
    ([rule(actions=[{"type": "hold", "reason": 5}])], "the hold action's reason must be text"),
    ([rule(actions=[{"type": "route", "source_id": "4"}])], "source_id must be an id"),
    ([rule(actions=[{"type": "accept"}, {"type": "cancel"}])], "at most one decision"),
]


@pytest.mark.parametrize(("snapshot", "words"), MALFORMED, ids=[m[1] for m in MALFORMED])
def test_a_malformed_snapshot_is_refused_in_words(snapshot, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        rules_from_snapshot(snapshot)


def test_a_snapshot_round_trips():
    snapshot = [
        rule(
            "Big",
            {"amount_min": 500, "country_codes": ["be", "FR"], "peak": True},
            [{"type": "hold", "reason": "big"}, {"type": "tag", "tag_ids": [2]}],
        ),
        rule("Night", {"hour_from": 22, "hour_to": 6}, [{"type": "split", "split": "unit"}]),
    ]
    rules = rules_from_snapshot(snapshot)
    assert rules_from_snapshot(snapshot_of(rules)) == rules
    assert snapshot_of(rules)[0]["conditions"]["country_codes"] == ["BE", "FR"]


FACT_VALUES = st.builds(
    OrderFacts,
    channel_id=st.integers(1, 3),
    amount=st.floats(0, 1000),
    country_code=st.sampled_from(["FR", "BE", ""]),
    skus=st.frozensets(st.sampled_from(["A", "B", "C"])),
    payment_state=st.sampled_from(["paid", "pending", "unknown"]),
    local_hour=st.floats(0, 24, exclude_max=True),
    peak=st.booleans(),
)


@given(FACT_VALUES)
def test_a_rule_that_never_matches_changes_nothing(facts):
    base = rules_from_snapshot([rule("Big", {"amount_min": 500})])
    more = rules_from_snapshot(
        [
            rule("Never", {"channel_ids": [99]}, [{"type": "cancel"}], sequence=1),
            rule("Big", {"amount_min": 500}),
        ]
    )
    assert evaluate(base, facts) == evaluate(more, facts)


@given(st.dictionaries(st.integers(1, 10_000), FACT_VALUES, max_size=20))
def test_a_dry_run_of_the_same_rules_changes_no_order(facts_by_order):
    rules = rules_from_snapshot(
        [rule("Big", {"amount_min": 500}), rule("FR", {"country_codes": ["FR"]})]
    )
    rows = dry_run(rules, rules, facts_by_order)
    assert [row.order_id for row in rows] == list(facts_by_order)
    assert not any(row.changed for row in rows)


def test_a_dry_run_lists_what_the_draft_changes():
    published = rules_from_snapshot(
        [
            rule(
                "Express",
                {"country_codes": ["FR"]},
                [{"type": "tag", "tag_ids": [1]}, {"type": "route", "source_id": 2}],
            )
        ]
    )
    draft = rules_from_snapshot(
        [
            rule(
                "Big",
                {"amount_min": 500},
                [
                    {"type": "hold", "reason": "big order"},
                    {"type": "tag", "tag_ids": [3]},
                    {"type": "carrier", "carrier_id": 4, "service": "24h"},
                    {"type": "split", "split": "never"},
                    {"type": "notify", "user_id": 5, "message": "see"},
                ],
            ),
            rule("Express", {"country_codes": ["FR"]}, [{"type": "tag", "tag_ids": [1]}]),
        ]
    )
    names = {
        "tag": {1: "Express", 3: "Big"},
        "source": {2: "Paris"},
        "carrier": {4: "DHL"},
        "user": {5: "Mitchell"},
    }
    facts = {
        10: OrderFacts(amount=600, country_code="FR"),
        11: OrderFacts(amount=100, country_code="FR"),
        12: OrderFacts(amount=100, country_code="BE"),
    }
    rows = dry_run(published, draft, facts, names)
    assert [row.changed for row in rows] == [True, True, False]
    assert rows[0].differences == (
        "decision accept \u2192 hold (big order)",
        "route Paris \u2192 none",
        "carrier none \u2192 DHL (24h)",
        "tag +Big",
        "tag -Express",
        "split default \u2192 never",
        "notify +Mitchell: see",
    )
    assert rows[1].differences == ("route Paris \u2192 none",)
    assert rows[0].before.decision == "accept" and rows[0].after.decision == "hold"


def test_a_dry_run_says_a_changed_reason():
    hold = [{"type": "hold", "reason": "a"}]
    other = [{"type": "hold", "reason": "b"}]
    rows = dry_run(
        rules_from_snapshot([rule(actions=hold)]),
        rules_from_snapshot([rule(actions=other)]),
        {1: FACTS},
    )
    assert rows[0].differences == ("reason a \u2192 b",)


def test_touchless_by_rule_counts_orders_and_rate():
    rows = [("big", False), ("big", True), ("fr", True), ("big", False), ("fr", True)]
    assert touchless_by_rule(rows) == {"big": (3, 1, 1 / 3), "fr": (2, 2, 1.0)}
    assert touchless_by_rule([]) == {}


def test_outcome_words_say_the_handling_in_short():
    rules = rules_from_snapshot(
        [
            rule(
                "Big",
                actions=[
                    {"type": "hold", "reason": "big order"},
                    {"type": "tag", "tag_ids": [3]},
                    {"type": "route", "source_id": 2},
                    {"type": "notify", "user_id": 5, "message": "see"},
                ],
            )
        ]
    )
    names = {"tag": {3: "Big"}, "source": {2: "Paris"}, "user": {5: "Mitchell"}}
    assert outcome_words(evaluate(rules, FACTS), names) == (
        "hold: big order; from Paris; tag Big; notify Mitchell"
    )
    assert outcome_words(Outcome()) == "accept"


def test_zones_hold_an_address_by_country_and_postcode_prefix():
    zones = [(1, {10}, ["69", "75"]), (2, {10}, []), (3, {20}, [])]
    assert zone_ids_of(10, "69 003", zones) == {1, 2}
    assert zone_ids_of(10, "13001", zones) == {2}
    assert zone_ids_of(20, "", zones) == {3}
    assert zone_ids_of(None, "69003", zones) == frozenset()


def test_named_ids_lists_the_records_rules_name():
    rules = rules_from_snapshot(
        [
            rule("A", {"channel_ids": [1], "zone_ids": [2], "category_ids": [3]},
                 [{"type": "route", "source_id": 4}, {"type": "tag", "tag_ids": [5, 6]}]),
            rule("B", {"customer_tag_ids": [7], "product_tag_ids": [8]},
                 [{"type": "notify", "discuss_channel_id": 9, "message": "m"},
                  {"type": "carrier", "carrier_id": 10}]),
        ]
    )  # fmt: skip
    assert named_ids(rules) == {
        "channel": {1}, "zone": {2}, "category": {3}, "product_tag": {8},
        "customer_tag": {7}, "source": {4}, "carrier": {10}, "tag": {5, 6}, "user": set(),
        "discuss_channel": {9},
    }  # fmt: skip
    names = {"channel": {1: "Market"}, "zone": {2: "Lyon"}, "category": {3: "Mugs"}}
    assert rules[0].summary(names) == "channel Market, zone Lyon, category Mugs"
