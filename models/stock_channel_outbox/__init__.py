"""stock.channel.outbox, the pushes waiting to go, one row per (channel, subject):

- outbox.py: the model, its constants, taking due rows and letting them go
- enqueue.py: enqueueing in the transaction of the change, merged at its commit
- address.py: what a channel's connector can address of the variants queued for it
- dead_letters.py: dead letters made, replayed, purged; items a later verdict failed
- kits.py: a component's change queues the kits that contain it
- settled.py: orders confirmed from their reservation queue nothing
"""

# isort: off
# outbox.py defines the model the others extend
from . import outbox, enqueue, address, dead_letters, kits, settled

# isort: on
