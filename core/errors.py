"""Sync error hierarchy: a base error, a retryable one carrying ``seconds``, a permanent one."""


class SyncError(Exception):
    """A failed exchange with a channel.

    ``status``: HTTP status (None when no answer came); ``body``: response text;
    ``request``: request body text; ``item_errors``: {sku: message} for the items
    to blame. Messages and texts never contain the channel's credentials.
    """

    retryable = False
    seconds = None

    def __init__(self, message="", *, status=None, body=None, request=None, item_errors=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.request = request
        self.item_errors = dict(item_errors or {})


class RetryableError(SyncError):
    """Sending the same request later may succeed; ``seconds`` is the server's wish or None.
    ``throttled``: the channel's rate limit (a 429, a throttle): waited out, never a dead
    letter. ``unreachable``: no connection could be made (refused, no route, name not
    resolved, connect timeout): the channel is paused as a whole, never this push."""

    retryable = True

    def __init__(self, message="", *, seconds=None, throttled=False, unreachable=False, **kwargs):
        super().__init__(message, **kwargs)
        self.seconds = seconds
        self.throttled = throttled
        self.unreachable = unreachable


class PermanentError(SyncError):
    """Sending the same request again will fail again."""
