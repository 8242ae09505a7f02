"""Order automation rules: which handling an incoming channel order gets.

A rule set is a list of rules in evaluation order (sequence, then position). A rule
matches an order when every condition it tests holds (a condition left out, None or []
is not tested); a matched rule's actions are collected:

    accept, hold, cancel   decisions: the FIRST decision wins and ends the evaluation
    route, carrier, split  a later one replaces an earlier one
    tag, notify            add up
    stop                   a matched rule with `stop` ends the evaluation too
    no decision            the order is accepted

What a version stores (a snapshot) is a list of rule dicts; `rules_from_snapshot` checks
it and gives the Rules, `evaluate` the Outcome of one order's facts, `dry_run` what a
draft would change on past orders, `touchless_by_rule` each rule's touchless rate.
"""

from collections.abc import Mapping
from dataclasses import dataclass

ACCEPT = "accept"
HOLD = "hold"
CANCEL = "cancel"
ROUTE = "route"
CARRIER = "carrier"
TAG = "tag"
SPLIT = "split"
NOTIFY = "notify"
DECISIONS = (ACCEPT, HOLD, CANCEL)
ACTION_SELECTION = [
    (ACCEPT, "Accept"),
    (HOLD, "Hold for review"),
    (ROUTE, "Route to a source"),
    (CARRIER, "Set carrier / service"),
    (TAG, "Tag"),
    (SPLIT, "Split or not"),
    (NOTIFY, "Notify"),
    (CANCEL, "Cancel"),
]
ACTION_TYPES = frozenset(code for code, _label in ACTION_SELECTION)
PAYMENT_SELECTION = [("paid", "Paid"), ("pending", "Pending"), ("unknown", "Unknown")]
PAYMENT_STATES = frozenset(code for code, _label in PAYMENT_SELECTION)
SPLIT_SELECTION = [("never", "Never split"), ("line", "Split by line"), ("unit", "Split by unit")]
SPLITS = frozenset(code for code, _label in SPLIT_SELECTION)

# condition key -> kind of value
_ID_SETS = ("channel_ids", "zone_ids", "category_ids", "product_tag_ids", "customer_tag_ids")
_WORD_SETS = ("country_codes", "skus", "payment_states", "exception_kinds")
_NUMBERS = ("amount_min", "amount_max", "hour_from", "hour_to")
_COUNTS = ("customer_orders_min", "customer_orders_max")
_FLAGS = ("shortfall", "peak")
# in the order they are said
CONDITIONS = ("channel_ids", "amount_min", "amount_max", "country_codes", "zone_ids", "skus",
              "category_ids", "product_tag_ids", "customer_tag_ids", "customer_orders_min",
              "customer_orders_max", "payment_states", "shortfall", "exception_kinds",
              "hour_from", "hour_to", "peak")  # fmt: skip
# condition on a set -> the fact it meets (the fact is one value or a set of values)
_SET_FACTS = {
    "channel_ids": "channel_id",
    "zone_ids": "zone_ids",
    "category_ids": "category_ids",
    "product_tag_ids": "product_tag_ids",
    "customer_tag_ids": "customer_tag_ids",
    "country_codes": "country_code",
    "skus": "skus",
    "payment_states": "payment_state",
    "exception_kinds": "exception",
}


@dataclass(frozen=True)
class OrderFacts:
    """What the rules see of one order."""

    channel_id: int = 0
    amount: float = 0.0  # order total, order currency
    country_code: str = ""  # delivery country
    zone_ids: frozenset = frozenset()  # stock.channel.zone containing the delivery address
    skus: frozenset = frozenset()
    category_ids: frozenset = frozenset()  # each line's category and its ancestors
    product_tag_ids: frozenset = frozenset()
    customer_tag_ids: frozenset = frozenset()
    customer_orders: int = 0  # the customer's earlier confirmed orders
    payment_state: str = "unknown"
    shortfall: bool = False  # some line is short of stock
    exception: str | None = None  # the order's exception kind ("" / None: none)
    local_hour: float = 0.0  # time of the order in the rule set's time zone, 0 <= h < 24
    peak: bool = False  # the company's peak mode


