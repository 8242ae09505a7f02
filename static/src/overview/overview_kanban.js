import { registry } from "@web/core/registry";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { useChannelNotifications } from "./live";

export class ChannelOverviewController extends KanbanController {
    setup() {
        super.setup();
        useChannelNotifications(() => this.model.load());
    }
}

registry.category("views").add("stock_channel_overview_kanban", {
    ...kanbanView,
    Controller: ChannelOverviewController,
});
