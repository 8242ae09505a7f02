import { patch } from "@web/core/utils/patch";
import { ProductCard } from "@point_of_sale/app/components/product_card/product_card";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";

/** A product's card shows what the register's channel may sell of it. */
patch(ProductCard.prototype, {
    setup() {
        super.setup(...arguments);
        this.pos = usePos();
    },

    get stockChannelQty() {
        return this.pos.stockChannelQtyOf?.(this.props.product);
    },
});
