"""Server-side checks of the buttons' groups (a view's `groups` hides a button; it
protects nothing over RPC)."""

from odoo.exceptions import AccessError

CHANNEL_MANAGER = "stock_channel_sync.group_channel_manager"
STOCK_MANAGER = "stock.group_stock_manager"


def check_groups(env, *groups):
    """AccessError unless the user has one of `groups` (superuser mode passes: crons and
    the intake work for nobody in particular)."""
    if env.su or any(env.user.has_group(group) for group in groups):
        return
    names = ", ".join(env.ref(group).sudo().full_name for group in groups)
    raise AccessError(env._("This action is reserved to: %(groups)s.", groups=names))


def check_channel_manager(env):
    check_groups(env, CHANNEL_MANAGER)
