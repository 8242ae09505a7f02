import { registry } from "@web/core/registry";

// the card of a channel, by name
const card = (name) => `.o_kanban_record:contains("${name}")`;

registry.category("web_tour.tours").add("stock_channel_sync_overview", {
    url: "/odoo/action-stock_channel_sync.action_stock_channel_overview",
    steps: () => [
        {
            content: "The channel with a dead letter is red, its reason on hover",
            trigger: `${card("Tour Market")} .o_channel_health[data-health=red][title*="Failed Updates: 1 (threshold 1)"]`,
        },
        {
            content: "The healthy channel is green",
            trigger: `${card("Tour Web")} .o_channel_health[data-health=green]`,
        },
        {
            content: "The cards show their figures",
            trigger: `${card("Tour Market")} .o_figure_accepted_p95:contains("250 ms")`,
        },
        {
            trigger: `${card("Tour Market")} .o_figure_pending:contains("1 · oldest")`,
        },
        {
            content: "How the business does, beside the pipes",
            trigger: `${card("Tour Market")} .o_channel_overview_business .o_figure_orders_to_fix:contains("0")`,
        },
        {
            trigger: `${card("Tour Market")} .o_channel_overview_business .o_figure_oversold_units:contains("0")`,
        },
        {
            trigger: `${card("Tour Market")} .o_channel_overview_business .o_figure_orders_today:contains("0")`,
        },
        {
            content: "A figure not measured yet says so, never 0",
            trigger: `${card("Tour Web")} .o_figure_accepted_p95:contains("not measured yet")`,
        },
        {
            trigger: `${card("Tour Web")} .o_figure_drift:contains("not measured yet")`,
        },
        {
            content: "The red card opens its failed updates",
            trigger: `${card("Tour Market")} .o_figure_dead_letters:contains("1")`,
            run: "click",
        },
        {
            content: "Only the channel's dead letter is listed",
            trigger: ".o_list_view .o_data_row:contains('Tour Market'):contains('Failed Update')",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Web')))",
        },
        {
            content: "Replay it",
            trigger: ".o_data_row:contains('Tour Market') button[name=action_replay]",
            run: "click",
        },
        {
            content: "No dead letter is left",
            trigger: ".o_list_view:not(:has(.o_data_row))",
        },
        {
            content: "Back to the overview",
            trigger: ".o_breadcrumb a:contains('Overview')",
            run: "click",
        },
        {
            content: "No longer red; not Healthy while the replayed pushes wait unsent",
            trigger: `${card("Tour Market")} .o_channel_health[data-health=amber][title*="Pushes waiting, never sent: 2"]`,
        },
        {
            trigger: `${card("Tour Market")} .o_figure_dead_letters:contains("0")`,
        },
        {
            content: "The latency opens the channel's latency graph, per hour",
            trigger: `${card("Tour Market")} .o_figure_accepted_p95`,
            run: "click",
        },
        {
            trigger: ".o_graph_view .o_graph_renderer",
        },
        {
            trigger: ".o_breadcrumb .active:contains('Push Latency')",
        },
    ],
});
