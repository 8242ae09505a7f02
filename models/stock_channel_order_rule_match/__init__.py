"""stock.channel.order.rule.match, the order rules at work:

- match.py: one rule that matched an order, what it did (recorded at intake)
- touchless.py: the touchless rate by rule over 7 days (a report over the matches)
"""

from . import match, touchless