@dataclass(frozen=True)
class Action:
    """One action of a rule (only the fields of its type are set)."""

    type: str
    reason: str = ""
    source_id: int | None = None
    carrier_id: int | None = None
    service: str = ""
    tag_ids: tuple = ()
    split: str | None = None
    user_id: int | None = None
    discuss_channel_id: int | None = None
    message: str = ""

    @property
    def decision(self):
        return self.type in DECISIONS


@dataclass(frozen=True)
class Rule:
    """One rule: its conditions ({key: value}, only the tested ones) and actions."""

    key: str
    name: str
    sequence: int = 10
    stop: bool = False
    conditions: tuple = ()  # ((condition key, value), ...) in CONDITIONS order
    actions: tuple = ()  # Action, ...

    def matches(self, facts):
        tested = dict(self.conditions)
        hours = hour_window(facts.local_hour, tested.get("hour_from"), tested.get("hour_to"))
        return hours and all(_holds(key, value, facts) for key, value in self.conditions)

    def summary(self, names=None):
        """The conditions in words ("amount ≥ 500, country FR"), "every order" when none."""
        tested = dict(self.conditions)
        words = [_condition_words(key, value, tested, names) for key, value in self.conditions]
        return ", ".join(word for word in words if word) or "every order"


@dataclass(frozen=True)
class Outcome:
    """The handling an order gets from a rule set."""

    decision: str = ACCEPT
    reason: str = ""
    route_source_id: int | None = None
    carrier_id: int | None = None
    service: str = ""
    tag_ids: tuple = ()
    split: str | None = None
    notify: tuple = ()  # ({"user_id", "discuss_channel_id", "message", "rule_key"}, ...)
    matched: tuple = ()  # ((rule key, rule name, (action type, ...)), ...)
    decided_by: str | None = None  # key of the rule whose decision won (None: default)
    rules: tuple = ()  # the matched Rules, as `matched`

    @property
    def touchless(self):
        return self.decision == ACCEPT

    def describe(self, names=None):
        """One sentence per matched rule, and the default when no rule decided."""
        sentences = []
        for rule in self.rules:
            done = "; ".join(action_words(action, names) for action in rule.actions) or "nothing"
            sentences.append(f"Rule '{rule.name}' ({rule.summary(names)}): {done}.")
        if not self.matched:
            sentences.append("No rule matched: accepted.")
        elif self.decided_by is None:
            sentences.append("No rule decided: accepted.")
        return sentences


@dataclass(frozen=True)
class DryRunRow:
    """One past order under the published rules (before) and the draft (after)."""

    order_id: int
    before: Outcome
    after: Outcome
    differences: tuple = ()

    @property
    def changed(self):
        return bool(self.differences)


# --- snapshot -> rules ---------------------------------------------------------------


def rules_from_snapshot(snapshot):
    """The Rules of a snapshot in evaluation order; ValueError when it is malformed."""
    if not isinstance(snapshot, (list, tuple)):
        raise ValueError(f"a rule snapshot is a list of rules, not {type(snapshot).__name__}")
    rules = [_rule(item, position) for position, item in enumerate(snapshot, 1)]
    keys = [rule.key for rule in rules]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"rule key {twice[0]!r} appears twice in the snapshot")
    return tuple(sorted(rules, key=lambda rule: rule.sequence))


def _rule(item, position):
    if not isinstance(item, Mapping):
        raise ValueError(f"rule {position} is not a mapping")
    key, name = item.get("key"), item.get("name")
    if not isinstance(key, str) or not key:
        raise ValueError(f"rule {position} has no key")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"rule {position} has no name")
    label = f"rule '{name}'"
    sequence = item.get("sequence", 10)
    if not _is_int(sequence):
        raise ValueError(f"{label}: the sequence must be a whole number")
    if not isinstance(item.get("stop", False), bool):
        raise ValueError(f"{label}: stop must be true or false")
    conditions = _conditions(item.get("conditions") or {}, label)
    actions = tuple(_action(raw, label) for raw in _list(item.get("actions"), label, "actions"))
    if sum(action.decision for action in actions) > 1:
        raise ValueError(f"{label}: a rule makes at most one decision (accept, hold, cancel)")
    return Rule(key, name, sequence, item.get("stop", False), conditions, actions)


