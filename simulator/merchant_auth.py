"""Google's OAuth 2.0 for a service account, as the Merchant API's caller meets it.

* ``create_service_account``: the JSON key file the Cloud console hands out
  (developers.google.com/identity/protocols/oauth2/service-account, "Creating a service
  account" / "Preparing to make an authorized API call": type, project_id,
  private_key_id, private_key, client_email, client_id, auth_uri, token_uri,
  auth_provider_x509_cert_url, client_x509_cert_url, universe_domain), its ``token_uri``
  pointing at the simulator;
* the token endpoint ``POST <token_uri>`` (form ``grant_type=urn:ietf:params:oauth:
  grant-type:jwt-bearer&assertion=<JWT>``, same page, "Making the access token request"):
  the RS256 JWT is checked against the key's public half (header ``kid`` = the key's
  ``private_key_id``), ``iss`` = client_email, ``aud`` = the token URI, ``exp`` - ``iat``
  at most one hour, ``scope`` present; answers ``{"access_token", "expires_in",
  "token_type": "Bearer"}``, or 400 ``{"error": "invalid_grant", "error_description"}``
  ("Handling the response": invalid_grant, unsupported_grant_type, invalid_scope...);
* developer registration: simulator/merchant_registration.py (``registered`` below);
* bearer tokens: missing, unknown or expired -> 401 UNAUTHENTICATED in Google's JSON error
  format (cloud.google.com/apis/design/errors), with ``WWW-Authenticate: Bearer``; a
  token without the Merchant API scope -> 403 PERMISSION_DENIED
  (ACCESS_TOKEN_SCOPE_INSUFFICIENT).

``cryptography`` (installed with Odoo) is imported only here and only when used.
"""

import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from .common import Reply

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE_CONTENT = "https://www.googleapis.com/auth/content"
# google-auth signs its assertions for Google's token endpoint whatever the key's
# token_uri says (service_account.py: "aud": _GOOGLE_OAUTH2_TOKEN_ENDPOINT)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
MAX_ASSERTION_SECONDS = 3600
CLOCK_SKEW = 300  # seconds an assertion's iat may be ahead of the simulator's clock
DEFAULT_TOKEN_SECONDS = 3600
UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
INSUFFICIENT_SCOPES = "Request had insufficient authentication scopes."


# ErrorInfo.reason is generic in Google's samples ("invalid" for a 400), the specific,
# stable code is metadata.REASON (guides/error-handling, "Error response structure")
GENERIC_REASONS = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "notFound",
    409: "aborted",
    429: "rateLimitExceeded",
}


def google_error(status, code_name, message, reason=None, **metadata):
    """Google's JSON error (AIP-193; developers.google.com/merchant/api/guides/
    error-handling): ``{"error": {"code", "message", "status", "details": [ErrorInfo]}}``,
    ErrorInfo ``{"reason": generic, "domain", "metadata": {"REASON": specific, ...}}``;
    field context in ``FIELD_LOCATION`` / ``FIELD_VALUE`` (pass ``field=`` / ``value=``)."""
    payload = {"code": status, "message": message, "status": code_name}
    if reason:
        if "field" in metadata:
            metadata["FIELD_LOCATION"] = metadata.pop("field")
        if "value" in metadata:
            metadata["FIELD_VALUE"] = str(metadata.pop("value"))
        payload["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": GENERIC_REASONS.get(status, code_name.lower()),
                "domain": "merchantapi.googleapis.com",
                "metadata": {**metadata, "REASON": reason},
            }
        ]
    return Reply(status, {"error": payload})


def not_found(message, reason="NOT_FOUND"):
    return google_error(404, "NOT_FOUND", message, reason)


def invalid(message, reason="INVALID_ARGUMENT", **metadata):
    return google_error(400, "INVALID_ARGUMENT", message, reason, **metadata)


def _b64url_decode(text):
    text = text.encode("ascii") if isinstance(text, str) else text
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def _oauth_error(error, description, status=400):
    """The token endpoint's errors (OAuth 2.0, RFC 6749 5.2, as Google answers them)."""
    return Reply(status, {"error": error, "error_description": description})


@dataclass
class ServiceAccount:
    """A service account the simulator knows: its public key, the Merchant Center
    accounts it was added to as a user (none: every account), its tokens' lifetime."""

    client_email: str
    key_id: str
    public_pem: str
    accounts: list = field(default_factory=list)
    token_seconds: int = DEFAULT_TOKEN_SECONDS
    project_id: str = "simulator-project"


