import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/services/pos_store";
import { ask } from "@point_of_sale/app/utils/make_awaitable_dialog";

/**
 * Before a unit goes on the order beyond what the register's channel may sell (its
 * orderable quantity: the units reserved for other channels' orders and their ring
 * fences left out), the cashier is warned; the sale still goes through when confirmed,
 * and the oversell ledger records the channel order that loses its unit, as before.
 */
patch(PosStore.prototype, {
    async addLineToOrder(vals, order, opts = {}, configure = true) {
        const product = this.stockChannelProductOf(vals);
        if (product && !order.preset_id?.is_return) {
            const qty = vals.qty || 1;
            if (qty > 0 && (await this.stockChannelRefuses(product, order, qty))) {
                return;
            }
        }
        return await super.addLineToOrder(vals, order, opts, configure);
    },

    /** The storable variant `vals` adds, when it is known before the configurator. */
    stockChannelProductOf(vals) {
        const models = this.data.models;
        const template =
            typeof vals.product_tmpl_id === "number"
                ? models["product.template"].get(vals.product_tmpl_id)
                : vals.product_tmpl_id;
        if (!template?.is_storable) {
            return false;
        }
        if (vals.product_id) {
            return typeof vals.product_id === "number"
                ? models["product.product"].get(vals.product_id)
                : vals.product_id;
        }
        const variants = template.product_variant_ids || [];
        return variants.length === 1 ? variants[0] : false;
    },

    /** Whether the cashier declined to sell `qty` more of `product` beyond the channel's
     * quantity (false when within it, or when the server cannot say: offline). */
    async stockChannelRefuses(product, order, qty) {
        let availability;
        try {
            availability = await this.data.call("pos.config", "stock_channel_availability", [
                [this.config.id],
                [product.id],
            ]);
        } catch {
            return false;
        }
        const free = availability?.quantities?.[product.id];
        if (free === undefined) {
            return false;
        }
        const inOrder = order.lines
            .filter((line) => line.product_id?.id === product.id)
            .reduce((total, line) => total + line.qty, 0);
        if (inOrder + qty <= free) {
            return false;
        }
        const confirmed = await ask(this.dialog, {
            title: _t("Reserved for another channel"),
            body: _t(
                "%(channel)s may sell %(free)s of %(product)s: the next unit is reserved for another channel's order (or its ring fence). Sell it anyway? That channel's order is then recorded as an oversell.",
                {
                    channel: availability.channel,
                    free: free,
                    product: product.display_name || product.name,
                }
            ),
            confirmLabel: _t("Sell anyway"),
            cancelLabel: _t("Don't sell"),
        });
        return !confirmed;
    },
});
