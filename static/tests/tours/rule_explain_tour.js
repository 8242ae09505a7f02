import { registry } from "@web/core/registry";
import {
    explain,
    openWidgetChannels,
    quantity,
    ruleOf,
} from "@stock_channel_sync/../tests/tours/utils/explain";

registry.category("web_tour.tours").add("stock_channel_sync_rule_explain", {
    url: "/odoo/inventory",
    steps: () => [
        ...openWidgetChannels(),
        {
            content: "Before: 10 sellable, the market's 50 % share holds back 5",
            trigger: quantity("Market", "Sellable", "10"),
        },
        {
            trigger: quantity("Market", "Share %", "-5"),
        },
        {
            content: "The market publishes 5, under version 2 of the standard policy",
            trigger: quantity("Market", "Publishable", "5"),
        },
        {
            trigger: ruleOf("Market", "Publishable", "Standard v2, all products rule"),
        },
        {
            content: "No safety buffer yet",
            trigger: `${explain("Market")}:not(:has(td:contains("Safety buffer")))`,
        },
        {
            content: "The web shop has no rule: all 10",
            trigger: quantity("Web", "Publishable", "10"),
        },
        {
            content: "Open Inventory › Configuration",
            trigger: 'button[data-menu-xmlid="stock.menu_stock_config_settings"]',
            run: "click",
        },
        {
            content: "Channels › Allocation Policies",
            trigger: 'a[data-menu-xmlid="stock_channel_sync.menu_stock_channel_policy"]',
            run: "click",
        },
        {
            content: "Open the standard policy",
            trigger: ".o_list_view .o_data_row td[name=name]:contains('Standard')",
            run: "click",
        },
        {
            content: "Its current version is 2",
            trigger: ".o_form_view .o_field_widget[name=version]:contains('2')",
        },
        {
            content: "Edit the market's share",
            trigger: ".o_field_widget[name=rule_ids] .o_data_row:contains('Market') td[name=share_percent]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=rule_ids] .o_selected_row .o_field_widget[name=share_percent] input",
            run: "edit 80",
        },
        {
            content: "and its safety buffer",
            trigger: ".o_field_widget[name=rule_ids] .o_selected_row .o_field_widget[name=safety_buffer] input",
            run: "edit 2",
        },
        {
            content: "Save the policy",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: a new version, 3",
            trigger: ".o_form_view .o_form_saved .o_field_widget[name=version]:contains('3')",
        },
        {
            content: "recorded in the history",
            trigger: ".o_form_view .o_notebook a[name=history]",
            run: "click",
        },
        {
            trigger:
                ".o_field_widget[name=version_ids] .o_data_row:contains('Rules changed') td[name=version]:contains('3')",
        },
        ...openWidgetChannels(),
        {
            content: "After: 80 % of 10 is 8",
            trigger: quantity("Market", "Share %", "-2"),
        },
        {
            content: "minus the safety buffer of 2",
            trigger: quantity("Market", "Safety buffer", "-2"),
        },
        {
            content: "The market publishes 6 now",
            trigger: quantity("Market", "Publishable", "6"),
        },
        {
            content: "The new rule is named: version 3",
            trigger: ruleOf("Market", "Publishable", "Standard v3, all products rule"),
        },
        {
            trigger: ruleOf("Market", "Safety buffer", "Standard v3, all products rule"),
        },
        {
            content: "The web shop did not move",
            trigger: quantity("Web", "Publishable", "10"),
        },
    ],
});
