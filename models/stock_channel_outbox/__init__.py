"""stock.channel.outbox, the pushes waiting to go, one row per (channel, subject):

- outbox.py: the model, its constants, taking due rows and letting them go
- enqueue.py: enqueueing in the transaction of the change, merged at its commit
- dead_letters.py: dead letters made, replayed, purged; items a later verdict failed
- kits.py: a component's change queues the kits that contain it
- settled.py: orders confirmed from their reservation queue nothing
"""

# isort: off
# outbox.py defines the model the others extend
from . import outbox, enqueue, dead_letters, kits, settled

# isort: on
