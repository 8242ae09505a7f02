"""A list of values as the text of a PostgreSQL array (``'{"1","2",NULL}'``), for the
statements that pass thousands of values (a dispatch round's 4,000 variants): one
literal that PostgreSQL's array reader takes in one call, where a list adapted by
psycopg2 (``ARRAY[1, 2, ...]``) or a row of ``VALUES`` per variant is parsed and
planned value by value (the rounds of a Republish all spent a third of their database
time so). Cast it in the statement: ``unnest(%s::int[])``."""


def array_text(values):
    """The PostgreSQL array literal of `values`: each one quoted (its text: str(); a
    backslash and a double quote escaped), None as NULL. Booleans are read by
    PostgreSQL whatever their case ("True"); dates and times as ISO text."""
    return "{%s}" % ",".join(
        "NULL" if value is None else '"%s"' % str(value).replace("\\", "\\\\").replace('"', '\\"')
        for value in values
    )
