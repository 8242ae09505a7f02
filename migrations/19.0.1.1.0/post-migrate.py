"""19.0.1.1.0: the marketplace-only fields of stock.channel (seller_id, token_url,
refresh_token...) become the settings its connector declares (stock.channel.setting).
After the new model's table is made, the old columns are still there: each channel's
rows are made, the values its connector declares are moved into them, then the columns
are dropped. A value of a setting the channel's connector does not declare (a field the
form hid) is left behind, named in the log."""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import column_exists

_logger = logging.getLogger(__name__)

# the old column of stock_channel: the setting it became
MOVED = {
    "tracking_extension": "tracking_extension",
    "refund_returns": "refund_returns",
    "token_url": "token_url",
    "seller_id": "seller_id",
    "marketplace_code": "marketplace_id",
    "refresh_token": "refresh_token",
    "amazon_product_type": "product_type",
    "feed_threshold": "feed_threshold",
    "confirm_timeout_minutes": "confirm_timeout_minutes",
    "webhook_secret": "webhook_secret",
    "api_version": "api_version",
    "external_location_id": "location_id",
}
# 0 meant "the marketplace's default": the setting left empty says so now
ZERO_IS_DEFAULT = {"confirm_timeout_minutes"}
# the old fields' defaults, that every channel held: not worth a line in the log
OLD_DEFAULTS = {"amazon_product_type": "PRODUCT", "feed_threshold": 50, "api_version": "2026-10"}


def migrate(cr, version):
    if version:
        move_channel_settings(api.Environment(cr, SUPERUSER_ID, {}))


def move_channel_settings(env):
    """Move the old columns' values into the channels' settings, then drop the columns.
    Returns {channel id: {setting: stored text}} of what was moved."""
    cr = env.cr
    columns = [column for column in MOVED if column_exists(cr, "stock_channel", column)]
    if not columns:
        return {}
    cr.execute(
        SQL(
            "SELECT id, %s FROM stock_channel WHERE connector IS NOT NULL ORDER BY id",
            SQL(", ").join(SQL.identifier(column) for column in columns),
        )
    )
    moved = {}
    for row in cr.dictfetchall():
        moved[row["id"]] = _move_row(env, row, columns)
    env.invalidate_all()
    for column in columns:
        cr.execute(SQL("ALTER TABLE stock_channel DROP COLUMN %s", SQL.identifier(column)))
    return moved


def _move_row(env, row, columns):
    channel = env["stock.channel"].with_context(active_test=False).browse(row["id"])
    channel._sync_settings()
    cls = channel._connector_class()
    moved, left = {}, []
    for column in columns:
        value, name = row[column], MOVED[column]
        if value is None or value == "" or (column in ZERO_IS_DEFAULT and not value):
            continue
        declaration = cls and cls.declared(name)
        if not declaration:
            if value is not False and OLD_DEFAULTS.get(column) != value:
                left.append(column)
            continue
        text = declaration.store(value)
        target = "secret_value" if declaration.secret else "value"
        env.cr.execute(
            SQL(
                "UPDATE stock_channel_setting SET %s = %s WHERE channel_id = %s AND name = %s",
                SQL.identifier(target),
                text,
                channel.id,
                name,
            )
        )
        moved[name] = text
    if left:
        _logger.info("channel %s: not a setting of its connector, left: %s", row["id"], left)
    return moved
