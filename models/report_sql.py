"""The SQL the report views (read-only SQL views of the channels' pushes) share: the
reason of an error, to group by; (re)creating a report's view. The measures are defined
in SQL once, in each report's model; the graph and pivot views group them."""

from odoo import tools
from odoo.tools import SQL


def reason_sql(column):
    """SQL: the reason of an error, to group by: its first line, trimmed, without the URL
    it names (nor the answer quoted after "from <url>:"), at most 200 characters."""
    return (
        "nullif(left(btrim(regexp_replace(regexp_replace("
        f"split_part(coalesce({column}, ''), E'\\n', 1), "
        "' from https?://.*$', ''), 'https?://\\S+', '<url>', 'g')), 200), '')"
    )


def create_view(model, query):
    """(Re)create the SQL view of the report `model` (at each install or update)."""
    tools.drop_view_if_exists(model.env.cr, model._table)
    model.env.cr.execute(
        SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(model._table), SQL(query))
    )
