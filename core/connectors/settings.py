"""The settings a connector declares: what a channel of its marketplace says besides the
endpoint, the credentials and the transport (a seller id, where tokens are asked for, a
switch), each with its label, help, type, default, whether it is required or secret and
whether changing it moves what is published. Odoo stores one text per setting and
channel; the connector reads the typed values from its ChannelConfig's ``settings``."""

from dataclasses import dataclass

TEXT = "text"
INT = "int"
BOOL = "bool"
# an address the connector sends to: refused in clear text as the endpoint is
URL = "url"
KINDS = (TEXT, INT, BOOL, URL)
TRUE, FALSE = "1", "0"
TRUE_TEXTS = frozenset({"1", "true", "yes", "on"})
# the secret that signs the channel's webhooks, when it is not the API secret
WEBHOOK_SECRET = "webhook_secret"


@dataclass(frozen=True)
class Setting:
    """One setting of a connector's channels. ``default``: the value of an empty one
    (None: no value); ``republish``: changing it can change what the channel holds, so
    every quantity is pushed again."""

    name: str
    label: str
    help: str = ""
    kind: str = TEXT
    default: object = None
    required: bool = False
    secret: bool = False
    republish: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"setting {self.name!r}: unknown kind {self.kind!r}")
        if not self.name.isidentifier():
            raise ValueError(f"setting {self.name!r}: a name is an identifier")

    def parse(self, raw):
        """The typed value of the stored text ``raw`` (empty: the default); ValueError
        when an integer setting holds no integer."""
        text = "" if raw is None or raw is False else str(raw).strip()
        if self.kind == BOOL:
            return text.lower() in TRUE_TEXTS if text else bool(self.default)
        if not text:
            if self.default is not None:
                return self.default
            return None if self.kind == INT else ""
        return int(text) if self.kind == INT else text

    def store(self, value):
        """The text stored for the typed ``value`` (None: empty)."""
        if self.kind == BOOL:
            return TRUE if value else FALSE
        if value is None or value is False:
            return ""
        if self.kind == INT and not isinstance(value, str):
            return str(int(value))
        return str(value).strip()  # a text that is no integer: problem() says so

    def initial(self):
        """The text a new channel starts with: its default's."""
        return "" if self.default is None else self.store(self.default)

    def problem(self, raw):
        """Why the stored text ``raw`` is no value of this setting, or None."""
        try:
            self.parse(raw)
        except ValueError:
            return f"{self.label}: {raw!r} is not a whole number"
        return None

    def is_empty(self, value):
        """Whether the typed ``value`` leaves a required setting unset."""
        return self.kind != BOOL and value in (None, "")


def declared(settings, name):
    """The Setting named ``name`` of the declarations ``settings``, or None."""
    return next((setting for setting in settings if setting.name == name), None)


def resolve(settings, stored):
    """{name: typed value} of every declared setting, from ``stored`` {name: text}
    (a setting not stored: its default; stored names nobody declares: left out)."""
    return {setting.name: setting.parse(stored.get(setting.name)) for setting in settings}


def missing(settings, values):
    """The labels of the required ``settings`` that ``values`` {name: typed} leaves
    empty."""
    return [
        setting.label
        for setting in settings
        if setting.required and setting.is_empty(values.get(setting.name))
    ]


def token_url(default_url):
    """The setting of where a marketplace's access tokens are asked for."""
    return Setting(
        "token_url",
        "Token URL",
        help=f"Where access tokens are asked for (empty: {default_url}).",
        kind=URL,
    )


def confirm_timeout(minutes):
    """The setting of how long a push waits for a marketplace's verdict."""
    return Setting(
        "confirm_timeout_minutes",
        "Verdict Timeout (min)",
        help=f"A push without a verdict after this many minutes is sent again (empty: {minutes}).",
        kind=INT,
    )


def webhook_secret(help_text):
    """The setting of the secret the channel's webhooks are signed with."""
    return Setting(WEBHOOK_SECRET, "Webhook Secret", help=help_text, secret=True)
