"""A list of values as the text of a PostgreSQL array (``'{1,2,NULL,"a b"}'``), for the
statements that pass thousands of values (a dispatch round's 4,000 variants): one
literal that PostgreSQL's array reader takes in one call, where a list adapted by
psycopg2 (``ARRAY[1, 2, ...]``) or a row of ``VALUES`` per variant is parsed and
planned value by value (the rounds of a Republish all spent a third of their database
time so). Cast it in the statement: ``unnest(%s::int[])``."""

from decimal import Decimal

# written as they are (digits, a sign, a point, an exponent; True/False: PostgreSQL reads
# booleans whatever their case)
PLAIN = frozenset({int, float, bool, Decimal})


def _quoted(text):
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def array_text(values):
    """The PostgreSQL array literal of `values`: numbers and booleans as they are, any
    other value quoted (its text: str(), so dates and times as ISO text; a backslash and
    a double quote escaped), None as NULL."""
    return "{%s}" % ",".join(
        "NULL" if value is None else str(value) if type(value) in PLAIN else _quoted(str(value))
        for value in values
    )
