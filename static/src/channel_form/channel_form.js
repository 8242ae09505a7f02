import { registry } from "@web/core/registry";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";
import { useChannelNotifications } from "../overview/live";

// A channel's form follows its background jobs: while one is queued or running (the
// banner shows its progress), a notification naming this channel or any (a chunk
// committed, the job done) reloads the record, unless someone is editing it.
export class ChannelFormController extends FormController {
    setup() {
        super.setup();
        useChannelNotifications((channelIds) => this.reloadWhileJobRuns(channelIds));
    }

    async reloadWhileJobRuns(channelIds) {
        const record = this.model.root;
        if (!record || record.isNew || !record.data.running_job_summary) {
            return;
        }
        if (channelIds && !channelIds.includes(record.resId)) {
            return; // other channels moved
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
