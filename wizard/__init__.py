from . import stock_channel_bind_sku, stock_quarantine_wizard, stock_return_picking
