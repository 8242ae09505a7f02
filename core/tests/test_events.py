"""The events table (core.events): names, listeners in order, unknown names refused."""

import pytest

from core import events


def test_every_event_has_listeners_and_no_listener_twice():
    for event, models in events.LISTENERS.items():
        assert models, event
        assert len(set(models)) == len(models), event


def test_the_alerts_run_before_the_overview_and_the_dispatcher_before_it():
    for models in events.LISTENERS.values():
        if events.OVERVIEW in models:
            before = models[: models.index(events.OVERVIEW)]
            assert all(m in (events.ALERTS, events.DISPATCHER) for m in before)


def test_a_listener_is_the_method_on_event_of_its_model():
    assert events.handler(events.DEAD_LETTER) == "_on_dead_letter"
    assert events.listeners(events.DEAD_LETTER) == (events.ALERTS, events.OVERVIEW)
    assert events.route(events.DEAD_LETTER) == (
        "_on_dead_letter",
        (events.ALERTS, events.OVERVIEW),
    )


def test_an_unknown_event_raises():
    with pytest.raises(events.UnknownEvent):
        events.listeners("dead_leter")
    with pytest.raises(events.UnknownEvent):
        events.handler("dead_leter")
    with pytest.raises(events.UnknownEvent):
        events.route("dead_leter")
