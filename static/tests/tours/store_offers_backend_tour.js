import { registry } from "@web/core/registry";

/**
 * The back-end after a register accepted an offer: Inventory > Channels > Store Offers
 * lists the open offers of my stores (none left), and, without the Open filter, the
 * accepted one.
 */
registry.category("web_tour.tours").add("stock_channel_sync_store_offers_backend", {
    url: "/odoo/inventory",
    steps: () => [
        {
            content: "Open Inventory > Channels",
            trigger: 'button[data-menu-xmlid="stock_channel_sync.menu_stock_channel_root"]',
            run: "click",
        },
        {
            content: "Store Offers",
            trigger: 'a[data-menu-xmlid="stock_channel_sync.menu_stock_channel_offer"]',
            run: "click",
        },
        {
            content: "No open offer left",
            trigger: ".o_searchview_facet:contains('Open') .o_facet_remove",
            run: "click",
        },
        {
            content: "The accepted offer, the store's",
            trigger: ".o_list_view .o_data_row:contains('Accepted')",
        },
        {
            content: "The other store lost it",
            trigger: ".o_list_view .o_data_row:contains('Lost')",
        },
    ],
});
