import { registry } from "@web/core/registry";

const rules = ".o_field_widget[name=rule_ids]";
const channelLine = (channel, field, value) =>
    `.o_field_widget[name=channel_line_ids] .o_data_row:contains('${channel}') td[name=${field}]:contains('${value}')`;

registry.category("web_tour.tours").add("stock_channel_sync_whatif", {
    steps: () => [
        {
            content: "On the standard policy, change its rules through a what-if",
            trigger: ".o_form_view button[name=action_change_rules]",
            run: "click",
        },
        {
            content: "The what-if opens on the draft's rules",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('Draft')",
        },
        {
            content: "Edit the market's share in the draft",
            trigger: `${rules} .o_data_row:contains('Market') td[name=share_percent]`,
            run: "click",
        },
        {
            trigger: `${rules} .o_selected_row .o_field_widget[name=share_percent] input`,
            run: "edit 100",
        },
        {
            content: "Compute the figures",
            trigger: ".o_form_view button[name=action_compute]",
            run: "click",
        },
        {
            content: "Computed",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('Computed')",
        },
        {
            content: "Per channel",
            trigger: ".o_form_view .o_notebook a[name=channels]",
            run: "click",
        },
        {
            content: "The market goes from 5 units to 10",
            trigger: channelLine("Market", "units_before", "5"),
        },
        {
            trigger: channelLine("Market", "units_after", "10"),
        },
        {
            content: "the 5 it gains come from nowhere else (every channel keeps its own)",
            trigger: channelLine("Market", "up_count", "1"),
        },
        {
            content: "Apply",
            trigger: ".o_form_view button[name=action_apply]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Applied, as a new version of the policy",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('Applied')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=version_id]:contains('Standard v3')",
        },
    ],
});
