"""The store manager's overview and the alerts at volume: reading every channel's card,
and one pass of the alert cron, over channels with a day of history, at growing volumes.

Set-up: ``--channels`` (10) generic_json marketplace channels of the main warehouse,
created with the ORM, pointing at http://127.0.0.1:9/generic/x (never contacted: nothing
is dispatched), responsible user the administrator, stall alert at 600 min (the pending
rows are due: with the default 5 min the alert would open or not depending on how long
the bench has run since seeding). Consumable variants OVW-00000... (as many as the
largest size has pending rows per channel: 5,000 by default, about 20 s) are created
with the ORM once. Then, per
size (ascending; the rows of the previous size are deleted first), for every channel,
by SQL bulk inserts (``generate_series``, ``setseed``: the ORM would take minutes), in
time order (the channels' rows interleaved on disk, as they accrue), all relative to the
database's now:

- S sync log rows (the size): state done, sent_at spread uniformly over the last
  23.5 hours (the newest one a minute ago), latency_ms random 50-2000, acked_at =
  sent_at + latency, confirmed 5-60 s later (confirmed_latency_ms), item_count 1-50;
- S / 20 pending outbox rows, a variant each, event_at spread over the last hour (the
  oldest exactly an hour ago), due (next_attempt_at = event_at);
- S / 200 dead outbox rows (dead_at in the last 24 h, 8 attempts, an error);
- S / 10 inbound order messages received over 24 h, every 20th in state exception
  (to_check), the others done;
- 24 rolling reconciliation runs done (one an hour, 1,000 SKUs read, 5 drifted: a 0.5 %
  drift rate) and S / 200 open drifts (channel_edit).

Then ANALYZE of those tables, and one warm-up of each measurement (the warm-up alert
pass opens the alerts the data crosses, committed: backlog, dead letters, drift; the
measured passes find them open, as the cron does every minute). Measured, ``--runs``
(5) times each, the median and the maximum, with the SQL queries each issued
(``cr.sql_log_count``, as Odoo's ``assertQueryCount`` counts them, after a flush):

- overview: in a new cursor and environment (record cache empty, ``invalidate_all``),
  ``env["stock.channel"].search([]).read(<the kanban's overview fields>)``, rolled back;
- alerts: in a new cursor and environment, ``env["stock.channel"]._cron_alerts()`` (it
  commits, as in the cron: the open alerts are refreshed). Before each pass (not
  measured) the open backlog alerts' figure text is set stale by SQL, so that every pass
  writes it as the cron's does a minute later (the figure is to 0.1 min: passes seconds
  apart would write it or not by chance, and the query count with it).

Checks (exit 1 otherwise): the query counts are the same at every size (they do not grow
with the rows), and the first channel's figures equal what was inserted: pending, dead
letters, orders in exception, open drift, drift rate, backlog (60 min, within the time
the bench ran), the last push (the acked_at of the newest sync log), and the accepted
p95 (computed in Python from the inserted latencies). Started by
``bench/run overview [--sizes 1000,10000,100000] [--channels 10] [--runs 5]``; sizes are
sync log rows per channel (100,000: a million in all, about a minute to seed).
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import os
import statistics
import time

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

ENDPOINT = "http://127.0.0.1:9/generic/x"
SEED = 0.20261206
STALL_MINUTES = 600
OVERVIEW_FIELDS = [
    "name",
    "overview_health",
    "overview_reason",
    "overview_figures",
    "overview_accepted_p95",
    "overview_confirmed_p95",
    "overview_pending",
    "overview_backlog",
    "overview_dead_letters",
    "overview_drift",
    "overview_oversell",
    "overview_exceptions",
    "overview_last_push_at",
    "overview_last_reconcile_at",
    "overview_units_live",
    "overview_skus_at_zero",
    "overview_orders_today",
    "overview_orders_to_fix",
    "overview_oversold_units",
]
TABLES = (
    "stock_channel_sync_log",
    "stock_channel_outbox",
    "stock_channel_inbound",
    "stock_channel_drift",
    "stock_channel_reconcile",
)
SEQUENCES = ("website_sequence", "pos_sequence")  # of website_sale and point_of_sale
SEQUENCE_BASE = 2_000_000

# per channel (%(ids)s) and size (%(s)s); now: the database's, in UTC
SEED_SQL = """
SELECT setseed(%(seed)s);

