import { registry } from "@web/core/registry";

const order = ".o_list_view .o_data_row:contains('T-300')";
const dialog = ".o_dialog .modal";

registry.category("web_tour.tours").add("stock_channel_sync_bind_sku", {
    url: "/odoo/inventory",
    steps: () => [
        {
            content: "Open Inventory › Channels",
            trigger: 'button[data-menu-xmlid="stock_channel_sync.menu_stock_channel_root"]',
            run: "click",
        },
        {
            content: "Orders to Fix",
            trigger: 'a[data-menu-xmlid="stock_channel_sync.menu_stock_channel_order_exceptions"]',
            run: "click",
        },
        {
            content: "Open the order held for an unknown SKU",
            trigger: `${order} td[name=reference]`,
            run: "click",
        },
        {
            content: "The unknown SKU is named",
            trigger: ".o_form_view .o_field_widget[name=unbound_skus]:contains('MKT-GADGET')",
        },
        {
            content: "The raw message is shown indented",
            trigger: ".o_form_view .o_field_widget[name=body_pretty]:contains('T-300')",
        },
        {
            content: "Bind this SKU",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_bind_sku]",
            run: "click",
        },
        {
            content: "The wizard knows the channel and the SKU",
            trigger: `${dialog} .o_field_widget[name=channel_id]:contains('Market')`,
        },
        {
            trigger: `${dialog} .o_field_widget[name=sku] input:value(MKT-GADGET)`,
        },
        {
            content: "Pick the variant",
            trigger: `${dialog} .o_field_widget[name=product_id] input`,
            run: "edit Gadget",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Gadget')",
            run: "click",
        },
        {
            content: "What confirming does",
            trigger: `${dialog} .o_field_widget[name=message]:contains('will be bound on Market')`,
        },
        {
            content: "Bind and Retry",
            trigger: `${dialog} button[name=action_confirm]`,
            run: "click",
        },
        {
            content: "The order left the exception: done",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            trigger: ".o_form_view:not(:has(.o_statusbar_buttons button[name=action_bind_sku]))",
        },
        {
            content: "Its sale order is created",
            trigger: ".o_form_view .o_field_widget[name=sale_order_id] a.o_form_uri",
            run: "click",
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains('Gadget') td[name=product_uom_qty]:contains('2')",
        },
    ],
});
