import { registry } from "@web/core/registry";

// The channel quantities: the Widget's row on the market, its Explain opens why it is 0.
const row = ".o_list_view .o_data_row:contains('Widget'):contains('Market')";
const explain = ".modal .o_field_widget[name=explain_html]";

registry.category("web_tour.tours").add("stock_channel_sync_explain_quantity", {
    url: "/odoo/action-stock_channel_sync.action_stock_channel_quantity",
    steps: () => [
        {
            content: "The Widget publishes 0 on the market",
            trigger: `${row} td[name=publishable_qty]:contains('0')`,
        },
        {
            content: "Explain it",
            trigger: `${row} button[name=action_explain]`,
            run: "click",
        },
        {
            content: "Each step with its figures: half of 3 is 1",
            trigger: `${explain} td.o_explain_text:contains("share 50 % of 3 = 1")`,
        },
        {
            content: "below the minimum of 2: 0",
            trigger: `${explain} td.o_explain_text:contains("minimum 2 → 0")`,
        },
        {
            trigger: `${explain} td.o_explain_text:contains("publishable 0")`,
        },
        {
            content: "Close",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
