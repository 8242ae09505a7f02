"""The SQL of the grid's cells (the indexes its look-ups by variant need are declared by the
models of their tables: stock.channel.outbox, stock.channel.quantity)."""

# every cell of the page: (variant, channel) with its figures; see core.grid.Cell
CELLS_SQL = """
SELECT p.id, c.id, q.publishable_qty, q.published_qty, q.published_at,
       COALESCE(q.push_in_doubt, false), COALESCE(o.queued, false), COALESCE(o.dead, false),
       COALESCE(o.waiting, false),
       EXISTS (SELECT 1 FROM stock_channel_drift d
                WHERE d.channel_id = c.id AND d.product_id = p.id AND d.state = 'open'),
       CASE WHEN b.id IS NULL THEN pp.default_code ELSE b.external_sku END,
       b.external_id, COALESCE(b.fulfilled_by_channel, false),
       r.share_percent, COALESCE(r.ring_fenced_qty, 0), COALESCE(r.backorder_qty, 0),
       COALESCE(q.excluded_by, '')
  FROM unnest(%(products)s::int[]) AS p(id)
  JOIN product_product pp ON pp.id = p.id
  JOIN product_template pt ON pt.id = pp.product_tmpl_id
  LEFT JOIN product_category pc ON pc.id = pt.categ_id
 CROSS JOIN unnest(%(channels)s::int[]) AS c(id)
  LEFT JOIN stock_channel_quantity q ON q.channel_id = c.id AND q.product_id = p.id
  LEFT JOIN stock_channel_binding b ON b.channel_id = c.id AND b.product_id = p.id AND b.active
  LEFT JOIN LATERAL (
        SELECT bool_or(o.state IN ('pending', 'late')) AS queued,
               bool_or(o.state = 'dead') AS dead,
               bool_or(o.state = 'pending' AND EXISTS (
                   SELECT 1 FROM stock_channel_sync_log l
                    WHERE l.channel_id = o.channel_id AND l.state = 'waiting'
                      AND l.sent_at >= o.event_at
                      AND l.items @> jsonb_build_array(jsonb_build_object(
                              'product_id', o.product_id, 'sequence', q.last_sequence)))
               ) AS waiting
          FROM stock_channel_outbox o
         WHERE o.product_id = p.id AND o.channel_id = c.id
       ) o ON true
  LEFT JOIN LATERAL (
        SELECT r.share_percent, r.ring_fenced_qty, r.backorder_qty
          FROM stock_channel_policy_rule r
         WHERE r.policy_id = ANY(%(policies)s::int[]) AND r.channel_id = c.id
           AND (r.scope = 'all'
                OR (r.scope = 'variant' AND r.product_id = p.id)
                OR (r.scope = 'template' AND r.product_tmpl_id = pp.product_tmpl_id)
                OR (r.scope = 'category'
                    AND r.categ_id::text = ANY(string_to_array(pc.parent_path, '/'))))
         ORDER BY r.scope_rank,
                  array_position(string_to_array(pc.parent_path, '/'), r.categ_id::text)
                      DESC NULLS LAST,
                  r.sequence, r.id
         LIMIT 1
       ) r ON true
"""

# a page's rows: numbered in index order up to the count limit, the page cut from them
ROWS_SQL = """
WITH numbered AS (
    SELECT pp.id, row_number() OVER (ORDER BY %(order)s pp.default_code, pp.id) AS n
      FROM product_product pp %(categories)s
     WHERE %(where)s
     ORDER BY %(order)s pp.default_code, pp.id
     LIMIT %(count)s
)
SELECT pp.id, COALESCE(pt.name->>%(lang)s, pt.name->>'en_US'), pp.default_code,
       pt.categ_id, pc.complete_name, c.counted
  FROM (SELECT count(*) AS counted FROM numbered) c
  LEFT JOIN numbered r ON r.n > %(offset)s AND r.n <= %(end)s
  LEFT JOIN product_product pp ON pp.id = r.id
  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
  LEFT JOIN product_category pc ON pc.id = pt.categ_id
 ORDER BY r.n
"""