INSERT INTO stock_channel_sync_log
       (channel_id, company_id, state, push_kind, item_count, attempt, http_status, latency_ms,
        confirmed_latency_ms, event_at, sent_at, acked_at, confirmed_at,
        create_uid, write_uid, create_date, write_date)
SELECT ch, %(company)s, 'done', 'live', item_count, 1, 200, latency, latency + confirm_ms,
       sent - interval '2 seconds', sent, sent + latency * interval '1 ms',
       sent + (latency + confirm_ms) * interval '1 ms', 1, 1, sent, sent
  FROM unnest(%(ids)s::int[]) AS ch,
       LATERAL (
         SELECT %(now)s - interval '1 minute'
                  - (n::float / %(s)s) * interval '23 hours 29 minutes' AS sent,
                50 + floor(random() * 1951)::int AS latency,
                5000 + floor(random() * 55001)::int AS confirm_ms,
                1 + floor(random() * 50)::int AS item_count
           FROM generate_series(0, %(s)s - 1) AS n
       ) AS row
  ORDER BY sent;

INSERT INTO stock_channel_outbox
       (channel_id, product_id, company_id, state, priority, attempts, generation,
        event_at, next_attempt_at)
SELECT ch, (%(products)s::int[])[n + 1], %(company)s, 'pending', 10, 0, 1, at, at
  FROM unnest(%(ids)s::int[]) AS ch,
       LATERAL (
         SELECT n, %(now)s - (1 - n::float / %(pending)s) * interval '1 hour' AS at
           FROM generate_series(0, %(pending)s - 1) AS n
       ) AS row
  ORDER BY at;

INSERT INTO stock_channel_outbox
       (channel_id, product_id, company_id, state, priority, attempts, generation,
        event_at, next_attempt_at, dead_at, last_error)
SELECT ch, (%(products)s::int[])[n + 1], %(company)s, 'dead', 10, 8, 1, at, at,
       at + interval '30 minutes', 'HTTP 503 Service Unavailable from ' || %(url)s
  FROM unnest(%(ids)s::int[]) AS ch,
       LATERAL (
         SELECT n, %(now)s - interval '1 hour' - random() * interval '22 hours' AS at
           FROM generate_series(0, %(dead)s - 1) AS n
       ) AS row
  ORDER BY at;

INSERT INTO stock_channel_inbound
       (channel_id, company_id, channel_code, kind, external_id, state, exception,
        attempts, http_status, authenticated, received_at, processed_at,
        create_uid, write_uid, create_date, write_date)
SELECT ch, %(company)s, c.code, 'order', 'OVW-ORD-' || n,
       CASE WHEN n %% 20 = 0 THEN 'exception' ELSE 'done' END,
       CASE WHEN n %% 20 = 0 THEN 'to_check' END,
       1, 200, true, at, at + interval '1 second', 1, 1, at, at
  FROM unnest(%(ids)s::int[]) AS ch
  JOIN stock_channel c ON c.id = ch,
       LATERAL (
         SELECT n, %(now)s - random() * interval '23 hours' AS at
           FROM generate_series(0, %(inbound)s - 1) AS n
       ) AS row
  ORDER BY at;

INSERT INTO stock_channel_reconcile
       (channel_id, company_id, kind, state, skus_read, in_sync, drifted, in_flight,
        unbound, unknown_on_channel, corrections, duration, skus_per_second,
        started_at, finished_at, create_uid, write_uid, create_date, write_date)
SELECT ch, %(company)s, 'rolling', 'done', 1000, 995, 5, 0, 0, 0, 5, 2.0, 500,
       at, at + interval '2 seconds', 1, 1, at, at
  FROM unnest(%(ids)s::int[]) AS ch,
       LATERAL (
         SELECT %(now)s - interval '30 minutes' - n * interval '1 hour' AS at
           FROM generate_series(0, 23) AS n
       ) AS row;

