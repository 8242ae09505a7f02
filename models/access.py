"""Server-side checks of the buttons: the group (a view's `groups` hides a button; it
protects nothing over RPC), then the company rules of the records the button acts on
(the buttons work in superuser mode after the check, where no record rule applies: a
manager of one company passing another company's ids over RPC must be refused first)."""

from odoo.exceptions import AccessError

CHANNEL_MANAGER = "stock_channel_sync.group_channel_manager"
CHANNEL_USER = "stock_channel_sync.group_channel_user"
STOCK_MANAGER = "stock.group_stock_manager"
SALE_MANAGER = "sales_team.group_sale_manager"
# customer service on an order (its screen, wizards, reallocation): any of these managers
ORDER_SERVICE_GROUPS = (CHANNEL_MANAGER, SALE_MANAGER, STOCK_MANAGER)


def check_groups(env, *groups):
    """AccessError unless the user has one of `groups` (superuser mode passes: crons and
    the intake work for nobody in particular)."""
    if env.su or any(env.user.has_group(group) for group in groups):
        return
    names = ", ".join(env.ref(group).sudo().full_name for group in groups)
    raise AccessError(env._("This action is reserved to: %(groups)s.", groups=names))


def check_channel_manager(env):
    check_groups(env, CHANNEL_MANAGER)


def check_rules(records, operation="write"):
    """AccessError unless the record rules (the companies the user works in) let the user
    `operation` every one of `records`. The group is the button's check: the model's
    access rights are not asked (some models are written by the addon only)."""
    if records.env.su or not records:
        return
    Rule = records.env["ir.rule"]
    domain = Rule._compute_domain(records._name, operation)
    if not domain:
        return
    allowed = records.sudo().with_context(active_test=False).filtered_domain(domain)
    forbidden = records - allowed
    if forbidden:
        raise Rule._make_access_error(operation, forbidden)


def check_manager_of(records, *groups):
    """A manager button on `records`: the user has one of `groups` (the channel manager by
    default) and may write each record under the company rules; before any sudo()."""
    check_groups(records.env, *(groups or (CHANNEL_MANAGER,)))
    check_rules(records)


def check_reader_of(records):
    """A reading button on `records` (an explain): the user is a channel user and may
    read each record under the company rules; before any sudo()."""
    check_groups(records.env, CHANNEL_USER)
    check_rules(records, "read")
