import { onWillDestroy } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useThrottleForAnimation } from "@web/core/utils/timing";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";
import { OVERVIEW_NOTIFICATION } from "../overview/overview_kanban";

// A channel's form follows its background jobs: while one is queued or running (the
// banner shows its progress), each notification the server sends at the commit of a
// chunk reloads the record, unless someone is editing it.
export class ChannelFormController extends FormController {
    setup() {
        super.setup();
        const busService = useService("bus_service");
        this.reloadJob = useThrottleForAnimation(() => this.reloadWhileJobRuns());
        this.onOverviewChanged = () => this.reloadJob();
        busService.subscribe(OVERVIEW_NOTIFICATION, this.onOverviewChanged);
        busService.start();
        onWillDestroy(() => busService.unsubscribe(OVERVIEW_NOTIFICATION, this.onOverviewChanged));
    }

    async reloadWhileJobRuns() {
        const record = this.model.root;
        if (!record || record.isNew || !record.data.running_job_summary) {
            return;
        }
        if (!(await record.isDirty())) {
            await record.load();
        }
    }
}

registry.category("views").add("stock_channel_form", {
    ...formView,
    Controller: ChannelFormController,
});
