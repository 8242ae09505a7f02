import { registry } from "@web/core/registry";

const knifeOnMarket =
    '.o_stock_channel_grid .o_grid_row:has(.o_grid_name:contains("Knife")) .o_grid_cell[data-channel="Market"]';

// Channels › Products × Channels: the Knife, hidden on the market by the exclusion
// "Blades", reads "excluded, by rule Blades" there; its explain ends with that step.
registry.category("web_tour.tours").add("stock_channel_sync_exclusion_grid", {
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
            content: "The market cell of the Knife says which rule excludes it",
            trigger: `${knifeOnMarket}[data-state="excluded"] .o_grid_excluded_by:contains("excluded, by rule Blades")`,
        },
        {
            content: "The web shop still shows the Knife",
            trigger:
                '.o_grid_row:has(.o_grid_name:contains("Knife")) .o_grid_cell[data-channel="Web"]:not(:has(.o_grid_excluded_by)) .o_grid_qty:contains("8")',
        },
        {
            content: "Open the explain of the Knife on the market",
            trigger: knifeOnMarket,
            run: "click",
        },
        {
            content: "The explain names the exclusion",
            trigger: '.modal .o_channel_explain td.o_explain_text:contains("excluded, by rule Blades")',
        },
        {
            content: "Close the explain",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
