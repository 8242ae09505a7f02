import { registry } from "@web/core/registry";

const row = (name) => `.o_stock_channel_grid .o_grid_row:has(.o_grid_name:contains("${name}"))`;
const explainStep = (label, qty) =>
    `.modal .o_channel_explain tr:has(td:first-child:contains("${label}")) td.text-end:contains("${qty}")`;

// Channels › Products × Channels: "At 0 somewhere" keeps the Widget (0 on the market),
// not the Gadget (4 everywhere); the Widget's market cell opens its explain.
registry.category("web_tour.tours").add("stock_channel_sync_grid", {
    url: "/odoo/inventory",
    steps: () => [
        {
            content: "Open Inventory › Channels",
            trigger: 'button[data-menu-xmlid="stock_channel_sync.menu_stock_channel_root"]',
            run: "click",
        },
        {
            content: "Products × Channels",
            trigger: 'a[data-menu-xmlid="stock_channel_sync.menu_stock_channel_grid"]',
            run: "click",
        },
        {
            content: "Both variants are listed, the market in sync at 4 for the Gadget",
            trigger: `${row("Gadget")} .o_grid_cell[data-channel="Market"][data-state="in_sync"] .o_grid_qty:contains("4")`,
        },
        {
            trigger: `${row("Widget")} .o_grid_cell[data-channel="Market"] .o_grid_qty:contains("0")`,
        },
        {
            content: "Filter the variants at 0 somewhere",
            trigger: '.o_grid_filter[data-filter="at_zero"]',
            run: "click",
        },
        {
            content: "The Widget stays, the Gadget goes",
            trigger: `.o_grid_filter[data-filter="at_zero"].active`,
        },
        {
            trigger: `.o_stock_channel_grid:not(:has(.o_grid_name:contains("Gadget"))) .o_grid_row .o_grid_name:contains("Widget")`,
        },
        {
            content: "Open the explain of the Widget on the market",
            trigger: `${row("Widget")} .o_grid_cell[data-channel="Market"]`,
            run: "click",
        },
        {
            content: "The dialog names the variant and the channel, in sync",
            trigger: '.modal .modal-title:contains("Widget on Market")',
        },
        {
            trigger: '.modal .o_grid_explain .o_grid_badge:contains("In Sync")',
        },
        {
            content: "Nothing on hand: nothing sellable, 0 published",
            trigger: explainStep("Sellable", "0"),
        },
        {
            trigger: explainStep("Publishable", "0"),
        },
        {
            content: "Close the explain",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: `body:not(:has(.modal)) ${row("Widget")}`,
        },
    ],
});
