import { registry } from "@web/core/registry";

const dialog = ".o_dialog .modal";
const rules = ".o_form_view .o_field_widget[name=rule_ids]";
const actions = `${dialog} .o_field_widget[name=action_ids]`;
const versions = ".o_form_view .o_field_widget[name=version_ids]";

registry.category("web_tour.tours").add("stock_channel_sync_order_rules", {
    url: "/odoo/inventory",
    steps: () => [
        {
            content: "Open Inventory › Configuration",
            trigger: 'button[data-menu-xmlid="stock.menu_stock_config_settings"]',
            run: "click",
        },
        {
            content: "Channels › Order Rules",
            trigger: 'a[data-menu-xmlid="stock_channel_sync.menu_stock_channel_order_rules"]',
            run: "click",
        },
        {
            content: "Version 1 is published",
            trigger: ".o_form_view .o_field_widget[name=published_version]:contains('1')",
        },
        {
            content: "Add a rule",
            trigger: `${rules} .o_field_x2many_list_row_add a`,
            run: "click",
        },
        {
            trigger: `${dialog} .o_field_widget[name=name] input`,
            run: "edit Big orders",
        },
        {
            content: "for orders of 500 or more",
            trigger: `${dialog} .o_field_widget[name=amount_min] input`,
            run: "edit 500",
        },
        {
            content: "that are held for review",
            trigger: `${actions} .o_field_x2many_list_row_add a`,
            run: "click",
        },
        {
            content: "(a new action holds for review)",
            trigger: `${actions} .o_selected_row .o_field_widget[name=type] input:value(Hold for review)`,
        },
        {
            trigger: `${actions} .o_selected_row .o_field_widget[name=reason] input`,
            run: "edit big order",
        },
        {
            content: "Save the rule",
            trigger: `${dialog} .o_form_button_save`,
            run: "click",
        },
        {
            content: "The rule says its condition and action",
            trigger: `${rules} .o_data_row:contains('Big orders') td[name=summary]:contains('amount ≥ 500')`,
        },
        {
            trigger: `${rules} .o_data_row:contains('Big orders') td[name=action_summary]:contains('held for review: big order')`,
        },
        {
            content: "A note for the history",
            trigger: ".o_form_view .o_field_widget[name=note] input",
            run: "edit Hold big orders",
        },
        {
            content: "Save the draft",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Dry run the draft",
            trigger: ".o_form_view .o_form_saved .o_statusbar_buttons button[name=action_dry_run]",
            run: "click",
        },
        {
            content: "4 of the 20 orders would be held",
            trigger: `${dialog} .o_field_widget[name=summary]:contains('4 of 20 orders would be handled differently')`,
        },
        {
            content: "the changed ones highlighted",
            trigger: `${dialog} .o_field_widget[name=line_ids] .o_data_row.text-warning td[name=after]:contains('hold: big order')`,
        },
        {
            content: "Publish from the dry run",
            trigger: `${dialog} .modal-footer button[name=action_publish]`,
            run: "click",
        },
        {
            content: "Version 2 is published",
            trigger: ".o_form_view .o_field_widget[name=published_version]:contains('2')",
        },
        {
            content: "in the version history",
            trigger: ".o_form_view .o_notebook a[name=history]",
            run: "click",
        },
        {
            trigger: `${versions} .o_data_row:contains('Hold big orders') td[name=version]:contains('2')`,
        },
        {
            trigger: `${versions} .o_data_row td[name=version]:contains('1')`,
        },
    ],
});