def _list(value, label, what):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{label}: {what} must be a list")
    return value


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _conditions(raw, label):
    if not isinstance(raw, Mapping):
        raise ValueError(f"{label}: conditions must be a mapping")
    unknown = sorted(set(raw) - set(CONDITIONS))
    if unknown:
        raise ValueError(f"{label}: unknown condition {unknown[0]!r}")
    tested = {key: raw[key] for key in CONDITIONS if raw.get(key) not in (None, [], ())}
    for key in CONDITIONS:
        if key in tested:
            tested[key] = _condition_value(key, tested[key], label)
    _check_ranges(tested, label)
    return tuple(tested.items())


def _condition_value(key, value, label):
    if key in _ID_SETS + _WORD_SETS:
        items = _list(value, label, key)
        check = _is_int if key in _ID_SETS else lambda item: isinstance(item, str) and item
        if not all(check(item) for item in items):
            kind = "ids" if key in _ID_SETS else "non-empty words"
            raise ValueError(f"{label}: {key} must be a list of {kind}")
        if key == "country_codes":
            items = [code.upper() for code in items]
        unknown = sorted(set(items) - PAYMENT_STATES) if key == "payment_states" else []
        if unknown:
            raise ValueError(f"{label}: unknown payment state {unknown[0]!r}")
        return frozenset(items)
    if key in _FLAGS:
        if not isinstance(value, bool):
            raise ValueError(f"{label}: {key} must be true or false")
        return value
    if key in _COUNTS and not (_is_int(value) and value >= 0):
        raise ValueError(f"{label}: {key} must be a whole number, 0 or more")
    if not _is_number(value):
        raise ValueError(f"{label}: {key} must be a number")
    return value


def _check_ranges(tested, label):
    for low, high in (("amount_min", "amount_max"), ("customer_orders_min", "customer_orders_max")):
        if low in tested and high in tested and tested[low] > tested[high]:
            raise ValueError(f"{label}: {low} is above {high}")
    for key in ("hour_from", "hour_to"):
        if key in tested and not 0 <= tested[key] <= 24:
            raise ValueError(f"{label}: {key} must be between 0 and 24")
    if "hour_from" in tested and tested.get("hour_from") == tested.get("hour_to"):
        raise ValueError(f"{label}: hour_from and hour_to are equal (an empty window)")


def snapshot_of(rules):
    """The snapshot (list of dicts) of Rules: rules_from_snapshot(snapshot_of(r)) == r."""
    return [
        {
            "key": rule.key,
            "name": rule.name,
            "sequence": rule.sequence,
            "stop": rule.stop,
            "conditions": {key: _plain(value) for key, value in rule.conditions},
            "actions": [_action_dict(action) for action in rule.actions],
        }
        for rule in rules
    ]


def _plain(value):
    return sorted(value) if isinstance(value, frozenset) else value


# --- actions ---------------------------------------------------------------------------

_ACTION_FIELDS = {
    ACCEPT: (),
    HOLD: ("reason",),
    CANCEL: ("reason",),
    ROUTE: ("source_id",),
    CARRIER: ("carrier_id", "service"),
    TAG: ("tag_ids",),
    SPLIT: ("split",),
    NOTIFY: ("user_id", "discuss_channel_id", "message"),
}


