"""stock.channel.quantity, the publishable quantity of a variant on a channel, split by
concern (quantity.py defines the model the other extends):

- quantity.py: the model, its fields, the figures stored (upsert), in sync, the explain
- push.py: a push's side: what a push needs, its sequences claimed, what the channel took
"""

# isort: off
from . import quantity, push

# isort: on
