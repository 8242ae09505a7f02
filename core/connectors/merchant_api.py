"""Google Merchant API v1 requests: the service account's access token (google-auth
exchanges the key's signed assertion at the key's ``token_uri`` for a token of the
``content`` scope, an hour; kept and shared as the other connectors' tokens, refreshed a
margin before it expires and once more when Google answers 401), the ``Authorization:
Bearer`` header, the limits, and Google's error answers in words."""

import json
from datetime import UTC

from google.auth import exceptions as auth_errors
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account

from ..backoff import parse_retry_after
from ..errors import PermanentError, RetryableError
from ..ratelimit import per_window
from ..tokens import Token
from . import merchant_wire as wire
from .base import (
    HEADER_CONTENT_TYPE,
    HEADER_RETRY_AFTER,
    JSON_CONTENT_TYPE,
    REDACTED,
    TOO_MANY_REQUESTS,
    Connector,
    untrusted_certificate,
)

SCOPE = "https://www.googleapis.com/auth/content"
UNAUTHORIZED = 401
# Google's per-minute quotas (quota/request_rate_too_high): a 429 without Retry-After
# rests the endpoint for the rest of the minute
QUOTA_MINUTE = 60.0
DEFAULT_REQUESTS_PER_MINUTE = 60
KEY_FIELDS = ("client_email", "private_key", "token_uri")
# Google: "try calling the API again in 5 minutes" once the project is registered
REGISTRATION_WAIT = 300.0


class KeyRefused(PermanentError):
    """The service account key is unusable, or Google's token endpoint refuses it: no
    request can be sent."""


class NotRegistered(RetryableError):
    """The service account's Google Cloud project is not registered with the Merchant
    Center account (a one-time registerGcp): every call is refused 401 until it is, and
    Google asks to call again 5 minutes after registering."""


class _AuthRequest(AuthRequest):
    """google-auth's transport on the connector's session, with the channel's timeouts."""

    def __init__(self, session, timeout):
        super().__init__(session=session)
        self._timeout = timeout

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        return super().__call__(url, method, body, headers, timeout=self._timeout, **kwargs)


