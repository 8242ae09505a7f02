import { onWillDestroy } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { kanbanView } from "@web/views/kanban/kanban_view";

// the server tells the channel users when a figure moved (at the commit of the change)
export const OVERVIEW_NOTIFICATION = "stock_channel_sync/overview";
const RELOAD_DELAY = 1000;

export class ChannelOverviewController extends KanbanController {
    setup() {
        super.setup();
        const busService = useService("bus_service");
        this.reloadSoon = useDebounced(() => this.model.load(), RELOAD_DELAY);
        this.onOverviewChanged = () => this.reloadSoon();
        busService.subscribe(OVERVIEW_NOTIFICATION, this.onOverviewChanged);
        busService.start();
        onWillDestroy(() => busService.unsubscribe(OVERVIEW_NOTIFICATION, this.onOverviewChanged));
    }
}

registry.category("views").add("stock_channel_overview_kanban", {
    ...kanbanView,
    Controller: ChannelOverviewController,
});
