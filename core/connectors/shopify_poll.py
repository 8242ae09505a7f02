"""Shopify's catch-up poll: the orders changed since a time, read by the Admin GraphQL
``orders`` query (every page), and the reading of one such order as the webhooks' JSON
(numeric ids, snake_case), so that a polled order and a delivered one are judged alike.

Shopify does not guarantee webhook delivery (a subscription that keeps failing is removed;
an app offline for long misses them): the poll is the backstop. No HTTP here."""

from datetime import UTC, datetime, timedelta

from ..inbound import KIND_CANCEL, KIND_ORDER

ORDERS_PAGE = 50
# a new shop's first poll reads this far back
FIRST_POLL_DAYS = 1
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

ORDERS_QUERY = """\
query StockChannelSyncOrders($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId name createdAt updatedAt cancelledAt email phone
      currencyCode taxesIncluded displayFinancialStatus
      totalPriceSet { shopMoney { amount } }
      totalDiscountsSet { shopMoney { amount } }
      totalTaxSet { shopMoney { amount } }
      totalShippingPriceSet { shopMoney { amount } }
      customer {
        firstName lastName defaultEmailAddress { emailAddress }
        defaultPhoneNumber { phoneNumber }
      }
      shippingAddress { name firstName lastName address1 address2 zip city countryCodeV2 phone }
      lineItems(first: 250) {
        nodes { id sku quantity originalUnitPriceSet { shopMoney { amount } } }
      }
    }
  }
}"""


def since_query(cursor, overlap_minutes, now=None):
    """The ``orders`` search of a poll: changed at or after the cursor less the overlap
    (a first poll: the last FIRST_POLL_DAYS)."""
    if cursor:
        since = datetime.strptime(cursor[:19], TIME_FORMAT[:-1]).replace(tzinfo=UTC)
    else:
        since = (now or datetime.now(UTC)) - timedelta(days=FIRST_POLL_DAYS)
    since -= timedelta(minutes=overlap_minutes)
    return f"updated_at:>='{since.strftime(TIME_FORMAT)}'"


def is_graphql_order(data):
    """An order read by GraphQL (a poll), not a webhook's JSON."""
    return isinstance(data, dict) and "legacyResourceId" in data


def message_kind(node):
    return KIND_CANCEL if node.get("cancelledAt") else KIND_ORDER


def delivery_id(node):
    """This version of the order: its last change, cancelled or not."""
    state = "cancelled" if node.get("cancelledAt") else "open"
    return f"poll:{node.get('legacyResourceId')}:{node.get('updatedAt')}:{state}"


def _object(data, name):
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _money(data, name):
    """``<name>.shopMoney.amount`` (the shop's currency), None when absent."""
    return _object(_object(data, name), "shopMoney").get("amount")


def _legacy_id(gid):
    """The number at the end of a gid (``gid://shopify/LineItem/12`` -> ``12``)."""
    return str(gid or "").rsplit("/", 1)[-1]


def _line(node):
    node = node if isinstance(node, dict) else {}
    return {
        "id": _legacy_id(node.get("id")),
        "sku": node.get("sku"),
        "quantity": node.get("quantity"),
        "price": _money(node, "originalUnitPriceSet"),
    }


def webhook_json(node):
    """A polled order as the webhooks carry it (what ``parse_order`` reads); what the
    node lacks stays absent, and is judged as a webhook's would be."""
    customer = _object(node, "customer")
    address = _object(node, "shippingAddress")
    lines = _object(node, "lineItems").get("nodes")
    order = {
        "id": str(node.get("legacyResourceId") or ""),
        "name": node.get("name"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "currency": node.get("currencyCode"),
        "email": node.get("email"),
        "phone": node.get("phone"),
        "taxes_included": node.get("taxesIncluded"),
        # the webhooks' financial_status is the GraphQL enum in lower case
        "financial_status": (node.get("displayFinancialStatus") or "").lower() or None,
        "total_price": _money(node, "totalPriceSet"),
        "total_discounts": _money(node, "totalDiscountsSet"),
        "total_tax": _money(node, "totalTaxSet"),
        "total_shipping_price_set": {
            "shop_money": {"amount": _money(node, "totalShippingPriceSet")}
        },
        "customer": {
            "first_name": customer.get("firstName"),
            "last_name": customer.get("lastName"),
            "email": _object(customer, "defaultEmailAddress").get("emailAddress"),
            "phone": _object(customer, "defaultPhoneNumber").get("phoneNumber"),
        },
        "shipping_address": {
            "name": address.get("name"),
            "first_name": address.get("firstName"),
            "last_name": address.get("lastName"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "zip": address.get("zip"),
            "city": address.get("city"),
            "country_code": address.get("countryCodeV2"),
            "phone": address.get("phone"),
        },
        "line_items": [_line(line) for line in lines] if isinstance(lines, list) else lines,
    }
    return {key: value for key, value in order.items() if value is not None}
