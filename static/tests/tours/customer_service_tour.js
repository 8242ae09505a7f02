import { registry } from "@web/core/registry";

const order = ".o_list_view .o_data_row:contains('CS-1')";
const dialog = ".modal .o_form_view";

registry.category("web_tour.tours").add("stock_channel_sync_customer_service", {
    url: "/odoo/inventory",
    steps: () => [
        {
            content: "Open Inventory › Channels",
            trigger: 'button[data-menu-xmlid="stock_channel_sync.menu_stock_channel_root"]',
            run: "click",
        },
        {
            content: "Orders › Customer Service",
            trigger: 'a[data-menu-xmlid="stock_channel_sync.menu_stock_channel_customer_service"]',
            run: "click",
        },
        {
            content: "Open the market's order CS-1",
            trigger: `${order} td[name=name]`,
            run: "click",
        },
        {
            content: "Its status across systems: the delivery, its warehouse",
            trigger: ".o_channel_customer_service .o_field_widget[name=channel_cs_status_html]:contains('Prepared by')",
        },
        {
            content: "Change the delivery address",
            trigger: ".o_channel_customer_service .o_statusbar_buttons button[name=action_channel_cs_address]",
            run: "click",
        },
        {
            trigger: `${dialog} .o_field_widget[name=street] input`,
            run: "edit Meir 2",
        },
        {
            trigger: `${dialog} .o_field_widget[name=zip] input`,
            run: "edit 2000",
        },
        {
            trigger: `${dialog} .o_field_widget[name=city] input`,
            run: "edit Antwerp",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The history",
            trigger: ".o_channel_customer_service .o_notebook a.nav-link[name=cs_history]",
            run: "click",
        },
        {
            content: "The address change is in the history, with its outcome",
            trigger: ".o_channel_customer_service .o_field_widget[name=channel_cs_history_html]:contains('Delivery address changed to'):contains('Antwerp'):contains('Not Sent')",
        },
    ],
});
