"""A list of values as a PostgreSQL array literal (core.sql_arrays; read back by
PostgreSQL in tests/test_republish_cost.py)."""

from datetime import date, datetime

from core.sql_arrays import array_text


def test_each_value_is_quoted_and_none_is_null():
    assert array_text([1, None, 2.5, True]) == '{"1",NULL,"2.5","True"}'
    assert array_text([]) == "{}"


def test_quotes_backslashes_braces_and_commas_stay_inside_their_value():
    assert array_text(['a "b"', "c\\d", "{e}, f", "NULL"]) == (
        '{"a \\"b\\"","c\\\\d","{e}, f","NULL"}'
    )


def test_dates_and_times_are_iso_text():
    assert array_text([date(2026, 12, 7), datetime(2026, 12, 7, 23, 5, 1, 250)]) == (
        '{"2026-12-07","2026-12-07 23:05:01.000250"}'
    )
