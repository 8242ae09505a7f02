import { registry } from "@web/core/registry";

/**
 * Click & collect on the product page, as a visitor: the location list offers the Lyon
 * store, which holds the product for the shop's channel ("Ready in 2 h"), and not Nantes,
 * whose 2 units its register ring-fences (Odoo alone would call them available); the
 * visitor picks Lyon.
 */
const LYON = ".o_location_selector button:contains('Lyon Store')";
const NANTES = ".o_location_selector button:contains('Nantes Store')";

registry.category("web_tour.tours").add("stock_channel_sync_click_collect", {
    steps: () => [
        {
            content: "Open the store list of the product page",
            trigger: "[name='click_and_collect_availability']",
            run: "click",
        },
        {
            content: "Lyon holds it for the shop: ready in 2 h",
            trigger: `${LYON} small[name='pickup_ready']:contains('Ready in 2 h')`,
        },
        {
            content: "Nantes's units are its register's: out of stock for the shop",
            trigger: `${NANTES}:contains('Out of stock'):not(:has(small[name='pickup_ready']))`,
        },
        {
            content: "Pick Lyon",
            trigger: LYON,
            run: "click",
        },
        {
            content: "Choose this location",
            trigger: "#submit_location_large:enabled",
            run: "click",
        },
        {
            content: "Lyon is the cart's store",
            trigger: "[name='click_and_collect_availability'] h6:contains('Lyon Store')",
        },
    ],
});
