"""stock.channel.inbound, the messages a channel sends (orders, cancellations,
returns), stored then judged:

- inbound.py: the model, who may write it, storing a message (webhook or poll)
- processing.py: judging a message, the answer kept, retries, the crons, retention
- order.py: an order mapped on Odoo records, held with its reason, superseded
- order_create.py: the sale order created: customer, delivery address, prices
- cancel.py: a cancellation
- returns.py: a return into the warehouse's Quarantine
- fast.py: an order answered as soon as its stock is reserved (the reservation ledger)
- confirm.py: the background confirmation of those orders, in batches
- defer.py: the confirmation waits while a burst of orders is answered
- rules.py: the order rules evaluated in those batches, before the confirmation
- bind.py: an order held for an unknown SKU: the SKUs to bind, its message indented
"""

# isort: off
# inbound.py defines the model the others extend
from . import inbound, processing, order, order_create, cancel, returns, bind, fast, confirm
from . import defer, rules

# isort: on
