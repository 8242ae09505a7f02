from . import stock_quarantine_wizard, stock_return_picking
