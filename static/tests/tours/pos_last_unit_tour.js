/* global stockChannelSyncOrder */
import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

/**
 * The POS sells the last unit while a channel order for it arrives.
 *
 * The channel order is the real signed webhook request, prepared by the Python test
 * (body and headers in `window.stockChannelSyncOrder`, set before the tour starts) and
 * sent from the payment screen: it reserves the unit first; the POS then validates its
 * payment and takes the unit the customer holds.
 */
registry.category("web_tour.tours").add("stock_channel_sync_pos_last_unit", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Last Unit Widget", true, "1"),
            ProductScreen.clickPayButton(),
            PaymentScreen.isShown(),
            {
                content: "While the POS is at payment, the channel's order arrives (signed webhook)",
                trigger: ".pos .payment-screen",
                async run() {
                    const { url, body, headers } = stockChannelSyncOrder;
                    const response = await fetch(url, { method: "POST", headers, body });
                    const answer = await response.json();
                    const reserved =
                        answer.status === "accepted" &&
                        answer.lines.every((line) => line.status === "accepted");
                    if (response.status !== 200 || !reserved) {
                        throw new Error(
                            `the channel order was not accepted: ${
                                response.status
                            } ${JSON.stringify(answer)}`
                        );
                    }
                    document.body.classList.add("o_scs_channel_order_accepted");
                },
            },
            {
                content: "The channel order was accepted (it reserved the unit)",
                trigger: "body.o_scs_channel_order_accepted",
            },
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.remainingIs("0.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.receiptIsThere(),
            ReceiptScreen.totalAmountContains("10.00"),
            {
                content: "The receipt has the last unit",
                trigger: ".receipt-screen .pos-receipt:contains('Last Unit Widget')",
            },
            Chrome.endTour(),
        ].flat(),
});
