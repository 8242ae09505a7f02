"""The what-if of a policy change at volume: its computation (every variant x channel,
before and after, the figures and the changed rows stored) for ``--variants`` variants x
``--channels`` channels. Started by ``bench/run whatif [--variants 100000] [--channels
5] [--sold 1000]``.

Set-up (untimed), as bench/publishable.py (its Bench: variants PUB-0000000... and their
quants by SQL, on hand 1 + (7 n + location id) mod 40, reserved (n + location id) mod 3;
``--channels`` channels fed by the company's warehouse as their one source): the policy
in force gives channel 0 a share of 10 %; a what-if is started on it (its draft: channel 0
at 100 %, channel 1 at 30 %, channel 2 at a minimum of 20 units); ``--sold`` variants
sold on each channel in the last 30 days (one confirmed order per channel).

Measured, in a process of its own (started by this one once the set-up is committed,
so that its peak RSS is the computation's): ``_compute_figures`` of the what-if, as
Compute runs it after its check (chunks of 5,000 variants: the publishable quantities
twice, the sales, the figures, the changed rows in one insert per chunk); seconds, the
process's peak RSS before and after, the rows stored, the machine's cores. Then the
checks (exit 1 when one fails): every channel line counts every variant; per channel,
the changed rows add up to its units after - before; 20 variants spread over the
chunks, computed alone before and after, give the stored rows (a variant without a row:
no change).
"""

# pylint: disable=print-used
# (a benchmark prints its tables; bench/ is otherwise ruff's, see dev/test)

import argparse
import os
import resource
import subprocess
import sys
import time

from publishable import Bench as PublishableBench

from odoo import Command


