"""sale.order, extended for the channels' orders:

- order.py: channel fields, status in the shared vocabulary, life cycle hooks (cancel,
  the one write override, returns, retry)
- reservation.py: central reservation on confirmation (shortfalls, refused lines)
- shop.py: the webshop's cart against the channels
- kits.py: a kit line needs its components (summed with the same components' own lines)
- pickup.py: click & collect, the stores that hold the cart, the store's stock taken
- sourcing.py: order sourcing at intake (which sources an order ships from), its record
- reallocation.py: a confirmed order's deliveries moved to another warehouse
- flow.py: order-flow facts (first held, first edited, tracking accepted), their KPI query
- customer_service.py: the Customer Service screen's buttons and checks, the status push's
  address and refunds; history.py: the screen's status across systems and history
- offers.py: stores competing for the order (stock.channel.offer), after sourcing
- rules.py: what the order automation rules see of an order (facts in batch), its
  payment state
"""

# isort: off
# kits.py extends reservation.py's _channel_needed_quantities: imported after it;
# pickup.py after shop.py and reservation.py: a pickup order's quantities replace theirs
from . import flow, order, reservation, shop, kits, pickup, sourcing, reallocation, offers
from . import customer_service, history, rules

# isort: on
