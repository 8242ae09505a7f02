"""A list of values as a PostgreSQL array literal (core.sql_arrays; read back by
PostgreSQL in tests/test_republish_cost.py)."""

from datetime import date, datetime
from decimal import Decimal

from core.sql_arrays import array_text


def test_numbers_and_booleans_are_plain_none_is_null():
    assert array_text([1, None, -2.5, True, Decimal("1.50")]) == "{1,NULL,-2.5,True,1.50}"
    assert array_text([]) == "{}"


def test_text_is_quoted_with_its_quotes_and_backslashes_escaped():
    assert array_text(['a "b"', "c\\d", "{e}, f", "NULL", ""]) == (
        '{"a \\"b\\"","c\\\\d","{e}, f","NULL",""}'
    )


def test_dates_and_times_are_quoted_iso_text():
    assert array_text([date(2026, 12, 7), datetime(2026, 12, 7, 23, 5, 1, 250)]) == (
        '{"2026-12-07","2026-12-07 23:05:01.000250"}'
    )
