"""Amazon SP-API requests: the Login with Amazon access token (an hour; refreshed a
margin before it expires, by one caller at a time, and once more when Amazon answers
403 Unauthorized "expired"), the ``x-amz-access-token`` header (no AWS signature since
2023-10), the usage plans per operation, and SP-API's answers (``{"errors": [{"code",
"message", "details"}]}``; a 429 QuotaExceeded without Retry-After)."""

import json
import time
from urllib.parse import quote, quote_plus, urlencode

from ..backoff import parse_retry_after
from ..errors import PermanentError, RetryableError
from ..tokens import Token
from . import amazon_feeds as feeds
from .base import (
    HEADER_CONTENT_TYPE,
    HEADER_RETRY_AFTER,
    JSON_CONTENT_TYPE,
    REDACTED,
    TOO_MANY_REQUESTS,
    Connector,
)

DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"
HEADER_ACCESS_TOKEN = "x-amz-access-token"
FORBIDDEN = 403
UNAUTHORIZED = "Unauthorized"
# a 429 without Retry-After (SP-API sends none): the endpoint rests one interval, at least
MIN_HOLD_SECONDS = 1.0


class TokenRefused(PermanentError):
    """Login with Amazon refused the credentials: no request can be sent."""


class AmazonApi(Connector):
    """``api_key`` / ``api_secret``: the LWA client id and secret; the settings
    ``refresh_token`` (the seller's), ``token_url`` (empty for Amazon's), ``seller_id``
    and ``marketplace_id`` (core.connectors.amazon.SETTINGS)."""

    fetches_tokens = True

    def __init__(self, config, session=None, limiter=None, tokens=None):
        super().__init__(config, session, limiter, tokens)
        self._access_token = ""

    @property
    def _token_key(self):
        return (self.config.code, "token")

    @property
    def _refresh_token(self):
        return str(self.setting("refresh_token") or "")

    def _redact(self, text):
        """Credentials and tokens out, as they are and form-encoded."""
        text = super()._redact(text)
        for secret in (*self._secrets(), self._access_token):
            if text and secret:
                text = text.replace(secret, REDACTED).replace(quote_plus(secret), REDACTED)
        return text

    def _fetch_token(self):
        """A new access token from Login with Amazon (the refresh token grant)."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token,
            "client_id": self.config.api_key,
            "client_secret": self.config.api_secret,
        }
        response = self._request(
            "POST",
            self.setting("token_url") or DEFAULT_TOKEN_URL,
            body=urlencode(form),
            headers={HEADER_CONTENT_TYPE: FORM_CONTENT_TYPE},
        )
        try:
            self.classify(response)
        except PermanentError as error:
            raise TokenRefused(
                error.message, status=error.status, body=error.body, request=error.request
            ) from None
        try:
            answer = response.json()
            value, seconds = str(answer["access_token"]), float(answer["expires_in"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise PermanentError(self._error_message(response, "no access token")) from None
        return Token(value, time.time() + seconds)

    def _token(self):
        self._access_token = self.tokens.get(self._token_key, self._fetch_token)
        return self._access_token

    def _url(self, path):
        return f"{self.config.endpoint_url.rstrip('/')}{path}"

    def _call(self, method, path, endpoint=None, params=None, payload=None):
        """One SP-API request within ``endpoint``'s limit; an expired token is refreshed
        and the request sent again, once; a 429 rests the endpoint and raises."""
        body = json.dumps(payload).encode("utf-8") if payload is not None else None
        for attempt in range(2):
            if endpoint:
                self.wait_turn(endpoint)
            token = self._token()
            headers = {HEADER_ACCESS_TOKEN: token, "Accept": JSON_CONTENT_TYPE}
            if body is not None:
                headers[HEADER_CONTENT_TYPE] = JSON_CONTENT_TYPE
            response = self._request(
                method, self._url(path), body=body, headers=headers, params=params
            )
            if attempt == 0 and expired(response):
                self.tokens.forget(self._token_key, token)
                continue
            break
        if response.status_code == TOO_MANY_REQUESTS:
            self._throttled(response, endpoint)
        self.classify(response)
        return response

    def _throttled(self, response, endpoint):
        limit = self.limits.get(endpoint)
        seconds = parse_retry_after(response.headers.get(HEADER_RETRY_AFTER)) or max(
            limit.interval if limit else 0.0, MIN_HOLD_SECONDS
        )
        self.hold_endpoint(endpoint, seconds)
        raise RetryableError(
            self._error_message(response, f"QuotaExceeded ({endpoint})"),
            seconds=seconds,
            throttled=True,
            **self._error_fields(response),
        )

    def _listing_path(self, sku=None):
        """The listings of the seller, or one of them (SKUs URL-encoded)."""
        seller = quote(self.setting("seller_id"), safe="")
        path = f"{feeds.API_LISTINGS}/{seller}"
        return f"{path}/{quote(sku, safe='')}" if sku is not None else path

    def _listing(self, sku, included):
        """(response, listing) of getListingsItem with ``included`` data."""
        params = {"marketplaceIds": self.setting("marketplace_id"), "includedData": included}
        response = self._call("GET", self._listing_path(sku), "listing_reads", params)
        return response, self._json(response)


def expired(response):
    """403 Unauthorized: the access token expired, or Amazon no longer knows it (revoked,
    or issued before a restore): a new one is fetched, once; refused again, it is an
    error (the app's roles)."""
    if response.status_code != FORBIDDEN:
        return False
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any(isinstance(error, dict) and error.get("code") == UNAUTHORIZED for error in errors)
