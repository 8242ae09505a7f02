"""What a Merchant API v1 ProductInput may hold, as the Products sub-API checks it
(reference/rest/products_v1/accounts.productInputs; protobuf JSON refuses unknown fields
and enum values with "Invalid JSON payload received" / "Invalid value at ...")."""

import re

from .merchant_auth import invalid
from .merchant_json import is_timestamp

AVAILABILITY = ("IN_STOCK", "OUT_OF_STOCK", "PREORDER", "LIMITED_AVAILABILITY", "BACKORDER")
INPUT_FIELDS = {
    "name", "product", "legacyLocal", "offerId", "contentLanguage", "feedLabel",
    "versionNumber", "productAttributes", "customAttributes",
    "base64EncodedName", "base64EncodedProduct",
}  # fmt: skip
# output only: accepted in a body (a resource read back may be sent again), ignored
OUTPUT_FIELDS = ("name", "product", "base64EncodedName", "base64EncodedProduct")
# ProductInput.feedLabel: "The maximum allowed characters are 20, and the supported
# characters are A-Z, 0-9, hyphen, and underscore. The feed label must not include any
# spaces." (reference/rest/products_v1/accounts.productInputs)
FEED_LABEL_RE = re.compile(r"[A-Z0-9_-]{1,20}")
WHITESPACE_RE = re.compile(r"\s+")
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
    """Google's 400 for a ProductInput it refuses, else None; ``offerId`` normalised in
    place: "Leading and trailing whitespaces are stripped and multiple whitespaces are
    replaced by a single whitespace upon submission" (accounts.productInputs, offerId)."""
    unknown = set(data) - INPUT_FIELDS
    if unknown:
        return unknown_field(sorted(unknown)[0])
    for name in ("offerId", "contentLanguage", "feedLabel"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            return invalid(f"[{name}] Required parameter: {name}", "REQUIRED_FIELD", field=name)
    data["offerId"] = WHITESPACE_RE.sub(" ", data["offerId"].strip())
    if not FEED_LABEL_RE.fullmatch(data["feedLabel"]):
        return invalid(
            "[feedLabel] The feed label must be at most 20 characters among A-Z, 0-9, "
            "hyphen and underscore, without spaces.",
            "INVALID_FEED_LABEL",
            field="feed_label",
            value=data["feedLabel"],
        )
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
