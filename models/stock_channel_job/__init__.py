"""stock.channel.job, long work a button queues, run by the scheduled action:

- job.py: the model, its progress and summary, queueing (the buttons)
- run.py: running the queued jobs chunk by chunk, pausing, the work of each kind
"""

from . import job, run
