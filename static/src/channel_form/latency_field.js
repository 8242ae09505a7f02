import { registry } from "@web/core/registry";
import { IntegerField, integerField } from "@web/views/fields/integer/integer_field";

// A latency in ms as a store manager reads it, as core.units.format_latency says it:
// "850 ms" under a second, "7 s" under a minute, "2 min"; no decimals past a second.
export function formatLatency(milliseconds) {
    if (milliseconds === false || milliseconds === null || milliseconds === undefined) {
        return "";
    }
    const whole = (value) => Math.floor(Math.max(value, 0) + 0.5);
    if (whole(milliseconds) < 1000) {
        return `${whole(milliseconds)} ms`;
    }
    const seconds = whole(milliseconds / 1000);
    if (seconds < 60) {
        return `${seconds} s`;
    }
    return `${whole(milliseconds / 60000)} min`;
}

export class LatencyField extends IntegerField {
    get formattedValue() {
        return formatLatency(this.value);
    }
}

// the lists' averages (sum/avg rows) read the same way
registry.category("formatters").add("stock_channel_latency", formatLatency);

registry.category("fields").add("stock_channel_latency", {
    ...integerField,
    component: LatencyField,
});
