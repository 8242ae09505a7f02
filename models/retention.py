"""Retention: old rows go in batches, so that a purge never holds a long transaction or
a lock on a whole table."""

from psycopg2 import sql

PURGE_BATCH = 10_000


def purge(cr, table, column, days, where="TRUE", params=(), batch=PURGE_BATCH):
    """Delete the rows of `table` whose `column` is older than `days` and that match the
    SQL condition `where` (with `params`), `batch` rows at a time; returns how many went."""
    query = sql.SQL(
        """
        DELETE FROM {table} WHERE id IN (
            SELECT id FROM {table}
             WHERE {column} < (now() at time zone 'utc') - make_interval(days => %s)
               AND ({where})
             LIMIT %s)
        """
    ).format(table=sql.Identifier(table), column=sql.Identifier(column), where=sql.SQL(where))
    deleted = 0
    while True:
        cr.execute(query, [days, *params, batch])
        deleted += cr.rowcount
        if cr.rowcount < batch:
            return deleted
