"""sale.order, extended for the channels' orders:

- order.py: channel fields, status in the shared vocabulary, life cycle hooks (cancel,
  the one write override, returns, retry)
- reservation.py: central reservation on confirmation (shortfalls, refused lines)
- shop.py: the webshop's cart against the channels
- kits.py: a kit line needs its components (summed with the same components' own lines)
- flow.py: order-flow facts (first held, first edited, tracking accepted), their KPI query
"""

# isort: off
# kits.py extends reservation.py's _channel_needed_quantities: imported after it
from . import flow, order, reservation, shop, kits

# isort: on
