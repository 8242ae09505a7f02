import { Component } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";

/** A cell's explain: its state, then the steps from on hand down to publishable. */
export class GridExplainDialog extends Component {
    static template = "stock_channel_sync.GridExplainDialog";
    static components = { Dialog };
    static props = { explain: Object, close: Function };

    formatQty(qty) {
        return Number.isInteger(qty) ? String(qty) : String(Math.round(qty * 1000) / 1000);
    }
}
