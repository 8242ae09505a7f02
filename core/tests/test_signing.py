"""Signatures: HMAC-SHA256 as hex (sha256=...) and base64, verified in constant time."""

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import signing

# RFC 4231, test case 2.
RFC_KEY = "Jefe"
RFC_DATA = b"what do ya want for nothing?"
RFC_HEX = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
RFC_B64 = base64.b64encode(bytes.fromhex(RFC_HEX)).decode()


def test_sign_hex_matches_rfc_4231_vector():
    assert signing.sign_hex(RFC_KEY, RFC_DATA) == "sha256=" + RFC_HEX


def test_sign_b64_matches_rfc_4231_vector():
    assert signing.sign_b64(RFC_KEY, RFC_DATA) == RFC_B64


def test_str_and_bytes_sign_alike():
    assert signing.sign_hex(RFC_KEY, RFC_DATA.decode()) == signing.sign_hex(b"Jefe", RFC_DATA)
    assert signing.sign_b64(RFC_KEY, RFC_DATA.decode()) == signing.sign_b64(b"Jefe", RFC_DATA)


def test_verify_hex_accepts_the_right_signature_in_any_case():
    assert signing.verify_hex(RFC_KEY, RFC_DATA, "sha256=" + RFC_HEX)
    assert signing.verify_hex(RFC_KEY, RFC_DATA, "SHA256=" + RFC_HEX.upper())
    assert signing.verify_hex(RFC_KEY, RFC_DATA, f"  sha256={RFC_HEX}\n")


def test_verify_b64_accepts_the_right_signature():
    assert signing.verify_b64(RFC_KEY, RFC_DATA, RFC_B64)
    assert signing.verify_b64(RFC_KEY, RFC_DATA, RFC_B64.encode())


@pytest.mark.parametrize("verify", [signing.verify_hex, signing.verify_b64])
@pytest.mark.parametrize("header", [None, "", b"", "sha256=", "garbage", "sha256=é"])
def test_missing_or_garbage_header_is_refused(verify, header):
    assert verify(RFC_KEY, RFC_DATA, header) is False


@pytest.mark.parametrize(
    ("verify", "sign"),
    [(signing.verify_hex, signing.sign_hex), (signing.verify_b64, signing.sign_b64)],
)
def test_tampered_body_wrong_secret_and_empty_secret_are_refused(verify, sign):
    header = sign(RFC_KEY, RFC_DATA)
    assert not verify(RFC_KEY, RFC_DATA + b" ", header)
    assert not verify("jefe", RFC_DATA, header)
    assert not verify("", RFC_DATA, sign("", RFC_DATA))
    assert not verify(None, RFC_DATA, sign("", RFC_DATA))


def test_hex_without_prefix_is_refused():
    assert not signing.verify_hex(RFC_KEY, RFC_DATA, RFC_HEX)


def test_comparisons_are_constant_time(monkeypatch):
    calls = []
    compare_digest = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(signing.hmac, "compare_digest", spy)
    signing.verify_hex(RFC_KEY, RFC_DATA, "sha256=" + RFC_HEX)
    signing.verify_b64(RFC_KEY, RFC_DATA, RFC_B64)
    assert len(calls) == 2


@given(secret=st.text(min_size=1), body=st.binary())
def test_round_trip_for_any_body(secret, body):
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    assert signing.sign_hex(secret, body) == "sha256=" + expected.hex()
    assert signing.verify_hex(secret, body, signing.sign_hex(secret, body))
    assert signing.verify_b64(secret, body, signing.sign_b64(secret, body))
