"""What a Merchant API v1 ProductInput may hold, as the Products sub-API checks it
(reference/rest/products_v1/accounts.productInputs; protobuf JSON refuses unknown fields
and enum values with "Invalid JSON payload received" / "Invalid value at ...")."""

from .merchant_auth import invalid
from .merchant_json import is_timestamp

AVAILABILITY = ("IN_STOCK", "OUT_OF_STOCK", "PREORDER", "LIMITED_AVAILABILITY", "BACKORDER")
INPUT_FIELDS = {
    "name", "product", "legacyLocal", "offerId", "contentLanguage", "feedLabel",
    "versionNumber", "productAttributes", "customAttributes",
}  # fmt: skip
ENUM_ERROR = (
    "Invalid value at 'product_input.product_attributes.availability' "
    '(type.googleapis.com/google.shopping.merchant.products.v1.Availability), "{}"'
)


def unknown_field(name):
    return invalid(
        f"Invalid JSON payload received. Unknown name \"{name}\" at 'product_input': "
        "Cannot find field.",
        "INVALID_JSON_PAYLOAD",
    )


def check_input(data):
    unknown = set(data) - INPUT_FIELDS
    if unknown:
        return unknown_field(sorted(unknown)[0])
    for name in ("offerId", "contentLanguage", "feedLabel"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            return invalid(f"[{name}] Required parameter: {name}", "REQUIRED_FIELD", field=name)
    if len(data["offerId"]) > 50:
        return invalid(
            "[offerId] The offer id is too long (at most 50 characters).", "INVALID_OFFER_ID"
        )
    if len(data["contentLanguage"]) != 2 or not data["contentLanguage"].isalpha():
        return invalid(
            "[contentLanguage] Invalid language code (ISO 639-1).", "INVALID_CONTENT_LANGUAGE"
        )
    attributes = data.get("productAttributes")
    if attributes is not None and not isinstance(attributes, dict):
        return invalid(
            "Invalid value at 'product_input.product_attributes': not an object",
            "INVALID_JSON_PAYLOAD",
        )
    return check_attributes(attributes or {})


def check_attributes(attributes):
    availability = attributes.get("availability")
    if availability is not None and availability not in AVAILABILITY:
        return invalid(ENUM_ERROR.format(availability), "INVALID_JSON_PAYLOAD")
    date = attributes.get("availabilityDate")
    if date is not None and not is_timestamp(date):
        return invalid(
            "Invalid value at 'product_input.product_attributes.availability_date' "
            f'(type.googleapis.com/google.protobuf.Timestamp), "{date}"',
            "INVALID_JSON_PAYLOAD",
        )
    return None
