// Helpers of the tours that read a variant's Channels tab (its explain).

// The explain of a channel: one table per channel, after the channel's name.
export const explain = (channel) =>
    `.o_field_widget[name=channel_explanation_html] h5:contains("${channel}") + table.o_channel_explain`;

// A step of that explain (its label in the first cell): its quantity, its rule.
const step = (channel, label) => `${explain(channel)} tr:has(td:first-child:contains("${label}"))`;
export const quantity = (channel, label, qty) =>
    `${step(channel, label)} td.text-end:contains("${qty}")`;
export const ruleOf = (channel, label, rule) =>
    `${step(channel, label)} td:last-child:contains("${rule}")`;

// From anywhere in Inventory: Products › Products › Widget, its Channels tab (a store
// manager without product variants).
export const openWidgetChannels = () => [
    {
        content: "Open Inventory › Products",
        trigger: 'button[data-menu-xmlid="stock.menu_stock_inventory_control"]',
        run: "click",
    },
    {
        content: "Products",
        trigger: 'a[data-menu-xmlid="stock.menu_product_variant_config_stock"]',
        run: "click",
    },
    {
        content: "Open the Widget",
        trigger: ".o_kanban_view .o_kanban_record:contains('Widget')",
        run: "click",
    },
    {
        content: "Its Channels tab",
        trigger: ".o_form_view .o_notebook a[name=stock_channels]",
        run: "click",
    },
];