def rss_mb():
    """The process's peak resident set (VmHWM: its own since its exec, where ru_maxrss
    keeps the parent's across fork and exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Bench(PublishableBench):
    def prepare(self):
        """The policy in force and its rule, the what-if and its draft's rules, the
        sales; returns the what-if's id."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            channels = env["stock.channel"].browse(self.channel_ids)
            policy = env["stock.channel.policy"]._in_force(env.company)
            if not policy:
                policy = policy.create({"name": "Standard", "policy_type": "standard"})
            policy.rule_ids.unlink()
            env["stock.channel.policy.rule"].create(
                {"policy_id": policy.id, "channel_id": channels[0].id, "share_percent": 10}
            )
            whatif = env["stock.channel.whatif"].browse(
                env["stock.channel.whatif"]._start_rules(policy)["res_id"]
            )
            whatif.draft_id.write(
                {
                    "rule_ids": [
                        Command.update(whatif.draft_id.rule_ids.id, {"share_percent": 100}),
                        Command.create({"channel_id": channels[1].id, "share_percent": 30}),
                        Command.create({"channel_id": channels[2].id, "min_publish_threshold": 20}),
                    ]
                }
            )
            self.sell(env, channels)
            env["stock.channel.outbox"].flush_model()
            cr.execute("DELETE FROM stock_channel_outbox")
            return whatif.id

    def sell(self, env, channels):
        """One order per channel of --sold variants (1 to 5 units each), marked
        confirmed by SQL (no delivery: the stock stays as seeded)."""
        partner = env["res.partner"].create({"name": "What-if customer"})
        sold = self.product_ids[: self.args.sold]
        for k, channel in enumerate(channels):
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "channel_id": channel.id,
                    "order_line": [
                        Command.create({"product_id": pid, "product_uom_qty": 1 + (n + k) % 5})
                        for n, pid in enumerate(sold)
                    ],
                }
            )
            env.cr.execute("UPDATE sale_order SET state = 'sale' WHERE id = %s", [order.id])
        self.log(f"{len(sold)} variants sold on each of {len(channels)} channels")

    def measure(self, whatif_id):
        """In a process of its own (--measure): its peak RSS is the computation's."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            whatif = env["stock.channel.whatif"].browse(whatif_id)
            Channel = env["stock.channel"]
            self.channel_ids = Channel.search([("company_id", "=", whatif.company_id.id)]).ids
            self.product_ids = Channel._channel_products(whatif.company_id).ids
            env.invalidate_all()
            before_rss = rss_mb()
            start = time.perf_counter()
            whatif._compute_figures()
            env.flush_all()
            seconds = time.perf_counter() - start
            after_rss = rss_mb()
            failures = self.checks(env, whatif)
            cr.commit()
            return seconds, before_rss, after_rss, whatif.change_count, failures

    def checks(self, env, whatif):
        failures = []
        variants = len(self.product_ids)
        for line in whatif.channel_line_ids:
            if line.variant_count != variants:
                failures.append(f"{line.channel_id.name}: {line.variant_count} variants")
        env.cr.execute(
            "SELECT channel_id, SUM(qty_after - qty_before), COUNT(*) "
            "FROM stock_channel_whatif_change WHERE whatif_id = %s GROUP BY channel_id",
            [whatif.id],
        )
        sums = {channel_id: delta for channel_id, delta, _count in env.cr.fetchall()}
        for line in whatif.channel_line_ids:
            delta, rows = line.units_after - line.units_before, sums.get(line.channel_id.id, 0)
            if rows != delta:
                failures.append(f"{line.channel_id.name}: rows add up to {rows}, not {delta}")
        failures += self.check_alone(env, whatif)
        return failures

    def check_alone(self, env, whatif):
        # the addon is importable once the registry is loaded
        from odoo.addons.stock_channel_sync.models.stock_channel_policy import (  # noqa: PLC0415
            IN_FORCE_OVERRIDE,
            InForce,
        )

        step = max(1, len(self.product_ids) // 20)
        sample = [*self.product_ids[::step][:19], self.product_ids[-1]]
        products = env["product.product"].browse(sample)
        channels = env["stock.channel"].browse(self.channel_ids)
        before, after = (
            channels.with_context(**{IN_FORCE_OVERRIDE: InForce(policy.id)})._compute_publishable(
                products
            )
            for policy in (whatif.policy_id, whatif.after_policy_id)
        )
        rows = {
            (change.channel_id.id, change.product_id.id): (change.qty_before, change.qty_after)
            for change in whatif.change_ids.filtered(lambda c: c.product_id.id in sample)
        }
        failures = []
        for key, result in before.items():
            pair = (result.publishable, after[key].publishable)
            stored = rows.get(key, pair if pair[0] == pair[1] else None)
            if stored != pair:
                failures.append(f"{key}: alone {pair}, stored {stored}")
        self.log(f"20 variants computed alone: {len(failures)} difference(s)")
        return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--variants", type=int, default=100000)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--sold", type=int, default=1000, help="variants sold per channel")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # the child's
    args = parser.parse_args()
    if args.channels < 3:
        parser.error("--channels: 3 at least (the draft changes three channels' rules)")
    args.sources, args.kits, args.spread = 1, 0, 40
    bench = Bench(args)
    if args.measure:
        report(bench, args)
        return
    bench.log(f"creating {args.variants} variants x {args.channels} channels")
    start = time.monotonic()
    bench.create()
    whatif_id = bench.prepare()
    bench.log(f"set up in {time.monotonic() - start:.1f} s; computing the what-if")
    child = [sys.executable, __file__, "--conf", args.conf, "--db", args.db,
             "--channels", str(args.channels), "--measure", str(whatif_id)]  # fmt: skip
    raise SystemExit(subprocess.run(child, check=False).returncode)


def report(bench, args):
    seconds, before_rss, after_rss, rows, failures = bench.measure(args.measure)
    print(f"\nWhat-if computation (in a process of its own, {os.cpu_count()} cores)")
    print(
        "| variants | channels | s | peak RSS MB of the process before / after "
        "| changed rows stored |"
    )
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {len(bench.product_ids)} | {len(bench.channel_ids)} | {seconds:.2f} "
        f"| {before_rss:.0f} / {after_rss:.0f} | {rows} |"
    )
    for failure in failures[:20]:
        print(f"CHECK FAILED: {failure}")
    if failures:
        raise SystemExit(1)
    print("checks: passed")


if __name__ == "__main__":
    main()
