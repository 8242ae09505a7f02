import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import { registry } from "@web/core/registry";

/**
 * The register of an offered store sees the order offered to it and accepts it (the
 * Python test checks the back-end: the offer accepted, the order moved to the store).
 */
registry.category("web_tour.tours").add("stock_channel_sync_pos_store_offer", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "The store is offered one order",
                trigger: ".o_scs_pos_offers_button:contains('Orders offered (1)')",
                run: "click",
            },
            {
                content: "The offer: the order and its lines",
                trigger: ".o_scs_pos_offer:contains('Last Unit Widget')",
            },
            {
                content: "Accept it",
                trigger: ".o_scs_pos_offer .o_scs_pos_offer_accept",
                run: "click",
            },
            {
                content: "The order is the store's: no offer left on the screen",
                trigger: ".o_notification:contains('is yours')",
            },
            {
                content: "The button is gone",
                trigger: "body:not(:has(.o_scs_pos_offers_button))",
            },
            Chrome.endTour(),
        ].flat(),
});
