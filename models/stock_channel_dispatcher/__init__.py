"""stock.channel.dispatcher, which runs the outbox: channels in parallel, rounds of
pushes under each channel's lock:

- dispatcher.py: the model, due channels, the runs (sequential, parallel), rounds, locks
- plan.py: a round's pushes planned in the transaction that took the rows
- push.py: pushing outside any transaction work, recording the outcomes
"""

# isort: off
# dispatcher.py defines the model the others extend
from . import dispatcher, plan, push

# isort: on
