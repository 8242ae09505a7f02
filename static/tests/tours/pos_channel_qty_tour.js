import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

/**
 * The POS shows what its channel may sell of a product (2 on hand, 1 reserved for a
 * marketplace order: 1), and warns before selling the reserved unit: the cashier first
 * declines, then sells it anyway (the Python test checks the ledger).
 */
registry.category("web_tour.tours").add("stock_channel_sync_pos_channel_qty", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "The product's card: the Store channel may sell 1",
                trigger:
                    "article.product:has(.product-name:contains('Last Unit Widget')) .o_scs_pos_card_qty:contains('1')",
            },
            ProductScreen.clickInfoProduct("Last Unit Widget", [
                {
                    content: "The product's info: the Store channel may sell 1",
                    trigger: ".o_scs_pos_channel_qty:contains('Store') .o_scs_pos_channel_free:contains('1')",
                },
                Dialog.confirm("Close"),
            ]),
            ProductScreen.selectedOrderlineHas("Last Unit Widget", "1"),
            ProductScreen.clickDisplayedProduct("Last Unit Widget"),
            Dialog.is({ title: "Reserved for another channel" }),
            Dialog.confirm("Don't sell", ".btn-secondary"),
            ProductScreen.selectedOrderlineHas("Last Unit Widget", "1"),
            ProductScreen.clickDisplayedProduct("Last Unit Widget"),
            Dialog.is({ title: "Reserved for another channel" }),
            Dialog.confirm("Sell anyway"),
            ProductScreen.selectedOrderlineHas("Last Unit Widget", "2"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.remainingIs("0.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            Chrome.endTour(),
        ].flat(),
});
