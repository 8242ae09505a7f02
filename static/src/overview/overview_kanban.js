import { registry } from "@web/core/registry";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { useChannelNotifications } from "./live";

// at most a reload every 5 s: the cards' 24 h figures read the day's pushes (bench/run
// overview: 0.8 s for 10 channels at 1,000,000 pushes a day), and a busy day tells often
export const OVERVIEW_RELOAD_DELAY = 5000;

export class ChannelOverviewController extends KanbanController {
    setup() {
        super.setup();
        useChannelNotifications(() => this.model.load(), OVERVIEW_RELOAD_DELAY);
    }
}

registry.category("views").add("stock_channel_overview_kanban", {
    ...kanbanView,
    Controller: ChannelOverviewController,
});
