import { Component, reactive } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";
import { PosStore } from "@point_of_sale/app/services/pos_store";
import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";

const REFRESH_MS = 60000;

/** The orders offered to the register's store: Accept (the first store wins) or Decline. */
export class StoreOffersDialog extends Component {
    static template = "stock_channel_sync.StoreOffersDialog";
    static components = { Dialog };
    static props = { close: Function };

    setup() {
        this.pos = usePos();
    }

    get offers() {
        return this.pos.stockChannelOffers.list;
    }

    async answer(offer, accept) {
        await this.pos.stockChannelAnswerOffer(offer.id, accept);
        if (!this.offers.length) {
            this.props.close();
        }
    }
}

patch(PosStore.prototype, {
    async afterProcessServerData() {
        const result = await super.afterProcessServerData(...arguments);
        this.stockChannelOffers = reactive({ list: [] });
        this.stockChannelLoadOffers(); // not awaited: the register opens meanwhile
        setInterval(() => this.stockChannelLoadOffers(), REFRESH_MS);
        return result;
    },

    /** The open offers of the register's store (none offline). */
    async stockChannelLoadOffers() {
        try {
            const offers = await this.data.call("pos.config", "stock_channel_offers", [
                [this.config.id],
            ]);
            this.stockChannelOffers.list = offers || [];
        } catch {
            return;
        }
    },

    /** Accept or decline an offer; the server's refusal (taken by another store, stock
     * gone) is shown as any error, and the list read again. */
    async stockChannelAnswerOffer(offerId, accept) {
        try {
            const message = await this.data.call("pos.config", "stock_channel_offer_answer", [
                [this.config.id],
                offerId,
                accept,
            ]);
            this.notification.add(message, { type: accept ? "success" : "info" });
        } finally {
            await this.stockChannelLoadOffers();
        }
    },
});

patch(ControlButtons.prototype, {
    get stockChannelOfferCount() {
        return this.pos.stockChannelOffers?.list.length || 0;
    },

    get stockChannelOfferLabel() {
        return _t("Orders offered (%(count)s)", { count: this.stockChannelOfferCount });
    },

    clickStockChannelOffers() {
        this.dialog.add(StoreOffersDialog, {});
    },
});