INSERT INTO stock_channel_drift
       (channel_id, company_id, product_id, run_id, expected_qty, publishable_qty,
        channel_qty, sku, cause, state, listed, correcting, detected_at,
        create_uid, write_uid, create_date, write_date)
SELECT ch, %(company)s, (%(products)s::int[])[n + 1], NULL, 10, 10, 12,
       'OVW-' || lpad(n::text, 5, '0'), 'channel_edit', 'open', true, false, at, 1, 1, at, at
  FROM unnest(%(ids)s::int[]) AS ch,
       LATERAL (
         SELECT n, %(now)s - random() * interval '23 hours' AS at
           FROM generate_series(0, %(drifts)s - 1) AS n
       ) AS row
  ORDER BY at;
"""


def volumes(size):
    """The rows per channel at `size` sync logs per channel."""
    return {
        "s": size,
        "pending": size // 20,
        "dead": size // 200,
        "inbound": size // 10,
        "exceptions": len(range(0, size // 10, 20)),
        "drifts": size // 200,
    }


def percentile_cont(values, fraction):
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Bench:
    def __init__(self, args):
        self.args = args
        config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
        self.registry = Registry(args.db)
        self.channel_ids = []
        self.product_ids = []
        self.company_id = None

    def env(self, cr):
        return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

    def log(self, message):
        print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)

    # -- set-up ------------------------------------------------------------
    def create_channels(self, count, products):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            warehouse = env["stock.warehouse"].search([], limit=1)
            self.company_id = warehouse.company_id.id
            channels = env["stock.channel"].create(
                [
                    {
                        "name": f"Overview {i:02d}",
                        "code": f"ovw{i:02d}",
                        "channel_type": "marketplace",
                        "warehouse_id": warehouse.id,
                        "connector": "generic_json",
                        "endpoint_url": ENDPOINT,
                        "api_secret": "bench-secret",
                        "user_id": env.ref("base.user_admin").id,
                        "alert_stall_minutes": STALL_MINUTES,
                    }
                    for i in range(count)
                ]
            )
            self.channel_ids = channels.ids
            known = env["product.template"]._fields
            sequences = [name for name in SEQUENCES if name in known]
            Product = env["product.product"].with_context(
                tracking_disable=True, mail_create_nolog=True
            )
            products = Product.create(
                [
                    {
                        "name": f"Overview {i}",
                        "default_code": f"OVW-{i:05d}",
                        "type": "consu",
                        **dict.fromkeys(sequences, SEQUENCE_BASE + i),
                    }
                    for i in range(max(products, 1))
                ]
            )
            self.product_ids = products.ids

    def seed(self, size):
        """The rows of `size` (those of the previous size deleted first)."""
        with self.registry.cursor() as cr:
            for table in TABLES:
                cr.execute(f"DELETE FROM {table} WHERE channel_id = ANY(%s)", [self.channel_ids])
            cr.execute("SELECT now() at time zone 'utc'")
            now = cr.fetchone()[0]
            cr.execute(
                SEED_SQL,
                {
                    "seed": SEED,
                    "ids": self.channel_ids,
                    "company": self.company_id,
                    "products": self.product_ids,
                    "now": now,
                    "url": ENDPOINT,
                    **volumes(size),
                },
            )
        with self.registry.cursor() as cr:  # the planner's statistics of the new rows
            for table in TABLES:
                cr.execute(f"ANALYZE {table}")
        return now

    # -- measurements --------------------------------------------------------
    def overview(self):
        """(seconds, queries, {channel_id: values}) of reading every card, rolled back."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            env.invalidate_all()
            count0 = cr.sql_log_count
            start = time.perf_counter()
            values = env["stock.channel"].search([]).read(OVERVIEW_FIELDS)
            env.flush_all()
            seconds = time.perf_counter() - start
            queries = cr.sql_log_count - count0
            cr.rollback()
        return seconds, queries, {row["id"]: row for row in values}

    def alerts(self):
        """(seconds, queries) of one alert cron pass (it commits, as in the cron). The
        open backlog alerts' figure text is made stale first (not measured): the pass
        writes it, as every minute's pass does (the backlog grows a minute; to 0.1 min,
        passes seconds apart would write it or not by chance)."""
        with self.registry.cursor() as cr:
            cr.execute(
                "UPDATE stock_channel_alert SET figure_text = 'stale' "
                "WHERE state = 'open' AND kind = 'backlog' AND channel_id = ANY(%s)",
                [self.channel_ids],
            )
        with self.registry.cursor() as cr:
            env = self.env(cr)
            env.invalidate_all()
            count0 = cr.sql_log_count
            start = time.perf_counter()
            env["stock.channel"]._cron_alerts()
            env.flush_all()
            cr.commit()  # pylint: disable=invalid-commit
            seconds = time.perf_counter() - start
            queries = cr.sql_log_count - count0
        return seconds, queries

    def open_alerts(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT kind, count(*) FROM stock_channel_alert "
                "WHERE state = 'open' AND channel_id = ANY(%s) GROUP BY kind ORDER BY kind",
                [self.channel_ids],
            )
            return ", ".join(f"{kind} {n}" for kind, n in cr.fetchall())

    def expected(self, channel_id, size):
        """What the first channel's card should say, from the rows inserted."""
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT latency_ms FROM stock_channel_sync_log WHERE channel_id = %s",
                [channel_id],
            )
            latencies = [row[0] for row in cr.fetchall()]
            cr.execute(
                "SELECT acked_at FROM stock_channel_sync_log WHERE channel_id = %s "
                "ORDER BY sent_at DESC LIMIT 1",
                [channel_id],
            )
            last_push = cr.fetchone()[0]
        counts = volumes(size)
        return {
            "pending": counts["pending"],
            "dead_letters": counts["dead"],
            "exceptions": counts["exceptions"],
            "open_drift": counts["drifts"],
            "drift": 0.5,
            "accepted_p95_ms": percentile_cont(latencies, 0.95),
            "last_push_at": last_push,
        }


