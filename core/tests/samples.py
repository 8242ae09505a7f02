"""Order payloads shared by the core's order tests, and ways to change them."""

import copy
import json
from datetime import datetime

WHEN = datetime(2026, 11, 23, 10, 0, 0)
SECRET = "order-secret"

GENERIC = {
    "id": "M-1",
    "created_at": "2026-11-23T10:00:00Z",
    "currency": "EUR",
    "customer": {"name": "Ann Buyer", "email": "ann@example.com", "phone": "+32 2 000"},
    "shipping_address": {
        "name": "Ann Buyer",
        "street": "Rue Haute 1",
        "street2": "",
        "zip": "1000",
        "city": "Brussels",
        "country_code": "BE",
    },
    "lines": [
        {"id": "M-1-1", "sku": "WIDGET", "quantity": 2, "price_unit": 12.5},
        {"id": "M-1-2", "sku": "GADGET", "quantity": 1, "price_unit": 0.1},
    ],
    "shipping_amount": 4.95,
    "total_amount": 30.05,
}

# An orders/create webhook as Shopify sends it (trimmed to what matters, plus noise).
SHOPIFY = {
    "id": 820982911946154508,
    "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "name": "#1001",
    "order_number": 1001,
    "created_at": "2026-11-23T11:00:00+01:00",
    "currency": "eur",
    "presentment_currency": "EUR",
    "email": "order-level@example.com",
    "phone": "+32 470 00 00 00",
    "financial_status": "paid",
    "fulfillment_status": None,
    "customer": {
        "id": 115310627314723954,
        "first_name": "Bob",
        "last_name": "Norman",
        "email": "bob@example.com",
        "phone": None,
    },
    "shipping_address": {
        "name": "Bob Norman",
        "first_name": "Bob",
        "last_name": "Norman",
        "address1": "Chestnut Street 92",
        "address2": "Apt 3",
        "zip": "1000",
        "city": "Brussels",
        "country": "Belgium",
        "country_code": "be",
        "phone": "+32 2 111",
    },
    "line_items": [
        {"id": 466157049, "sku": "WIDGET", "quantity": 3, "price": "19.00", "title": "Widget"},
        {"id": 518995019, "sku": "GADGET", "quantity": 1, "price": "5.50", "title": "Gadget"},
    ],
    "shipping_lines": [{"id": 271878346, "title": "Standard", "price": "5.00"}],
    "total_shipping_price_set": {
        "shop_money": {"amount": "5.00", "currency_code": "EUR"},
        "presentment_money": {"amount": "5.00", "currency_code": "EUR"},
    },
    "total_line_items_price": "62.50",
    "total_discounts": "0.00",
    "total_tax": "11.78",
    "taxes_included": True,
    "total_price": "67.50",
    "cancelled_at": None,
    "cancel_reason": None,
}


def encoded(payload):
    return json.dumps(payload).encode()


def generic(**changes):
    payload = copy.deepcopy(GENERIC)
    payload.update(changes)
    return payload


def shopify(**changes):
    payload = copy.deepcopy(SHOPIFY)
    payload.update(changes)
    return payload


def without(*path):
    def change(payload):
        target = payload
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def set_to(*path_and_value):
    *path, value = path_and_value

    def change(payload):
        target = payload
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def both(first, second):
    def change(payload):
        first(payload)
        second(payload)

    return change
