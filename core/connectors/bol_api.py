"""bol.com Retailer API v10, the HTTP side: OAuth2 client credentials (``api_key`` =
client id, ``api_secret`` = secret) at login.bol.com, tokens of about 5 minutes kept and
refreshed by core.tokens, fetched again once when bol refuses one; the media type;
every request within its endpoint's limit; a 429 holding the endpoint for its
Retry-After (or X-RateLimit-Reset)."""

import base64
import json
import time

from ..backoff import parse_retry_after
from ..errors import PermanentError, RetryableError
from ..tokens import Token
from .base import Connector

MEDIA = "application/vnd.retailer.v10+json"
DEFAULT_TOKEN_URL = "https://login.bol.com/token"
HEADER_RATE_RESET = "X-RateLimit-Reset"
EPOCH_THRESHOLD = 10**9  # an X-RateLimit-Reset above this is an epoch time


class BolApi(Connector):
    """``endpoint_url``: https://api.bol.com; the setting ``token_url``: login.bol.com's
    by default."""

    fetches_tokens = True

    def __init__(self, config, session=None, limiter=None, tokens=None):
        super().__init__(config, session, limiter, tokens)
        self._token_value = ""

    # -- HTTP -------------------------------------------------------------------

    def _redact(self, text):
        text = super()._redact(text)
        if text and self._token_value:
            text = text.replace(self._token_value, "***")
        return text

    def _fetch_token(self):
        credentials = f"{self.config.api_key}:{self.config.api_secret}".encode()
        response = self._request(
            "POST",
            self.setting("token_url") or DEFAULT_TOKEN_URL,
            body=b"grant_type=client_credentials",
            headers={
                "Authorization": "Basic " + base64.b64encode(credentials).decode(),
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        self.classify(response)
        try:
            data = response.json()
            return Token(data["access_token"], time.time() + float(data.get("expires_in") or 0))
        except (ValueError, KeyError, TypeError):
            raise PermanentError(self._error_message(response, "no access token")) from None

    def _call(self, method, path, endpoint, payload=None, params=None, accept=MEDIA):
        """One request within ``endpoint``'s limit, with a valid token (fetched again
        once when bol says it expired); a 429 holds the endpoint for its Retry-After."""
        url = self.config.endpoint_url.rstrip("/") + path
        body = json.dumps(payload).encode() if payload is not None else None
        key = (self.config.code, "token")
        for attempt in range(2):
            self.wait_turn(endpoint)
            self._token_value = self.tokens.get(key, self._fetch_token)
            headers = {"Accept": accept, "Authorization": f"Bearer {self._token_value}"}
            if body is not None:
                headers["Content-Type"] = MEDIA
            response = self._request(method, url, body=body, headers=headers, params=params)
            if response.status_code == 401 and attempt == 0:
                self.tokens.forget(key, self._token_value)
                continue
            if response.status_code == 429:
                seconds = self._wait_of(response, endpoint)
                self.hold_endpoint(endpoint, seconds)
                raise RetryableError(
                    self._error_message(response),
                    seconds=seconds,
                    throttled=True,
                    window=endpoint,
                    **self._error_fields(response),
                )
            self.classify(response)
            return response
        raise AssertionError("unreachable")

    def _wait_of(self, response, endpoint):
        """Seconds a 429 asks to wait: Retry-After, else X-RateLimit-Reset (seconds or
        an epoch time), else one interval of the endpoint's limit."""
        seconds = parse_retry_after(response.headers.get("Retry-After"))
        if seconds is None:
            try:
                reset = float(response.headers.get(HEADER_RATE_RESET) or "")
                seconds = reset - time.time() if reset > EPOCH_THRESHOLD else reset
            except ValueError:
                seconds = self.limits[endpoint].interval
        return max(float(seconds), 0.0)

    @staticmethod
    def _json(response):
        try:
            data = response.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