class MerchantAuth:
    """The token endpoint and the bearer check (state guarded by the marketplace's lock)."""

    def _reset_auth(self):
        self.service_accounts = {}  # client_email -> ServiceAccount
        self.tokens = {}  # access token -> (client_email, expires: monotonic, scopes)
        self.token_fetches = {}  # client_email -> count

    # -- helpers for tests ---------------------------------------------------------

    def create_service_account(self, token_uri, accounts=(), project_id="simulator-project",
                               name="stock-sync", token_seconds=DEFAULT_TOKEN_SECONDS,
                               registered=True):  # fmt: skip
        """A new service account, added as a user of Merchant Center ``accounts`` (none:
        all of them); returns its JSON key file content (a dict) as the console gives it.
        ``registered``: its GCP project is registered with those accounts already (as
        after ``registerGcp``); False: every call but registration's answers 401."""
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        public_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )
        key_id = secrets.token_hex(20)
        client_email = f"{name}-{secrets.token_hex(3)}@{project_id}.iam.gserviceaccount.com"
        client_id = str(100000000000000000000 + secrets.randbelow(10**20))
        with self.lock:
            self.service_accounts[client_email] = ServiceAccount(
                client_email,
                key_id,
                public_pem,
                [str(a) for a in accounts],
                int(token_seconds),
                project_id,
            )
            if registered:
                self.preregister(project_id, [str(a) for a in accounts])
        return {
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": key_id,
            "private_key": private_pem,
            "client_email": client_email,
            "client_id": client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
            + client_email.replace("@", "%40"),
            "universe_domain": "googleapis.com",
        }

    def set_token_seconds(self, client_email, seconds):
        """Lifetime of the access tokens given from now on to ``client_email``."""
        with self.lock:
            self.service_accounts[client_email].token_seconds = int(seconds)

    def expire_tokens(self, client_email=None):
        """Every access token (of ``client_email``) expires now: the next call is a 401."""
        with self.lock:
            for token, (owner, _expires, scopes) in list(self.tokens.items()):
                if client_email in (None, owner):
                    self.tokens[token] = (owner, 0.0, scopes)

    def token_requests(self, client_email):
        """How many access tokens ``client_email`` was given."""
        with self.lock:
            return self.token_fetches.get(client_email, 0)

    # -- HTTP ------------------------------------------------------------------------

    def _token(self, method, body, token_uris):
        if method != "POST":
            return _oauth_error("invalid_request", "Only POST is supported", 405)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != JWT_BEARER:
            return _oauth_error(
                "unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type", "")
            )
        assertion = form.get("assertion") or ""
        claims, problem = self._verified_claims(assertion, token_uris)
        if problem:
            return _oauth_error("invalid_grant", problem)
        scopes = str(claims.get("scope") or "").split()
        if not scopes:
            return _oauth_error("invalid_scope", "Empty or missing scope not allowed.")
        account = self.service_accounts[claims["iss"]]
        token = "ya29.sim-" + secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = (
                account.client_email,
                time.monotonic() + account.token_seconds,
                scopes,
            )
            self.token_fetches[account.client_email] = (
                self.token_fetches.get(account.client_email, 0) + 1
            )
        return Reply(
            200,
            {"access_token": token, "expires_in": account.token_seconds, "token_type": "Bearer"},
        )

    def _verified_claims(self, assertion, token_uris):
        """(claims, None) when the JWT is a valid grant, else (None, description)."""
        from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
        from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import padding  # noqa: PLC0415

        try:
            head, payload, signature = assertion.split(".")
            header = json.loads(_b64url_decode(head))
            claims = json.loads(_b64url_decode(payload))
            signature = _b64url_decode(signature)
        except (ValueError, TypeError):
            return (
                None,
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe",
            )
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return None, "Invalid JWT: not a JSON object"
        if header.get("alg") != "RS256":
            return None, "Invalid JWT: the algorithm must be RS256"
        with self.lock:
            account = self.service_accounts.get(claims.get("iss"))
        if account is None:
            return None, "Invalid JWT Signature."  # Google's answer to an unknown key
        if header.get("kid") not in (None, account.key_id):
            return None, "Invalid JWT Signature."
        public_key = serialization.load_pem_public_key(account.public_pem.encode("ascii"))
        try:
            public_key.verify(
                signature, f"{head}.{payload}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return None, "Invalid JWT Signature."
        if claims.get("sub") not in (None, account.client_email):
            return None, "Invalid JWT: sub must be the service account (no delegation here)"
        if claims.get("aud") not in (*token_uris, GOOGLE_TOKEN_URI):
            return None, f"Invalid JWT: aud must be {token_uris[-1]} or {GOOGLE_TOKEN_URI}"
        iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            return None, "Invalid JWT: iat and exp are required"
        if exp - iat > MAX_ASSERTION_SECONDS or exp <= iat:
            return None, "Invalid JWT: Token must be a short-lived token (60 minutes)"
        if iat > now + CLOCK_SKEW or exp < now:
            return (
                None,
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe. "
                "Check your iat and exp values in the JWT claim.",
            )
        return claims, None

    def _caller(self, headers):
        """The ServiceAccount of the bearer token (None: none)."""
        authorization = headers.get("Authorization") or ""
        token = authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""
        with self.lock:
            owner, _expires, _scopes = self.tokens.get(token, (None, 0.0, []))
            return self.service_accounts.get(owner)

    def _unauthenticated(self, headers, account):
        """None when the bearer token may call the Merchant API for ``account``."""
        authorization = headers.get("Authorization") or ""
        token = authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""
        with self.lock:
            owner, expires, scopes = self.tokens.get(token, (None, 0.0, []))
            user = self.service_accounts.get(owner)
        if owner is None or time.monotonic() >= expires:
            reply = google_error(
                401,
                "UNAUTHENTICATED",
                UNAUTHENTICATED,
                "ACCESS_TOKEN_EXPIRED" if owner else "CREDENTIALS_MISSING",
            )
            reply.headers["WWW-Authenticate"] = (
                'Bearer realm="https://accounts.google.com/", error="invalid_token"'
            )
            return reply
        if SCOPE_CONTENT not in scopes:
            return google_error(
                403, "PERMISSION_DENIED", INSUFFICIENT_SCOPES, "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
            )
        if account and user.accounts and account not in user.accounts:
            return google_error(
                403,
                "PERMISSION_DENIED",
                f"The caller does not have access to the accounts: [{account}]",
                "PERMISSION_DENIED_ACCOUNTS",
            )
        return None
