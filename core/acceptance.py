"""Line-by-line acceptance, for channels where the seller accepts or refuses each line
of an order (Mirakl's OR21): the lines the stock Odoo can reserve serves are accepted,
in the order's order, each whole (a line is accepted or refused, never split); the
others are refused with the quantity ordered and what was left for them. Pure: no Odoo.
"""

from dataclasses import dataclass

EPSILON = 1e-6


@dataclass(frozen=True)
class Refusal:
    """A line refused: the caller's ``line``, the ``quantity`` it ordered, and what was
    ``available`` for it (after the lines before it)."""

    line: object
    quantity: float
    available: float


def split_lines(lines, available):
    """(accepted lines, [Refusal]) of ``lines`` [(line, product, quantity)] taken in
    order: a line is accepted while what is ``available`` of its product ({product:
    quantity}; a product not in it is not short) covers it whole; a refused line leaves
    its units to the next ones."""
    left = dict(available)
    accepted, refused = [], []
    for line, product, quantity in lines:
        if product not in left:
            accepted.append(line)
        elif quantity <= left[product] + EPSILON:
            left[product] -= quantity
            accepted.append(line)
        else:
            refused.append(Refusal(line, quantity, max(left[product], 0.0)))
    return accepted, refused