def check_figures(card, expected, seeded_at, measured_at):
    """The mismatches between the card's figures and `expected` ([] when right)."""
    figures = card["overview_figures"]
    wrong = []
    for key in ("pending", "dead_letters", "exceptions", "open_drift", "drift"):
        if figures.get(key) != expected[key]:
            wrong.append(f"{key} {figures.get(key)!r} != {expected[key]!r}")
    p95 = figures.get("accepted_p95_ms")
    if p95 is None or abs(p95 - expected["accepted_p95_ms"]) > 1e-6:
        wrong.append(f"accepted_p95_ms {p95!r} != {expected['accepted_p95_ms']!r}")
    last_push = expected["last_push_at"]
    if card["overview_last_push_at"] not in (last_push, last_push.replace(microsecond=0)):
        wrong.append(f"last push {card['overview_last_push_at']} != {expected['last_push_at']}")
    # the oldest pending row is an hour older than the seeding; the card was read later,
    # the figure is to 0.1 min
    elapsed = (measured_at - seeded_at).total_seconds() / 60
    backlog = figures.get("backlog")
    if backlog is None or not 60 - 0.05 <= backlog <= 60 + elapsed + 0.05:
        wrong.append(f"backlog {backlog!r} min not within 60..{60 + elapsed:.2f} (to 0.1)")
    if card["overview_pending"] != expected["pending"]:
        wrong.append(f"overview_pending {card['overview_pending']} != {expected['pending']}")
    if card["overview_dead_letters"] != expected["dead_letters"]:
        wrong.append(f"overview_dead_letters {card['overview_dead_letters']}")
    return wrong


