"""Screenshots of the order rules and the what-if (docs/automation.md, docs/whatif.md),
taken by dev/screenshots (or alone: dev/screenshots --only automation).

The demo company's rule set is given a rule ("Big orders": amount from 500, held for
review) when it has none, published; the dry run of a draft change (amount from 300) is
shown, then the draft put back. The what-if of the switch to the peak policy is computed,
shown, then discarded: the demo's policies are left as they were."""

RULESET = "stock.channel.order.ruleset"
RULE = "stock.channel.order.rule"
WHATIF = "stock.channel.whatif"


def demo_ruleset(odoo):
    """The demo company's rule set, with the "Big orders" rule published."""
    action = odoo.call(RULESET, "action_open_company_ruleset")
    ruleset = action["res_id"]
    rules = odoo.call(RULE, "search_read", [("ruleset_id", "=", ruleset)], fields=["name"])
    if not rules:
        odoo.call(
            RULE,
            "create",
            {
                "ruleset_id": ruleset,
                "name": "Big orders",
                "amount_min": 500,
                "action_ids": [(0, 0, {"type": "hold", "reason": "check the big order"})],
            },
        )
        odoo.call(
            RULE,
            "create",
            {
                "ruleset_id": ruleset,
                "name": "Accept the rest",
                "sequence": 20,
                "action_ids": [(0, 0, {"type": "accept"})],
            },
        )
        odoo.call(RULESET, "action_publish", [ruleset])
    return ruleset


def shoot_automation(browser, url, action, odoo, wait_until, make_orders):
    """The rule set's form, its dry run, an order's Rules page (`make_orders()` sends the
    Demo Marketplace orders when no order matched a rule yet), the what-if of the peak
    switch."""
    ruleset = demo_ruleset(odoo)
    big = odoo.call(
        RULE,
        "search_read",
        [("ruleset_id", "=", ruleset), ("name", "=", "Big orders")],
        fields=["amount_min"],
    )
    browser.open(f"{action}.action_stock_channel_order_rules", ".o_form_view .o_data_row")
    browser.shoot("screenshot_order_rules.png")
    if big:
        odoo.call(RULE, "write", [big[0]["id"]], {"amount_min": 300})
        try:
            browser.open(f"{action}.action_stock_channel_order_rules", ".o_form_view .o_data_row")
            browser.click("button[name=action_dry_run]")
            browser.wait_for(".modal .o_data_row")
            browser.shoot("screenshot_order_rules_dry_run.png")
        finally:
            odoo.call(RULE, "write", [big[0]["id"]], {"amount_min": big[0]["amount_min"]})

    def matched():
        return odoo.call("sale.order", "search", [("channel_rule_match_ids", "!=", False)], limit=1)

    if not matched():
        make_orders()
        wait_until("an order matched by the rules", matched)
    browser.open(f"{url}/odoo/action-sale.action_orders/{matched()[0]}", ".o_form_view")
    browser.click(".o_notebook a[name=channel_rules]")
    browser.wait_for(".o_notebook .tab-pane.active .o_field_widget[name=channel_rule_match_ids]")
    browser.shoot("screenshot_order_rules_matched.png")

    standard = odoo.call(
        "stock.channel.policy", "search_read", [("policy_type", "=", "standard")], fields=["id"]
    )
    opened = odoo.call("stock.channel.policy", "action_whatif_peak", [standard[0]["id"]])
    whatif = opened["res_id"]
    try:
        odoo.call(WHATIF, "action_compute", [whatif])
        wait_until(
            "what-if computed",
            lambda: odoo.call(WHATIF, "read", [whatif], ["state"])[0]["state"] != "draft",
        )
        browser.open(
            f"{action}.action_stock_channel_whatif/{whatif}",
            ".o_form_view .o_field_widget[name=channel_line_ids] .o_data_row",
        )
        browser.shoot("screenshot_whatif.png")
    finally:
        odoo.call(WHATIF, "action_discard", [whatif])
