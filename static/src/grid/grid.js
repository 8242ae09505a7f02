import { _t } from "@web/core/l10n/translation";
import { Component, onWillStart, useState } from "@odoo/owl";
import { Pager } from "@web/core/pager/pager";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import { useChannelNotifications } from "../overview/live";
import { GridExplainDialog } from "./explain_dialog";

export const GRID_PAGE_SIZE = 80;

// the filter buttons: a variant is kept when it matches any of those on (some channel)
export const GRID_FILTERS = [
    { name: "at_zero", label: _t("At 0 somewhere") },
    { name: "drift", label: _t("Drift") },
    { name: "failed", label: _t("Failing") },
    { name: "not_bound", label: _t("Not bound") },
];

/**
 * Products × Channels: one row per variant, one column per channel, each cell the
 * publishable quantity and its state (stock.channel.grid.get_page, a page at a time).
 * A cell opens its explain; the checked rows take the bulk actions on the channel chosen
 * (or every channel). The page follows the figures live: told by the bus that figures
 * moved (the overview's notification), it reads its current page again (debounced).
 */
export class ChannelGrid extends Component {
    static template = "stock_channel_sync.ChannelGrid";
    static components = { Layout, Pager };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.dialog = useService("dialog");
        this.filters = GRID_FILTERS;
        this.state = useState({
            offset: 0,
            limit: GRID_PAGE_SIZE,
            filters: [],
            groupBy: false,
            page: null,
            selected: [],
            channelId: "",
        });
        onWillStart(() => this.load());
        useChannelNotifications((channelIds) => this.refresh(channelIds));
    }

    // the current page again when figures moved on a channel it shows (null: any)
    async refresh(channelIds) {
        const shown = this.state.page ? this.state.page.channels.map((ch) => ch.id) : [];
        if (channelIds && !channelIds.some((id) => shown.includes(id))) {
            return;
        }
        await this.load();
    }

    // the exact number of variants, when the page counted up to its limit only ("+")
    async updateTotal() {
        const total = await this.orm.call("stock.channel.grid", "get_total", [], {
            filters: this.state.filters,
        });
        Object.assign(this.state.page, { total, total_exact: true });
    }

    get display() {
        return { controlPanel: {} };
    }

    async load() {
        const { offset, limit, filters, groupBy } = this.state;
        this.state.page = await this.orm.call("stock.channel.grid", "get_page", [], {
            offset,
            limit,
            filters,
            group_by: groupBy ? "category" : null,
        });
        const shown = new Set(this.state.page.rows.map((row) => row.id));
        this.state.selected = this.state.selected.filter((id) => shown.has(id));
    }

    get stateLabels() {
        return Object.fromEntries(this.state.page.states);
    }

    // rows with the header of their category when grouped
    get lines() {
        const page = this.state.page;
        if (!this.state.groupBy) {
            return page.rows.map((row) => ({ type: "row", key: `r${row.id}`, row }));
        }
        const counts = Object.fromEntries(page.groups.map((g) => [g.categ_id, g.count]));
        const lines = [];
        let current;
        for (const row of page.rows) {
            if (row.categ_id !== current) {
                current = row.categ_id;
                lines.push({
                    type: "group",
                    key: `g${current}`,
                    name: row.category,
                    count: counts[current] || 0,
                });
            }
            lines.push({ type: "row", key: `r${row.id}`, row });
        }
        return lines;
    }

    isOn(name) {
        return this.state.filters.includes(name);
    }

    async toggleFilter(name) {
        this.state.filters = this.isOn(name)
            ? this.state.filters.filter((f) => f !== name)
            : [...this.state.filters, name];
        this.state.offset = 0;
        await this.load();
    }

    async toggleGroupBy() {
        this.state.groupBy = !this.state.groupBy;
        this.state.offset = 0;
        await this.load();
    }

    async onPagerUpdate({ offset, limit }) {
        Object.assign(this.state, { offset, limit });
        await this.load();
    }

    isSelected(row) {
        return this.state.selected.includes(row.id);
    }

    toggleRow(row) {
        this.state.selected = this.isSelected(row)
            ? this.state.selected.filter((id) => id !== row.id)
            : [...this.state.selected, row.id];
    }

    get allSelected() {
        const rows = this.state.page.rows;
        return rows.length > 0 && rows.every((row) => this.isSelected(row));
    }

    toggleAll() {
        this.state.selected = this.allSelected ? [] : this.state.page.rows.map((row) => row.id);
    }

    cellOf(row, channel) {
        return row.cells[channel.id] || { qty: null, state: "in_sync" };
    }

    async openExplain(row, channel) {
        const explain = await this.orm.call("stock.channel.grid", "get_explain", [
            row.id,
            channel.id,
        ]);
        this.dialog.add(GridExplainDialog, { explain });
    }

    get targetChannels() {
        const id = parseInt(this.state.channelId);
        return id ? [id] : this.state.page.channels.map((channel) => channel.id);
    }

    async bulk(method) {
        const result = await this.orm.call("stock.channel.grid", method, [
            this.state.selected,
            this.targetChannels,
        ]);
        await this.action.doAction(result);
        if (method !== "action_bind") {
            await this.load();
        }
    }
}

registry.category("actions").add("stock_channel_sync.channel_grid", ChannelGrid);
