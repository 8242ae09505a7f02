"""stock.channel.alert, a channel's figure past its threshold:

- alert.py: the model, opening, keeping and resolving an alert, unreachable, API version
- critical.py: critical stock (a done move under a rule's critical quantity) and its cause
"""

# isort: off
# alert.py defines the model critical.py extends
from . import alert, critical

# isort: on
