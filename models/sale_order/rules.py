"""sale.order, what the order automation rules see of it: `_channel_rule_facts()` gives
core OrderFacts for a whole recordset in a few queries (never one per order), and the
payment state the channels report (`channel_payment_state`)."""

from collections import defaultdict

import pytz

from odoo import fields, models
from odoo.tools import SQL

from ...core import automation


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_payment_state = fields.Selection(
        automation.PAYMENT_SELECTION,
        string="Channel Payment",
        default="unknown",
        copy=False,
        help="Whether the channel reports the order as paid (the order rules can test it).",
    )

    def _channel_rule_facts(self):
        """{order id: OrderFacts} of these orders (see core/automation.py)."""
        if not self:
            return {}
        self.env.flush_all()
        heads = self._channel_rule_heads()
        lines = self._channel_rule_lines()
        history = self._channel_rule_history()
        company_ids = {head["company_id"] for head in heads}
        zones = self._channel_rule_zones(company_ids)
        zones_of = (
            self.env["stock.channel.order.ruleset"]
            .sudo()
            .search_read([("company_id", "in", list(company_ids))], ["company_id", "time_zone"])
        )
        time_zones = {row["company_id"][0]: row["time_zone"] for row in zones_of}
        facts = {}
        for head in heads:
            line = lines.get(head["id"], {})
            zone = time_zones.get(head["company_id"]) or self.env.user.tz or "UTC"
            facts[head["id"]] = automation.OrderFacts(
                channel_id=head["channel_id"] or 0,
                amount=head["amount_total"] or 0.0,
                country_code=head["country_code"] or "",
                zone_ids=automation.zone_ids_of(
                    head["country_id"], head["zip"], zones.get(head["company_id"], ())
                ),
                skus=frozenset(line.get("skus") or ()),
                category_ids=frozenset(line.get("category_ids") or ()),
                product_tag_ids=frozenset(line.get("product_tag_ids") or ()),
                customer_tag_ids=frozenset(head["customer_tag_ids"] or ()),
                customer_orders=history.get(head["id"], 0),
                payment_state=head["payment_state"] or "unknown",
                shortfall=bool(line.get("shortfall")),
                exception=head["channel_exception"] or None,
                local_hour=_local_hour(head["date_order"], zone),
                peak=bool(head["peak"]),
            )
        return facts

    def _channel_rule_heads(self):
        """One row per order: its figures, delivery address and customer tags."""
        tags = self.env["res.partner"]._fields["category_id"]
        self.env.cr.execute(
            SQL(
                """
            SELECT o.id, o.company_id, o.channel_id, o.amount_total, o.date_order,
                   o.channel_exception, o.channel_payment_state AS payment_state,
                   c.channel_peak_active AS peak, ship.country_id, country.code AS country_code,
                   ship.zip,
                   ARRAY(SELECT DISTINCT t.%(tag)s FROM %(rel)s t
                          WHERE t.%(partner)s IN (o.partner_id, customer.commercial_partner_id)
                         ) AS customer_tag_ids
              FROM sale_order o
              JOIN res_company c ON c.id = o.company_id
              JOIN res_partner customer ON customer.id = o.partner_id
              LEFT JOIN res_partner ship ON ship.id = COALESCE(o.partner_shipping_id, o.partner_id)
              LEFT JOIN res_country country ON country.id = ship.country_id
             WHERE o.id = ANY(%(ids)s)
                """,
                tag=SQL.identifier(tags.column2),
                rel=SQL.identifier(tags.relation),
                partner=SQL.identifier(tags.column1),
                ids=self.ids,
            )
        )
        return self.env.cr.dictfetchall()

    def _channel_rule_lines(self):
        """{order id: {skus, category_ids (with their ancestors), product_tag_ids,
        shortfall}} from the order lines."""
        template_tags = self.env["product.template"]._fields["product_tag_ids"]
        variant_tags = self.env["product.product"]._fields["additional_product_tag_ids"]
        self.env.cr.execute(
            SQL(
                """
            SELECT l.order_id,
                   ARRAY_AGG(DISTINCT p.default_code) FILTER (WHERE p.default_code IS NOT NULL),
                   ARRAY_AGG(DISTINCT categ.parent_path) FILTER (WHERE categ.id IS NOT NULL),
                   ARRAY_AGG(DISTINCT tt.%(ttag)s) FILTER (WHERE tt.%(ttag)s IS NOT NULL)
                   || ARRAY_AGG(DISTINCT vt.%(vtag)s) FILTER (WHERE vt.%(vtag)s IS NOT NULL),
                   BOOL_OR(COALESCE(l.channel_shortfall, FALSE))
              FROM sale_order_line l
              JOIN product_product p ON p.id = l.product_id
              JOIN product_template tmpl ON tmpl.id = p.product_tmpl_id
              LEFT JOIN product_category categ ON categ.id = tmpl.categ_id
              LEFT JOIN %(trel)s tt ON tt.%(tcol)s = tmpl.id
              LEFT JOIN %(vrel)s vt ON vt.%(vcol)s = p.id
             WHERE l.order_id = ANY(%(ids)s) AND l.display_type IS NULL
             GROUP BY l.order_id
                """,
                trel=SQL.identifier(template_tags.relation),
                tcol=SQL.identifier(template_tags.column1),
                ttag=SQL.identifier(template_tags.column2),
                vrel=SQL.identifier(variant_tags.relation),
                vcol=SQL.identifier(variant_tags.column1),
                vtag=SQL.identifier(variant_tags.column2),
                ids=self.ids,
            )
        )
        return {
            order_id: {
                "skus": skus or (),
                "category_ids": {int(c) for path in paths or () for c in path.split("/") if c},
                "product_tag_ids": tags or (),
                "shortfall": shortfall,
            }
            for order_id, skus, paths, tags, shortfall in self.env.cr.fetchall()
        }

    def _channel_rule_history(self):
        """{order id: the customer's confirmed orders (same company, same commercial
        partner) dated before it}."""
        self.env.cr.execute(
            SQL(
                """
            SELECT o.id, COUNT(DISTINCT earlier.id)
              FROM sale_order o
              JOIN res_partner customer ON customer.id = o.partner_id
              JOIN res_partner same ON same.commercial_partner_id = customer.commercial_partner_id
              JOIN sale_order earlier ON earlier.partner_id = same.id
                   AND earlier.company_id = o.company_id AND earlier.state = 'sale'
                   AND earlier.date_order < o.date_order AND earlier.id != o.id
             WHERE o.id = ANY(%s)
             GROUP BY o.id
                """,
                self.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    def _channel_rule_zones(self, company_ids):
        """{company id: [(zone id, country ids, postcode prefixes)]} (its zones)."""
        zones = (
            self.env["stock.channel.zone"].sudo().search([("company_id", "in", list(company_ids))])
        )
        zones.fetch(["company_id", "country_ids", "zip_prefixes"])
        by_company = defaultdict(list)
        for zone in zones:
            by_company[zone.company_id.id].append(
                (zone.id, set(zone.country_ids.ids), zone._prefixes())
            )
        return by_company


def _local_hour(moment, zone):
    """The hour of a UTC datetime in a time zone, as a float (14:30 -> 14.5)."""
    if not moment:
        return 0.0
    local = pytz.utc.localize(moment).astimezone(pytz.timezone(zone))
    return local.hour + local.minute / 60 + local.second / 3600
