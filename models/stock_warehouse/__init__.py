"""stock.warehouse, extended (one model, one folder):

- warehouse.py: the quarantine location, returns to quarantine, pickup preparation
- figures.py: the stock figures of a few variants (an order, a change)
- batch.py: the figures of many variants and warehouses at once (the publishable batch)
"""

from . import batch, figures, warehouse
