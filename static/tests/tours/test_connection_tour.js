import { registry } from "@web/core/registry";

// The Shopify channel's form: a wrong token, Test connection says what to fix (in red);
// the right one, Test connection says OK and offers the first Import mapping.
const failed = ".o_form_view .o_channel_connection_failed";
const connected = ".o_form_view .o_channel_connection_ok";

registry.category("web_tour.tours").add("stock_channel_sync_test_connection", {
    steps: () => [
        {
            content: "The channel's Connection tab",
            trigger: ".o_form_view .o_notebook a[name=connection]",
            run: "click",
        },
        {
            content: "Paste a wrong token as the API Key",
            trigger: ".o_form_view .o_field_widget[name=api_key] input",
            run: "edit wrong-token",
        },
        {
            content: "Test connection",
            trigger: ".o_form_view button[name=action_test_connection]",
            run: "click",
        },
        {
            content: "The refusal in words, naming the token to create and its scope",
            trigger: `${failed}:contains('Shopify: the token is refused: create an Admin API access token'):contains('write_inventory')`,
        },
        {
            content: "Paste the right token",
            trigger: ".o_form_view .o_field_widget[name=api_key] input",
            run: "edit shop-token",
        },
        {
            content: "Test connection again",
            trigger: ".o_form_view button[name=action_test_connection]",
            run: "click",
        },
        {
            content: "Connection: OK, tested at ...",
            trigger: `${connected}:contains('OK, tested at'):contains('Shopify: connected (shop demo).')`,
        },
        {
            content: "The failure is gone",
            trigger: `.o_form_view:not(:has(${failed}))`,
        },
        {
            content: "The first Import mapping is offered",
            trigger: ".o_form_view .o_channel_mapping_offered button[name=action_import_mapping]",
        },
        {
            content: "The webhook URL to paste in Shopify, with its copy button",
            trigger: ".o_form_view .o_field_widget[name=webhook_url]:contains('/stock_channel_sync/shopify/orders') .o_clipboard_button",
        },
    ],
});
