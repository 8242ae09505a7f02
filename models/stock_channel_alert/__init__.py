"""stock.channel.alert, a channel's figure past its threshold:

- alert.py: the model, opening, keeping and resolving an alert, unreachable, API version
- critical.py: critical stock (a done move under a rule's critical quantity) and its cause
- issues.py: item issues a channel reports of a variant it took (Google's disapprovals)
- mail.py: an alert opened is e-mailed to the responsible (and the followers, optionally)
- soon.py: the alerts as a listener of events: the alert cron triggered at the commit
"""

# isort: off
# alert.py defines the model the others extend
from . import alert, critical, issues, soon, mail

# isort: on
