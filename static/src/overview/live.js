import { onWillDestroy } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { useService } from "@web/core/utils/hooks";

// the server tells the channel users when a figure moved, at the commit of the change:
// {at, channel_ids} (channel_ids null: any channel may have moved)
export const OVERVIEW_NOTIFICATION = "stock_channel_sync/overview";
export const RELOAD_DELAY = 1000;

/**
 * Call `reload(channelIds)` when the server says figures moved: at most once every
 * `delay` ms, a notification arriving meanwhile still reloads at the end of it (a busy
 * channel, telling several times a second, is followed rather than never reloaded).
 */
export function useChannelNotifications(reload, delay = RELOAD_DELAY) {
    const busService = useService("bus_service");
    let timer = null;
    let pending = null; // the channel ids told since the last reload; null: any
    let any = false;
    const onNotification = (payload) => {
        const ids = payload && payload.channel_ids;
        if (!ids) {
            any = true;
        } else {
            pending = [...(pending || []), ...ids];
        }
        if (!timer) {
            timer = browser.setTimeout(() => {
                const told = any ? null : pending;
                timer = null;
                pending = null;
                any = false;
                reload(told);
            }, delay);
        }
    };
    busService.subscribe(OVERVIEW_NOTIFICATION, onNotification);
    busService.start();
    onWillDestroy(() => {
        browser.clearTimeout(timer);
        busService.unsubscribe(OVERVIEW_NOTIFICATION, onNotification);
    });
}