class MerchantApi(Connector):
    """``endpoint_url``: https://merchantapi.googleapis.com; the settings
    ``service_account_key`` (the JSON key, secret), ``account_id`` and the others of
    core.connectors.merchant.SETTINGS. Neither the API Key nor the API Secret is used."""

    fetches_tokens = True

    def __init__(self, config, session=None, limiter=None, tokens=None):
        super().__init__(config, session, limiter, tokens)
        self._access_token = ""

    # -- limits -------------------------------------------------------------------

    @property
    def limits(self):
        """Each sub-API's calls within the channel's Requests per Minute (its quota's
        quotaMinuteLimit, Merchant Center's quotas.list: Google adjusts them per account)."""
        per_minute = self.setting("requests_per_minute") or DEFAULT_REQUESTS_PER_MINUTE
        limit = per_window(max(int(per_minute), 1), QUOTA_MINUTE)
        return dict.fromkeys(("product_inputs", "local_inventories", "products", "accounts"), limit)

    # -- the key and its token ----------------------------------------------------------

    def _key_info(self):
        """The service account key, read; KeyRefused says what is wrong with it."""
        text = str(self.setting("service_account_key") or "").strip()
        try:
            info = json.loads(text)
        except ValueError:
            info = None
        if not isinstance(info, dict):
            raise KeyRefused(
                f"{self.label}: the Service Account Key is not a JSON key: paste the whole "
                "file Google Cloud gave (IAM > Service accounts > Keys > Add key > JSON)."
            )
        missing = [name for name in KEY_FIELDS if not info.get(name)]
        if info.get("type") != "service_account" or missing:
            raise KeyRefused(
                f"{self.label}: the Service Account Key is no service account key"
                + (f" (no {', '.join(missing)})" if missing else "")
                + ": create a JSON key of a service account in Google Cloud."
            )
        refusal = wire.token_uri_refusal(info["token_uri"])
        if refusal:
            raise KeyRefused(f"{self.label}: {refusal}")
        return info

    @property
    def _token_key(self):
        """The channel's token of this key (its service account and key id): a new key
        pasted on the channel is not given the old key's token."""
        info = self._key_info()
        return (self.config.code, "token", info["client_email"], info.get("private_key_id", ""))

    def _secrets(self):
        secrets = super()._secrets()
        try:
            info = json.loads(str(self.setting("service_account_key") or ""))
        except ValueError:
            info = None
        if isinstance(info, dict):
            secrets += [str(info.get("private_key") or ""), str(info.get("private_key_id") or "")]
        return [*secrets, self._access_token]

    def _redact(self, text):
        text = super()._redact(text)
        for secret in self._secrets():
            if text and secret:
                text = text.replace(secret, REDACTED)
        return text

    def _fetch_token(self):
        """A new access token: the key's signed assertion exchanged by google-auth at the
        key's token_uri (refused in clear text as the endpoint is)."""
        info = self._key_info()
        refusal = self.clear_text_refusal(info["token_uri"])
        if refusal:
            raise KeyRefused(refusal)
        try:
            credentials = service_account.Credentials.from_service_account_info(
                info, scopes=[SCOPE]
            )
        except (ValueError, KeyError, TypeError):
            raise KeyRefused(
                f"{self.label}: the Service Account Key's private key cannot be read: "
                "create a new JSON key and paste it."
            ) from None
        try:
            credentials.refresh(_AuthRequest(self.session, self.timeout))
        except auth_errors.RefreshError as error:
            text = self._redact(str(error))[:300]
            if getattr(error, "retryable", False):
                raise RetryableError(f"{self.label}: the token endpoint failed: {text}") from None
            raise KeyRefused(
                f"{self.label}: Google refuses the service account key ({text}): create a "
                "new key, or enable the service account again."
            ) from None
        except auth_errors.TransportError as error:
            certificate = untrusted_certificate(info["token_uri"], error)
            if certificate:
                raise RetryableError(
                    self._redact(f"{self.label}: the token endpoint: {certificate}")
                ) from None
            raise RetryableError(
                self._redact(f"{self.label}: the token endpoint cannot be reached ({error})"),
                unreachable=True,
            ) from None
        except (TypeError, ValueError):  # not an RSA key (EC, Ed25519): cannot sign
            raise KeyRefused(
                f"{self.label}: the Service Account Key's private key cannot be used (Google "
                "signs with RSA keys): create a new JSON key and paste it."
            ) from None
        expiry = credentials.expiry
        expires_at = expiry.replace(tzinfo=UTC).timestamp() if expiry else 0.0
        return Token(str(credentials.token or ""), expires_at)

    def _token(self):
        self._access_token = self.tokens.get(self._token_key, self._fetch_token)
        return self._access_token

    # -- requests -----------------------------------------------------------------------

    def _url(self, path):
        return f"{self.config.endpoint_url.rstrip('/')}/{path.lstrip('/')}"

    def _call(self, method, path, endpoint, params=None, payload=None):
        """One request within ``endpoint``'s limit with a valid token (fetched again
        once when Google answers 401); a 429 rests the endpoint and raises; an error
        answer says Google's status, reason and message."""
        body = json.dumps(payload).encode("utf-8") if payload is not None else None
        for attempt in range(2):
            self.wait_turn(endpoint)
            token = self._token()
            headers = {"Authorization": f"Bearer {token}", "Accept": JSON_CONTENT_TYPE}
            if body is not None:
                headers[HEADER_CONTENT_TYPE] = JSON_CONTENT_TYPE
            response = self._request(
                method, self._url(path), body=body, headers=headers, params=params
            )
            if attempt == 0 and response.status_code == UNAUTHORIZED:
                self.tokens.forget(self._token_key, token)
                continue
            break
        if response.status_code == TOO_MANY_REQUESTS:
            self._throttled(response, endpoint)
        if response.status_code == UNAUTHORIZED and wire.not_registered(response.text):
            raise NotRegistered(
                self._google_message(response),
                seconds=REGISTRATION_WAIT,
                **self._error_fields(response),
            )
        self._classify_google(response)
        return response

    def _throttled(self, response, endpoint):
        seconds = parse_retry_after(response.headers.get(HEADER_RETRY_AFTER)) or QUOTA_MINUTE
        self.hold_endpoint(endpoint, seconds)
        raise RetryableError(
            self._google_message(response),
            seconds=seconds,
            throttled=True,
            window=endpoint,
            **self._error_fields(response),
        )

    def _google_message(self, response):
        words = wire.error_words(response.text, response.text[:200])
        return self._redact(
            f"{self.code}: HTTP {response.status_code} from {response.request.method} "
            f"{response.url}: {words}"
        )

    def _classify_google(self, response):
        """classify(), its message Google's status, reason and words."""
        try:
            self.classify(response)
        except (RetryableError, PermanentError) as error:
            error.args = (self._google_message(response),)
            error.message = error.args[0]
            raise