def _action(raw, label):
    if not isinstance(raw, Mapping) or raw.get("type") not in ACTION_TYPES:
        kind = raw.get("type") if isinstance(raw, Mapping) else raw
        raise ValueError(f"{label}: unknown action {kind!r}")
    kind = raw["type"]
    values = {name: raw.get(name) for name in _ACTION_FIELDS[kind] if raw.get(name) is not None}
    for name in ("reason", "service", "message"):
        if name in values and not isinstance(values[name], str):
            raise ValueError(f"{label}: the {kind} action's {name} must be text")
    for name in ("source_id", "carrier_id", "user_id", "discuss_channel_id"):
        if name in values and not _is_int(values[name]):
            raise ValueError(f"{label}: the {kind} action's {name} must be an id")
    _required(kind, values, label)
    if kind == TAG:
        values["tag_ids"] = tuple(values["tag_ids"])
    return Action(type=kind, **values)


def _required(kind, values, label):
    if kind == ROUTE and "source_id" not in values:
        raise ValueError(f"{label}: the route action needs a source")
    if kind == CARRIER and "carrier_id" not in values:
        raise ValueError(f"{label}: the carrier action needs a carrier")
    if kind == SPLIT and values.get("split") not in SPLITS:
        raise ValueError(f"{label}: the split action needs one of {', '.join(sorted(SPLITS))}")
    if kind == NOTIFY and not (values.get("user_id") or values.get("discuss_channel_id")):
        raise ValueError(f"{label}: the notify action needs a user or a channel")
    tags = values.get("tag_ids")
    if kind == TAG and not (isinstance(tags, (list, tuple)) and tags and all(map(_is_int, tags))):
        raise ValueError(f"{label}: the tag action needs a list of tag ids")


def _action_dict(action):
    values = {"type": action.type}
    for name in _ACTION_FIELDS[action.type]:
        value = getattr(action, name)
        values[name] = list(value) if name == "tag_ids" else value
    return values


def _name(names, kind, record_id):
    return (names or {}).get(kind, {}).get(record_id) or f"{kind} #{record_id}"


def action_words(action, names=None):
    """What an action does, in words ("held for review: big order")."""
    kind = action.type
    if kind == ACCEPT:
        return "accepted"
    if kind in (HOLD, CANCEL):
        done = "held for review" if kind == HOLD else "cancelled"
        return f"{done}: {action.reason}" if action.reason else done
    if kind == ROUTE:
        return f"shipped from {_name(names, 'source', action.source_id)}"
    if kind == CARRIER:
        carrier = _name(names, "carrier", action.carrier_id)
        return f"carrier {carrier}" + (f" ({action.service})" if action.service else "")
    if kind == TAG:
        return "tagged " + ", ".join(_name(names, "tag", tag) for tag in action.tag_ids)
    if kind == SPLIT:
        return dict(SPLIT_SELECTION)[action.split].lower()
    return f"notified {_recipients(action.user_id, action.discuss_channel_id, names)}"


def _recipients(user_id, discuss_channel_id, names):
    people = []
    if user_id:
        people.append(_name(names, "user", user_id))
    if discuss_channel_id:
        people.append(_name(names, "discuss_channel", discuss_channel_id))
    return " and ".join(people)


# --- conditions ------------------------------------------------------------------------


def _holds(key, value, facts):
    if key in _SET_FACTS:
        fact = getattr(facts, _SET_FACTS[key])
        if isinstance(fact, frozenset):
            return bool(fact & value)
        if key == "country_codes":
            fact = (fact or "").upper()
        return fact in value
    if key in _FLAGS:
        return bool(getattr(facts, key)) == value
    if key == "amount_min":
        return facts.amount >= value
    if key == "amount_max":
        return facts.amount <= value
    if key == "customer_orders_min":
        return facts.customer_orders >= value
    if key == "customer_orders_max":
        return facts.customer_orders <= value
    return True  # the hours: hour_window, once per rule


def hour_window(hour, hour_from=None, hour_to=None):
    """Whether a local hour is in the window [from, to): from that hour on, before that
    hour, or both; from > to wraps midnight (22 → 6 holds at 23:00 and at 05:00)."""
    if hour_from is None and hour_to is None:
        return True
    if hour_from is None:
        return hour < hour_to
    if hour_to is None:
        return hour >= hour_from
    if hour_from < hour_to:
        return hour_from <= hour < hour_to
    return hour >= hour_from or hour < hour_to


