from core.units import NOT_MEASURED, format_latency, format_latency_seconds


def test_latencies_under_a_second_are_whole_milliseconds():
    assert format_latency(850) == "850 ms"
    assert format_latency(0.4) == "0 ms"
    assert format_latency(12.6) == "13 ms"


def test_latencies_from_a_second_have_no_decimals():
    assert format_latency(999.6) == "1 s"
    assert format_latency(1250) == "1 s"
    assert format_latency(3499) == "3 s"
    assert format_latency(59_400) == "59 s"


def test_latencies_from_a_minute_are_minutes():
    assert format_latency(59_600) == "1 min"
    assert format_latency(125_000) == "2 min"
    assert format_latency(500_000) == "8 min"


def test_no_latency_is_not_measured_yet():
    assert format_latency(None) == NOT_MEASURED
    assert format_latency_seconds(None) == NOT_MEASURED


def test_latencies_in_seconds():
    assert format_latency_seconds(0.85) == "850 ms"
    assert format_latency_seconds(6.5) == "7 s"
    assert format_latency_seconds(5.0) == "5 s"
