"""Line-by-line acceptance (core.acceptance), without Odoo."""

from core.acceptance import Refusal, split_lines


def test_lines_the_stock_serves_are_accepted_and_only_the_short_ones_refused():
    lines = [("l1", "WIDGET", 1), ("l2", "GADGET", 2), ("l3", "BOLT", 5)]
    accepted, refused = split_lines(lines, {"GADGET": 1})
    assert accepted == ["l1", "l3"]
    assert refused == [Refusal("l2", 2, 1)]


def test_lines_of_one_product_are_served_in_order_each_whole():
    lines = [("l1", "WIDGET", 2), ("l2", "WIDGET", 3), ("l3", "WIDGET", 1)]
    accepted, refused = split_lines(lines, {"WIDGET": 3})
    assert accepted == ["l1", "l3"], "the 3 units left after l1 serve l3, not half of l2"
    assert refused == [Refusal("l2", 3, 1)]


def test_nothing_available_refuses_every_line_of_the_product():
    accepted, refused = split_lines([("l1", "WIDGET", 1)], {"WIDGET": -2})
    assert accepted == []
    assert refused == [Refusal("l1", 1, 0.0)]