def _condition_words(key, value, tested, names):
    if key in _SET_FACTS:
        kind = key.removesuffix("_ids").removesuffix("_codes").removesuffix("s")
        kind = "SKU" if kind == "sku" else kind.replace("_", " ")
        items = [_name(names, key[:-4], item) if key in _ID_SETS else item for item in value]
        return f"{kind} {', '.join(str(item) for item in sorted(items, key=str))}"
    if key in _FLAGS:
        return key if value else f"no {key}"
    words = {
        "amount_min": f"amount \u2265 {value:g}",
        "amount_max": f"amount \u2264 {value:g}",
        "customer_orders_min": f"customer orders \u2265 {value}",
        "customer_orders_max": f"customer orders \u2264 {value}",
    }
    if key in words:
        return words[key]
    if key == "hour_to" and "hour_from" in tested:
        return ""
    return f"hours {_clock(tested.get('hour_from', 0))}\u2013{_clock(tested.get('hour_to', 24))}"


def _clock(hour):
    minutes = round(hour * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- evaluation ------------------------------------------------------------------------


def evaluate(rules, facts):
    """The Outcome of an order's facts under Rules (see the module)."""
    state = {"tag_ids": [], "notify": [], "rules": []}
    for rule in rules:
        if not rule.matches(facts):
            continue
        state["rules"].append(rule)
        for action in rule.actions:
            _apply(action, rule, state)
        if state.get("decided_by") or rule.stop:
            break
    return Outcome(
        decision=state.get("decision", ACCEPT),
        reason=state.get("reason", ""),
        route_source_id=state.get("route_source_id"),
        carrier_id=state.get("carrier_id"),
        service=state.get("service", ""),
        tag_ids=tuple(state["tag_ids"]),
        split=state.get("split"),
        notify=tuple(state["notify"]),
        matched=tuple((r.key, r.name, tuple(a.type for a in r.actions)) for r in state["rules"]),
        decided_by=state.get("decided_by"),
        rules=tuple(state["rules"]),
    )


def _apply(action, rule, state):
    kind = action.type
    if action.decision:
        state.update(decision=kind, reason=action.reason, decided_by=rule.key)
    elif kind == ROUTE:
        state["route_source_id"] = action.source_id
    elif kind == CARRIER:
        state.update(carrier_id=action.carrier_id, service=action.service)
    elif kind == SPLIT:
        state["split"] = action.split
    elif kind == TAG:
        state["tag_ids"].extend(t for t in action.tag_ids if t not in state["tag_ids"])
    else:
        state["notify"].append(
            {
                "user_id": action.user_id,
                "discuss_channel_id": action.discuss_channel_id,
                "message": action.message,
                "rule_key": rule.key,
            }
        )


# --- dry run and touchless rate ----------------------------------------------------------


def differences(before, after, names=None):
    """What handles an order differently from `before` to `after`, in words."""
    words = []
    if (before.decision, before.reason) != (after.decision, after.reason):
        words.append(_decision_change(before, after))
    if before.route_source_id != after.route_source_id:
        words.append(f"route {_maybe(names, 'source', before.route_source_id)} → "
                     f"{_maybe(names, 'source', after.route_source_id)}")  # fmt: skip
    if (before.carrier_id, before.service) != (after.carrier_id, after.service):
        words.append(f"carrier {_carrier(before, names)} → {_carrier(after, names)}")
    words += [f"tag +{_name(names, 'tag', t)}" for t in after.tag_ids if t not in before.tag_ids]
    words += [f"tag -{_name(names, 'tag', t)}" for t in before.tag_ids if t not in after.tag_ids]
    if before.split != after.split:
        words.append(f"split {before.split or 'default'} → {after.split or 'default'}")
    words += _notify_changes(before.notify, after.notify, names)
    return tuple(words)


def _decision_change(before, after):
    def word(outcome):
        return f"{outcome.decision} ({outcome.reason})" if outcome.reason else outcome.decision

    if before.decision == after.decision:
        return f"reason {before.reason or '-'} → {after.reason or '-'}"
    return f"decision {word(before)} → {word(after)}"


def _maybe(names, kind, record_id):
    return _name(names, kind, record_id) if record_id else "none"


def _carrier(outcome, names):
    text = _maybe(names, "carrier", outcome.carrier_id)
    return f"{text} ({outcome.service})" if outcome.service else text


def _notify_changes(before, after, names):
    def plain(notes):
        return [(n["user_id"], n["discuss_channel_id"], n["message"]) for n in notes]

    old, new = plain(before), plain(after)
    words = []
    for sign, notes, other in (("+", new, old), ("-", old, new)):
        for user_id, channel_id, message in notes:
            if (user_id, channel_id, message) not in other:
                who = _recipients(user_id, channel_id, names)
                words.append(f"notify {sign}{who}" + (f": {message}" if message else ""))
    return words


def dry_run(published_rules, draft_rules, facts_by_order, names=None):
    """(DryRunRow, ...) for each order of {order_id: OrderFacts}, in the mapping's order."""
    rows = []
    for order_id, facts in facts_by_order.items():
        before, after = evaluate(published_rules, facts), evaluate(draft_rules, facts)
        rows.append(DryRunRow(order_id, before, after, differences(before, after, names)))
    return tuple(rows)


def touchless_by_rule(rows):
    """{rule key: (orders, touchless orders, rate 0..1)} from (rule key, touchless) rows."""
    counts = {}
    for key, touchless in rows:
        orders, done = counts.get(key, (0, 0))
        counts[key] = (orders + 1, done + bool(touchless))
    return {key: (orders, done, done / orders) for key, (orders, done) in counts.items()}


def outcome_words(outcome, names=None):
    """The handling an order gets, in a few words ("hold: big order; tag Express")."""
    words = [f"{outcome.decision}: {outcome.reason}" if outcome.reason else outcome.decision]
    if outcome.route_source_id:
        words.append(f"from {_name(names, 'source', outcome.route_source_id)}")
    if outcome.carrier_id:
        words.append(f"carrier {_carrier(outcome, names)}")
    if outcome.tag_ids:
        words.append("tag " + ", ".join(_name(names, "tag", t) for t in outcome.tag_ids))
    if outcome.split:
        words.append(f"split {outcome.split}")
    for note in outcome.notify:
        words.append(f"notify {_recipients(note['user_id'], note['discuss_channel_id'], names)}")
    return "; ".join(words)


def zone_ids_of(country_id, zip_code, zones):
    """The zones an address (country id, postcode) lies in, among `zones` [(zone id,
    country ids, postcode prefixes)]: its country is one of the zone's and, when the zone
    names prefixes, its postcode (spaces left out, upper case) starts with one of them."""
    postcode = (zip_code or "").replace(" ", "").upper()
    return frozenset(
        zone_id
        for zone_id, countries, prefixes in zones
        if country_id in countries
        and (not prefixes or any(postcode.startswith(prefix) for prefix in prefixes))
    )


def named_ids(rules):
    """{kind: ids} of the records the rules name (conditions and actions), for the names
    that `describe`, `summary` and `differences` take: kinds "channel", "zone",
    "category", "product_tag", "customer_tag", "source", "carrier", "tag", "user",
    "discuss_channel"."""
    ids = {key[:-4]: set() for key in _ID_SETS}
    ids.update({kind: set() for kind in ("source", "carrier", "tag", "user", "discuss_channel")})
    for rule in rules:
        for key, value in rule.conditions:
            if key in _ID_SETS:
                ids[key[:-4]].update(value)
        for action in rule.actions:
            for kind in ("source", "carrier", "user", "discuss_channel"):
                if getattr(action, f"{kind}_id"):
                    ids[kind].add(getattr(action, f"{kind}_id"))
            ids["tag"].update(action.tag_ids)
    return ids
