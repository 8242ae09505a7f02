"""bol.com push notifications (subscriptions of type WEBHOOK): the verdict of a process
(``PROCESS_STATUS``) as soon as bol has it, so that it is read at once instead of at the
next check. Signed with RSA (SHA-256, PKCS#1 v1.5) by one of bol's keys, published at
``GET /retailer/subscriptions/signature-keys``; the ``Signature`` header names the key:
``keyId=<id>, algorithm="rsa-sha256", signature=<base64>`` (the header's exact form is
not in bol's specification: read from integrators' notes). No HTTP here."""

import base64
import binascii
import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

from ..inbound import KIND_IGNORED, KIND_VERDICT
from ..payload import PayloadError, load_object, read_object, read_text

HEADER_SIGNATURE = "Signature"
RESOURCE_PROCESS_STATUS = "PROCESS_STATUS"
PARAM_RE = re.compile(r'(\w+)\s*=\s*"?([^",]*)"?')
NO_KEYS = "no bol.com signature keys: run Import mapping on the channel (it reads them)"
BAD_SIGNATURE = "missing or wrong signature"


def signature_params(header):
    """{keyId, algorithm, signature} of a Signature header."""
    return {name: value.strip() for name, value in PARAM_RE.findall(header or "")}


def verify(keys_json, headers, raw_body):
    """None when one of bol's keys (``keys_json``: {key id: base64 DER public key})
    signed ``raw_body``, else why not."""
    try:
        keys = json.loads(keys_json or "{}")
    except ValueError:
        keys = {}
    if not isinstance(keys, dict) or not keys:
        return NO_KEYS
    params = signature_params(headers.get(HEADER_SIGNATURE))
    key = keys.get(params.get("keyId", ""))
    if not key or params.get("algorithm", "rsa-sha256").lower() != "rsa-sha256":
        return BAD_SIGNATURE
    try:
        public_key = load_der_public_key(base64.b64decode(key))
        public_key.verify(
            base64.b64decode(params.get("signature", ""), validate=True),
            raw_body,
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return BAD_SIGNATURE
    return None


def event_kind(raw_body):
    """(kind, topic, delivery id) of a notification: a process status is a verdict; the
    other resources (SHIPMENT, offers...) are not handled."""
    try:
        event = json.loads(raw_body).get("event") or {}
    except (ValueError, AttributeError):
        event = {}
    if not isinstance(event, dict):
        event = {}
    resource, kind = str(event.get("resource") or ""), str(event.get("type") or "")
    resource_id = str(event.get("resourceId") or "")
    topic = f"{resource}:{kind}"
    if resource != RESOURCE_PROCESS_STATUS:
        return KIND_IGNORED, topic, ""
    return KIND_VERDICT, topic, f"{resource_id}:{kind}"


def parse_verdict(raw):
    """The process status id a PROCESS_STATUS notification is about."""
    data = load_object(raw)
    event = read_object(data, "event")
    if read_text(event, "resource", "event") != RESOURCE_PROCESS_STATUS:
        raise PayloadError("event.resource must be PROCESS_STATUS")
    return [read_text(event, "resourceId", "event", required=True)]
