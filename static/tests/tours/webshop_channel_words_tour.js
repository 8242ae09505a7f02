import { registry } from "@web/core/registry";
import * as tourUtils from "@website_sale/js/tours/tour_utils";

/**
 * The webshop says what its channel may sell, in the channel's words, and sells no
 * more: 2 units in stock for the shop (the marketplace ring-fences the others), 3 more on
 * the channel's backorder rule, shipping in 5 days; the product's own *Sell when
 * Out-of-Stock* is on and plays no part.
 */
registry.category("web_tour.tours").add("stock_channel_sync_webshop_channel_words", {
    steps: () => [
        {
            content: "The product page says it in the channel's words",
            trigger: "#channel_stock_message:contains('2 in stock, 3 more ship in 5 days')",
        },
        {
            content: "Ask for 9",
            trigger: "#product_detail form input[name=add_qty]",
            run: "edit 9 && press Tab",
        },
        {
            content: "The quantity stops at what the channel allows: 2 + 3 on backorder",
            trigger: "#product_detail form input[name=add_qty]:value(5)",
        },
        {
            content: "Add to cart",
            trigger: "#product_detail form #add_to_cart",
            run: "click",
        },
        tourUtils.goToCart({ quantity: 5 }),
        {
            content: "The cart has the 5",
            trigger: "#cart_products input.js_quantity:value(5)",
        },
        {
            content: "The cart line stops at the channel's 5",
            trigger: "#cart_products input.js_quantity[data-max^='5']",
        },
        tourUtils.waitForInteractionToLoad(),
        {
            content: "Ask for 9 in the cart",
            trigger: "#cart_products input.js_quantity",
            run: "edit 9 && click body",
        },
        {
            content: "Refused: the shop may sell no more than the channel allows",
            trigger:
                "#data_warning:contains('only 5 is available'), " +
                "div.o_cart_product i.fa-warning[title*='only 5 is available']",
        },
        {
            content: "The line stays at 5",
            trigger: "#cart_products input.js_quantity:value(5)",
        },
    ],
});
