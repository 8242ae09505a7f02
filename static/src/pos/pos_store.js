import { reactive } from "@odoo/owl";
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
    async afterProcessServerData() {
        const result = await super.afterProcessServerData(...arguments);
        this.stockChannelQuantities = reactive({}); // {variant id: what the channel may sell}
        this.stockChannelRefresh(); // not awaited: the register opens meanwhile
        return result;
    },

    postSyncAllOrders(orders) {
        const result = super.postSyncAllOrders(...arguments);
        const products = (orders || []).flatMap((order) =>
            (order.lines || []).map((line) => line.product_id).filter(Boolean)
        );
        if (products.length) {
            this.stockChannelRefresh(products); // the sold units: their figures again
        }
        return result;
    },

    /** The channel's quantities of `products` (default: every storable variant loaded),
     * read in one call; nothing when the register has no channel or is offline. */
    async stockChannelRefresh(products = null) {
        products ??= this.data.models["product.product"].filter(
            (product) => product.product_tmpl_id?.is_storable
        );
        if (!products.length || !this.stockChannelQuantities) {
            return;
        }
        try {
            const availability = await this.data.call(
                "pos.config",
                "stock_channel_availability",
                [[this.config.id], products.map((product) => product.id)]
            );
            Object.assign(this.stockChannelQuantities, availability?.quantities || {});
        } catch {
            return;
        }
    },

    /** What the channel may sell of `template` (a single-variant product), if known. */
    stockChannelQtyOf(template) {
        const variants = template?.product_variant_ids || [];
        return variants.length === 1
            ? this.stockChannelQuantities?.[variants[0].id]
            : undefined;
    },

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
        if (this.stockChannelQuantities) {
            this.stockChannelQuantities[product.id] = free;
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
