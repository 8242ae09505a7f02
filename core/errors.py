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
    letter; ``window``: the name of the limited endpoint, when known. ``unreachable``: no
    connection could be made (refused, no route, name not resolved, connect timeout): the
    channel is paused as a whole, never this push."""

    retryable = True

    def __init__(
        self,
        message="",
        *,
        seconds=None,
        throttled=False,
        window=None,
        unreachable=False,
        **kwargs,
    ):
        super().__init__(message, **kwargs)
        self.seconds = seconds
        self.throttled = throttled
        self.window = window
        self.unreachable = unreachable


class WindowWait(Exception):
    """Work that waits for a channel's documented window (a rate limit): it goes on
    after ``seconds``; ``window`` names the limited endpoint."""

    def __init__(self, seconds, window=None):
        super().__init__(f"waiting {seconds:.0f} s for the {window or 'rate'} window")
        self.seconds = seconds
        self.window = window


# a throttle that names no wait: the window is tried again after this long
DEFAULT_WINDOW_SECONDS = 60.0


def window_wait(error):
    """The WindowWait of a SyncError that only asks to wait for the channel's window (a
    throttled RetryableError: the limiter's wait, or a 429's Retry-After), else None."""
    if not (getattr(error, "retryable", False) and getattr(error, "throttled", False)):
        return None
    seconds = error.seconds if error.seconds is not None else DEFAULT_WINDOW_SECONDS
    return WindowWait(max(float(seconds), 1.0), error.window)


class PermanentError(SyncError):
    """Sending the same request again will fail again."""
