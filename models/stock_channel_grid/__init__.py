"""stock.channel.grid, the Products x Channels grid (an abstract model: no table):

- page.py: the model, a page of the grid (rows, cells and their states) in SQL
- queries.py: the SQL of the cells, the index the grid adds to the outbox
- actions.py: a cell's explain; the bulk actions (republish, correct, bind)
"""

# isort: off
# page.py defines the model actions.py extends
from . import page, actions

# isort: on