def measure(bench, size, args):
    counts = volumes(size)
    bench.log(f"seeding {size} sync logs per channel ({size * len(bench.channel_ids)} in all)")
    start = time.monotonic()
    seeded_at = bench.seed(size)
    seed_s = time.monotonic() - start
    bench.log(f"seeded in {seed_s:.1f} s; warm-up")
    bench.alerts()
    bench.overview()
    overview_s, overview_q, alerts_s, alerts_q = [], set(), [], set()
    for _run in range(args.runs):
        seconds, queries, cards = bench.overview()
        overview_s.append(seconds)
        overview_q.add(queries)
        seconds, queries = bench.alerts()
        alerts_s.append(seconds)
        alerts_q.add(queries)
    with bench.registry.cursor() as cr:
        cr.execute("SELECT now() at time zone 'utc'")
        measured_at = cr.fetchone()[0]
    first = bench.channel_ids[0]
    wrong = check_figures(cards[first], bench.expected(first, size), seeded_at, measured_at)
    bench.log(f"measured; open alerts: {bench.open_alerts()}")
    return {
        "size": size,
        "channels": len(bench.channel_ids),
        "logs": size * len(bench.channel_ids),
        "pending": counts["pending"] * len(bench.channel_ids),
        "dead": counts["dead"] * len(bench.channel_ids),
        "inbound": counts["inbound"] * len(bench.channel_ids),
        "seed_s": seed_s,
        "overview_s": overview_s,
        "overview_q": overview_q,
        "alerts_s": alerts_s,
        "alerts_q": alerts_q,
        "card": cards[first],
        "wrong": wrong,
        "open_alerts": bench.open_alerts(),
    }


def queries_text(counts):
    return "/".join(str(n) for n in sorted(counts))


def ms(values):
    return f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f}"


def print_tables(rows, args):
    print()
    print(
        f"Overview cards and one alert pass ({args.runs} runs each after a warm-up, "
        f"in-process, {os.cpu_count()} cores; rows over the last 24 h)"
    )
    print(
        "| sync logs / channel | channels | sync logs | pending | dead | inbound "
        "| overview ms (median / max) | overview queries | alerts ms (median / max) "
        "| alerts queries |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['size']} | {row['channels']} | {row['logs']} | {row['pending']} | "
            f"{row['dead']} | {row['inbound']} | {ms(row['overview_s'])} | "
            f"{queries_text(row['overview_q'])} | {ms(row['alerts_s'])} | "
            f"{queries_text(row['alerts_q'])} |"
        )
    print()
    print("The first channel's card (checked against the rows inserted)")
    print(
        "| sync logs / channel | health | pending | backlog | dead letters | accepted p95 "
        "| confirmed p95 | drift | exceptions | open alerts (all channels) | figures right |"
    )
    print("|---:|---|---:|---|---:|---|---|---|---:|---|:-:|")
    for row in rows:
        card = row["card"]
        print(
            f"| {row['size']} | {card['overview_health']} | {card['overview_pending']} | "
            f"{card['overview_backlog']} | {card['overview_dead_letters']} | "
            f"{card['overview_accepted_p95']} | {card['overview_confirmed_p95']} | "
            f"{card['overview_drift']} | {card['overview_exceptions']} | "
            f"{row['open_alerts']} | {'yes' if not row['wrong'] else 'NO'} |"
        )
    print()
    print("| sync logs / channel | set-up s (SQL inserts + ANALYZE) |")
    print("|---:|---:|")
    for row in rows:
        print(f"| {row['size']} | {row['seed_s']:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="sync log rows per channel, ascending"
    )
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    bench = Bench(args)
    bench.log(f"creating {args.channels} channels and {sizes[-1] // 20} variants")
    bench.create_channels(args.channels, sizes[-1] // 20)
    rows = [measure(bench, size, args) for size in sizes]
    print_tables(rows, args)
    failures = []
    overview_q = {n for row in rows for n in row["overview_q"]}
    alerts_q = {n for row in rows for n in row["alerts_q"]}
    if len(overview_q) != 1:
        failures.append(f"overview queries vary: {sorted(overview_q)}")
    if len(alerts_q) != 1:
        failures.append(f"alert pass queries vary: {sorted(alerts_q)}")
    failures += [
        f"figures at {row['size']}: {'; '.join(row['wrong'])}" for row in rows if row["wrong"]
    ]
    for failure in failures:
        print(f"FAILED: {failure}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
