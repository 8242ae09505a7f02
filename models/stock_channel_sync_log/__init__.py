"""stock.channel.sync.log, one row per push (its latency, outcome and what it sent):

- log.py: the model, its fields and states, the channels' push statistics, retention
- insert.py: rows written by SQL, as create() writes them (the dispatcher's pushes)
"""

# isort: off
# log.py defines the model the other extends
from . import log, insert

# isort: on
from .log import (
    DEFAULT_RETENTION_DAYS,
    LOG_STATES,
    RETENTION_PARAM,
    SLA_PUSH,
    SYNC_STAT_FIELDS,
    TAKEN_PUSH,
    WAITING,
    server_tag,
)
