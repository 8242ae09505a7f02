"""The Products x Channels grid: one row per variant, one column per channel, each cell
the publishable quantity and its state (core.grid), paged in SQL.

A page costs a fixed number of queries whatever the number of variants: the channels
the user may read (ORM, record rules), the policies in force (ORM, per company), the
page's rows with their count up to a limit (one SQL, the user's product search as a
subquery), the
categories of the filtered rows when grouped (one SQL), and every cell of the page (one
SQL, restricted to the page's variants and the readable channels).
"""

from odoo import api, models
from odoo.tools import SQL

from ...core import grid
from ...core.connectors import get_connector
from .queries import CELLS_SQL, ROWS_SQL


class StockChannelGrid(models.AbstractModel):
    """The Products x Channels grid (the client action stock_channel_sync.channel_grid)."""

    _name = "stock.channel.grid"
    _description = "Products x Channels"

    # ------------------------------------------------------------------
    # The page
    # ------------------------------------------------------------------
    @api.model
    @api.readonly
    def get_page(self, offset=0, limit=80, filters=(), group_by=None):
        """{channels: [{id, name, connected}], rows: [{id, name, sku, categ_id, category,
        cells: {channel_id: {qty, published, state[, excluded_by: the exclusion rule]}}}],
        total, total_exact (a total past core.grid.count_limit is that limit: get_total
        counts), groups: [{categ_id, category, count}] (grouped by category only), offset,
        limit}.

        `filters` (core.grid.FILTERS) keep the variants matching any of them on some
        channel. Channels and variants are those the user may read (record rules); the
        figures are read in SQL for those only."""
        channels = self._grid_channels()
        self._grid_flush()
        where = self._grid_where(channels, filters)
        grouped = group_by == "category"
        rows, total, exact = self._grid_rows(where, offset, limit, grouped)
        cells = self._grid_cells([row["id"] for row in rows], channels) if rows else {}
        for row in rows:
            row["cells"] = cells.get(row["id"], {})
        return {
            "channels": [
                {"id": ch.id, "name": ch.name, "connected": bool(ch.connector)} for ch in channels
            ],
            "rows": rows,
            "total": total,
            "total_exact": exact,
            "groups": self._grid_groups(where) if grouped and rows else [],
            "offset": offset,
            "limit": limit,
            "states": grid.STATES,
        }

    def _grid_channels(self):
        """The active channels the user may read, in the menu's order."""
        return self.env["stock.channel"].search([], order="sequence, name, id")

    def _grid_flush(self):
        for model in (
            "stock.channel.quantity",
            "stock.channel.outbox",
            "stock.channel.drift",
            "stock.channel.binding",
            "stock.channel.policy.rule",
            "stock.channel.sync.log",
            "product.product",
            "product.template",
        ):
            self.env[model].flush_model()

    def _grid_where(self, channels, filters):
        """The condition on product_product `pp` of the rows: the variants the channels
        publish that the user may read (storable, active), matching any of `filters`."""
        products = self.env["product.product"]._search([("is_storable", "=", True)])
        conditions = [SQL("pp.id IN %s", products.subselect())]
        wanted = [self._grid_filter(name, channels) for name in grid.FILTERS if name in filters]
        if wanted:
            conditions.append(SQL("(%s)", SQL(" OR ").join(wanted)))
        return SQL(" AND ").join(conditions)

    def _grid_filter(self, name, channels):
        ids = channels.ids
        if name == grid.AT_ZERO:
            return SQL(
                "EXISTS (SELECT 1 FROM stock_channel_quantity q WHERE q.product_id = pp.id "
                "AND q.channel_id = ANY(%s) AND q.publishable_qty = 0)",
                ids,
            )
        if name == grid.DRIFT:
            return SQL(
                "EXISTS (SELECT 1 FROM stock_channel_drift d WHERE d.product_id = pp.id "
                "AND d.channel_id = ANY(%s) AND d.state = 'open')",
                ids,
            )
        if name == grid.FAILED:
            return SQL(
                "EXISTS (SELECT 1 FROM stock_channel_outbox o WHERE o.product_id = pp.id "
                "AND o.channel_id = ANY(%s) AND o.state = 'dead')",
                ids,
            )
        return self._grid_not_bound(channels)

    def _grid_not_bound(self, channels):
        """Some connected channel's connector cannot address the variant: no SKU (the
        binding's, else the internal reference), or no platform id where the connector
        sets stock by id (those that refuse a SKU without an id)."""
        connected = channels.filtered("connector")
        if not connected:
            return SQL("false")
        needs_id = [not get_connector(ch.connector).addresses("SKU", "") for ch in connected]
        return SQL(
            """EXISTS (
                SELECT 1 FROM unnest(%s::int[], %s::bool[]) AS c(id, needs_id)
                  LEFT JOIN stock_channel_binding b
                         ON b.product_id = pp.id AND b.channel_id = c.id AND b.active
                 WHERE COALESCE(CASE WHEN b.id IS NULL THEN pp.default_code
                                     ELSE b.external_sku END, '') = ''
                    OR (c.needs_id AND COALESCE(b.external_id, '') = ''))""",
            connected.ids,
            needs_id,
        )

    def _grid_rows(self, where, offset, limit, grouped):
        """([{id, name, sku, categ_id, category}] of the page, the total shown, whether it
        is exact), in one query and one pass in the order of an index: the rows numbered
        up to core.grid.count_limit (never a count of every row), the page cut from them."""
        order = SQL("pc.complete_name NULLS LAST, " if grouped else "")
        categories = SQL(
            "JOIN product_template pt ON pt.id = pp.product_tmpl_id "
            "LEFT JOIN product_category pc ON pc.id = pt.categ_id"
            if grouped
            else ""
        )
        self.env.cr.execute(
            SQL(
                ROWS_SQL,
                lang=self.env.lang or "en_US",
                order=order,
                categories=categories,
                where=where,
                count=grid.count_limit(offset, limit) + 1,
                offset=offset,
                end=offset + limit,
            )
        )
        fetched = self.env.cr.fetchall()
        rows = [
            {"id": pid, "name": name, "sku": sku or "", "categ_id": categ, "category": cat or ""}
            for pid, name, sku, categ, cat, _counted in fetched
            if pid
        ]
        return rows, *grid.page_total(fetched[0][5], offset, limit)

    @api.model
    @api.readonly
    def get_total(self, filters=()):
        """The exact number of variants of the grid with `filters` (the pager's "+")."""
        self._grid_flush()
        where = self._grid_where(self._grid_channels(), filters)
        self.env.cr.execute(SQL("SELECT count(*) FROM product_product pp WHERE %s", where))
        return self.env.cr.fetchone()[0]

    def _grid_groups(self, where):
        """[{categ_id, category, count}] of every filtered row, by category."""
        self.env.cr.execute(
            SQL(
                """
                SELECT pt.categ_id, pc.complete_name, count(*)
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN product_category pc ON pc.id = pt.categ_id
                 WHERE %s
                 GROUP BY pt.categ_id, pc.complete_name
                 ORDER BY pc.complete_name NULLS LAST
                """,
                where,
            )
        )
        return [
            {"categ_id": categ, "category": name or "", "count": count}
            for categ, name, count in self.env.cr.fetchall()
        ]

    def _grid_cells(self, product_ids, channels):
        """{product_id: {channel_id: {qty, published, state, excluded_by}}} in one query."""
        cells = {}
        for (pid, cid), cell in self._grid_cell_figures(product_ids, channels).items():
            cells.setdefault(pid, {})[cid] = {
                "qty": cell.publishable,
                "published": cell.published if cell.published_at else None,
                "state": grid.state(cell),
                **({"excluded_by": cell.excluded_by} if cell.excluded_by else {}),
            }
        return cells

    def _grid_cell_figures(self, product_ids, channels):
        """{(product_id, channel_id): core.grid.Cell} of `product_ids` x `channels`."""
        policies = self._grid_policies(channels)
        self.env.cr.execute(
            SQL(
                CELLS_SQL,
                products=list(product_ids),
                channels=channels.ids,
                policies=policies,
            )
        )
        by_id = {ch.id: ch for ch in channels}
        figures = {}
        for pid, cid, *values in self.env.cr.fetchall():
            figures[pid, cid] = _cell(by_id[cid], values)
        return figures

    def _grid_policies(self, channels):
        """The ids of the policies in force for the companies of `channels`."""
        Policy = self.env["stock.channel.policy"].sudo()
        policies = [Policy._in_force(company) for company in channels.sudo().company_id]
        return [policy.id for policy in policies if policy]


def _cell(channel, values):
    """The core.grid.Cell of a row of CELLS_SQL (after its ids) on `channel`."""
    (publishable, published, published_at, in_doubt, queued, dead, waiting, drift) = values[:8]
    sku, external_id, fulfilled, share, own_fence, backorder, excluded_by = values[8:]
    connector = channel.connector
    return grid.Cell(
        connected=bool(connector),
        publishable=publishable,
        published=published,
        published_at=published_at,
        in_doubt=in_doubt,
        queued=queued,
        waiting=waiting,
        dead=dead,
        drift=drift,
        addressable=not connector or get_connector(connector).addresses(sku, external_id or ""),
        fulfilled_by_channel=fulfilled,
        share_percent=share,
        own_fence=own_fence,
        backorder=backorder if channel.allow_backorder else 0,
        excluded_by=excluded_by,
    )
