"""What the benches that seed rows by SQL share."""


def columns(cr, table, skipped):
    """The columns of `table` in their order, less `skipped` (those the seeding query
    writes itself): the rest are copied from a template row."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND table_schema = current_schema() ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cr.fetchall() if name not in skipped]
