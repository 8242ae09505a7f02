"""stock.channel.dispatcher, which runs the outbox: channels in parallel, rounds of
pushes under each channel's lock:

- dispatcher.py: the model, the runs (sequential, parallel), rounds, locks
- due.py: the channels with rows or verdicts due, the next due time, the cron woken for it
- plan.py: a round's pushes planned in the transaction that took the rows
- push.py: pushing outside any transaction work, recording the outcomes
- wake.py: the dispatcher woken, a run under way told at once (LISTEN/NOTIFY)
- answers.py: an order's status push answered, told to customer service's actions
"""

# isort: off
# dispatcher.py defines the model the others extend
from . import dispatcher, due, plan, push, answers, wake

# isort: on
