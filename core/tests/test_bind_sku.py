"""Binding an unknown SKU from an order exception: which SKUs are unbound, and the raw
message shown indented."""

from core.inbound import pretty_body, unbound_skus


def test_the_unbound_skus_are_those_neither_found_nor_shared_in_line_order():
    skus = ["WIDGET", "MKT-GADGET", "SHARED", "MKT-GADGET", "", "MKT-BOLT"]
    found = {"WIDGET": 1}
    ambiguous = {"SHARED": "two variants"}
    assert unbound_skus(skus, found, ambiguous) == ["MKT-GADGET", "MKT-BOLT"]


def test_no_unbound_sku_when_every_line_matches():
    assert unbound_skus(["A", "B"], {"A": 1, "B": 2}, {}) == []


def test_a_json_body_is_indented_in_its_key_order_with_its_accents():
    body = '{"id": "T-1", "customer": {"name": "Anne Fran\\u00e7oise"}, "lines": [1]}'
    assert pretty_body(body) == (
        '{\n  "id": "T-1",\n  "customer": {\n    "name": "Anne Françoise"\n  },\n'
        '  "lines": [\n    1\n  ]\n}'
    )


def test_a_body_that_is_not_json_is_shown_as_received():
    assert pretty_body("a=1&b=2") == "a=1&b=2"
    assert pretty_body('{"id": ') == '{"id": '
    assert pretty_body(None) == ""
