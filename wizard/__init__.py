from . import (
    stock_channel_bind_sku,
    stock_channel_cs_address,
    stock_channel_cs_reallocate,
    stock_channel_cs_refund,
    stock_quarantine_wizard,
    stock_return_picking,
)
