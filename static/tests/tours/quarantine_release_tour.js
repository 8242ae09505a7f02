import { registry } from "@web/core/registry";
import {
    openWidgetChannels,
    quantity,
} from "@stock_channel_sync/../tests/tours/utils/explain";

registry.category("web_tour.tours").add("stock_channel_sync_quarantine_release", {
    url: "/odoo/inventory",
    steps: () => [
        ...openWidgetChannels(),
        {
            content: "Before: 7 on hand, 3 of them in quarantine",
            trigger: quantity("Market", "On hand", "7"),
        },
        {
            trigger: quantity("Market", "Non-sellable", "-3"),
        },
        {
            content: "4 sellable",
            trigger: quantity("Market", "Sellable", "4"),
        },
        {
            content: "the market publishes its half: 2",
            trigger: quantity("Market", "Publishable", "2"),
        },
        {
            content: "Shopify, without a rule, all 4",
            trigger: quantity("Shopify", "Publishable", "4"),
        },
        {
            content: "Open Inventory › Operations",
            trigger: 'button[data-menu-xmlid="stock.menu_stock_warehouse_mgmt"]',
            run: "click",
        },
        {
            content: "Quarantine",
            trigger: 'a[data-menu-xmlid="stock_channel_sync.menu_stock_quarantine"]',
            run: "click",
        },
        {
            content: "The 3 returned Widgets wait there",
            trigger: ".o_list_view .o_data_row:contains('Widget') td[name=quantity]:contains('3')",
        },
        {
            content: "Select them",
            trigger: ".o_list_view .o_data_row:contains('Widget') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Release or scrap",
            trigger: ".o_control_panel button:contains('Release or scrap')",
            run: "click",
        },
        {
            content: "Release to stock is the default",
            trigger: ".modal .o_field_widget[name=action] input[data-value=release]:checked",
        },
        {
            content: "all 3 of them",
            trigger:
                ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Widget') td[name=quantity]:contains('3')",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The internal transfer back to stock is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=origin]:contains('Quarantine release')",
        },
        ...openWidgetChannels(),
        {
            content: "After: nothing is non-sellable any more",
            trigger: quantity("Market", "Non-sellable", "0"),
        },
        {
            content: "7 sellable",
            trigger: quantity("Market", "Sellable", "7"),
        },
        {
            content: "the market publishes half of 7, rounded down: 3",
            trigger: quantity("Market", "Publishable", "3"),
        },
        {
            content: "Shopify publishes all 7",
            trigger: quantity("Shopify", "Publishable", "7"),
        },
    ],
});
