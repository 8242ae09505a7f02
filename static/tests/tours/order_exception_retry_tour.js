import { registry } from "@web/core/registry";

const openChannelMenu = (xmlid, content, root = "stock_channel_sync.menu_stock_channel_root") => [
    {
        content: `Open the menu ${root}`,
        trigger: `button[data-menu-xmlid="${root}"]`,
        run: "click",
    },
    {
        content,
        trigger: `a[data-menu-xmlid="stock_channel_sync.${xmlid}"]`,
        run: "click",
    },
];
const order = ".o_list_view .o_data_row:contains('T-100')";
const binding = ".o_list_view .o_selected_row";

registry.category("web_tour.tours").add("stock_channel_sync_order_exception_retry", {
    url: "/odoo/inventory",
    steps: () => [
        ...openChannelMenu("menu_stock_channel_order_exceptions", "Orders to Fix"),
        {
            content: "The market's order T-100 is held: an SKU is unknown",
            trigger: `${order} td[name=status]:contains('Exception')`,
        },
        {
            trigger: `${order} td[name=reason]:contains("unknown SKU 'MKT-GADGET'")`,
        },
        {
            content: "Open it",
            trigger: `${order} td[name=reference]`,
            run: "click",
        },
        {
            content: "The reason and the next action",
            trigger: ".o_form_view .o_field_widget[name=error]:contains(\"unknown SKU 'MKT-GADGET' (line T-100-2)\")",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=next_action]:contains('bind it on the channel')",
        },
        {
            content: "No sale order yet",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=sale_order_id] a))",
        },
        ...openChannelMenu(
            "menu_stock_channel_binding",
            "Configuration › Channels › Bindings",
            "stock.menu_stock_config_settings"
        ),
        {
            content: "Bind the Gadget on the market under the channel's SKU",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: `${binding} .o_field_widget[name=channel_id] input`,
            run: "edit Market",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Market')",
            run: "click",
        },
        {
            trigger: `${binding} .o_field_widget[name=product_id] input`,
            run: "edit Gadget",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Gadget')",
            run: "click",
        },
        {
            trigger: `${binding} .o_field_widget[name=external_sku] input`,
            run: "edit MKT-GADGET",
        },
        {
            content: "Save the binding",
            trigger: ".o_list_view .o_list_button_save",
            run: "click",
        },
        {
            trigger:
                ".o_list_view .o_data_row:not(.o_selected_row):contains('MKT-GADGET') td[name=channel_id]:contains('Market')",
        },
        ...openChannelMenu("menu_stock_channel_order_exceptions", "Orders to Fix"),
        {
            content: "Open the held order again",
            trigger: `${order} td[name=reference]`,
            run: "click",
        },
        {
            content: "Retry",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_retry]",
            run: "click",
        },
        {
            content: "The order left the exception: done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            trigger: ".o_form_view:not(:has(.o_statusbar_buttons button[name=action_retry]))",
        },
        {
            content: "Its sale order is created",
            trigger: ".o_form_view .o_field_widget[name=sale_order_id] a.o_form_uri",
            run: "click",
        },
        {
            content: "a confirmed sales order of the market",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains('Gadget') td[name=product_uom_qty]:contains('2')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains('Widget') td[name=product_uom_qty]:contains('1')",
        },
        {
            content: "its delivery is there",
            trigger: ".o_form_view button[name=action_view_delivery]:contains('1')",
        },
        ...openChannelMenu(
            "menu_stock_channel",
            "Configuration › Channels › Sales Channels",
            "stock.menu_stock_config_settings"
        ),
        {
            content: "The market's form",
            trigger: ".o_list_view .o_data_row td[name=name]:contains('Market')",
            run: "click",
        },
        {
            content: "Its supervision",
            trigger: ".o_form_view .o_notebook a.nav-link[name=supervision]",
            run: "click",
        },
        {
            content: "Latencies read with their unit (ms, s or min), not a bare number",
            trigger: [" ms", " s", " min"]
                .map((unit) => `.o_field_widget[name=latency_p95_24h]:contains('${unit}')`)
                .join(", "),
        },
        ...openChannelMenu("menu_stock_channel_sync_log", "Channels › Technical › Sync Log"),
        {
            content: "The sync log's latencies read with their unit too (1500 ms: 2 s)",
            trigger: ".o_list_view .o_data_row td[name=latency_ms]:contains('2 s')",
        },
    ],
});
