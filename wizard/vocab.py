"""The domain's words as types: lifecycles, statuses, key sources, failure kinds, diagnosis codes.

Each is a `str` enum, so the JSON and the text stay the plain words; a typo in a comparison is a
mypy error instead of a silent `False`. `tests/test_vocab.py` holds the JSON schema's enum lists
equal to these.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Named exit codes: the contract's table, in one place (`--help` prints it from here)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    KEY = 3
    ACCOUNT = 4
    NETWORK = 5
    FILES = 6
    UPGRADE_AVAILABLE = 10
    DEPRECATED = 11
    UNAVAILABLE = 12
    CANCELLED = 130

    @property
    def meaning(self) -> str:
        return self.name.lower().replace("_", " ")

    @property
    def is_verdict(self) -> bool:
        """10, 11, 12: `check`'s verdicts on the configured model (a change is due), as against
        an error that kept the check from judging it."""
        return self in (ExitCode.UPGRADE_AVAILABLE, ExitCode.DEPRECATED, ExitCode.UNAVAILABLE)


class Word(enum.StrEnum):
    """A `str` that prints as its value (in an f-string too): every word of the vocabulary."""


class Lifecycle(Word):
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class Status(Word):
    """What the configured model is for this key."""

    CALLABLE = "callable"
    DEPRECATED = "deprecated"
    RETIRED = "retired"
    UNKNOWN_MODEL = "unknown_model"
    NOT_CALLABLE = "not_callable"
    UNVERIFIED = "unverified"
    UNSET = "unset"

    @property
    def unusable(self) -> bool:
        """Flux cannot run on it: `check` exits 12."""
        return self in (Status.RETIRED, Status.UNKNOWN_MODEL, Status.NOT_CALLABLE, Status.UNSET)

    @property
    def fallback_due(self) -> bool:
        """A configured fallback in this state needs a change (`check` exits 11): Flux would
        fall back to a model that is going, gone, unknown or refused."""
        return self in (
            Status.DEPRECATED,
            Status.RETIRED,
            Status.UNKNOWN_MODEL,
            Status.NOT_CALLABLE,
        )

    @property
    def words(self) -> str:
        return _STATUS_WORDS[self]


# The words each status is said in, wherever a sentence names it (never the JSON's code word).
_STATUS_WORDS = {
    Status.CALLABLE: "callable",
    Status.DEPRECATED: "deprecated",
    Status.RETIRED: "retired",
    Status.UNKNOWN_MODEL: "not a model the API knows",
    Status.NOT_CALLABLE: "refused to this key",
    Status.UNVERIFIED: "not verified",
    Status.UNSET: "not set",
}


class KeySource(Word):
    """Where the key came from; the order of the members is the order of precedence."""

    STDIN = "stdin"
    ENV = "env"
    KEYRING = "keyring"  # the OS keyring entry the project's .env names (never the key)
    ENV_FILE = "env_file"
    CONFIG = "config"
    PROMPT = "prompt"

    @property
    def label(self) -> str:
        return _KEY_SOURCE_LABELS[self]

    @property
    def typed(self) -> bool:
        """Given by hand this run (not read from a place Flux looks in)."""
        return self in (KeySource.STDIN, KeySource.PROMPT)

    @property
    def stored(self) -> KeyStored:
        """Where a key found here is kept (the JSON's `key.stored`)."""
        return KeyStored(_STORED_AS.get(self, self.value))


class KeyStored(Word):
    """Where the key is kept after the command (`key.stored`): a run that saves a pasted key
    says where it saved it; a key kept nowhere says how it was given."""

    KEYRING = "keyring"
    ENV_FILE = "env_file"
    ENVIRONMENT = "environment"
    STDIN = "stdin"
    PROMPT = "prompt"
    CONFIG = "config"  # the legacy api_key of a schema-1 config (a migration moves it)

    @property
    def words(self) -> str:
        return {
            "keyring": "the OS keyring",
            "env_file": ".env (plaintext)",
            "environment": "the environment",
            "stdin": "no file (stdin)",
            "prompt": "no file (the prompt)",
            "config": "the Flux config (plaintext)",
        }[self.value]

    @property
    def plaintext(self) -> bool:
        """Kept in a file in the clear: `status` and `doctor` warn, with `key move` as fix."""
        return self in (KeyStored.ENV_FILE, KeyStored.CONFIG)


_STORED_AS = {"env": "environment"}

_KEY_SOURCE_LABELS = {
    KeySource.STDIN: "standard input (--api-key-stdin)",
    KeySource.ENV: "the ANTHROPIC_API_KEY environment variable",
    KeySource.KEYRING: "the OS keyring",
    KeySource.ENV_FILE: "ANTHROPIC_API_KEY in the .env file",
    KeySource.CONFIG: "api_key in the Flux config (legacy)",
    KeySource.PROMPT: "the prompt",
}


class KeyKind(Word):
    API_KEY = "api_key"
    ADMIN_KEY = "admin_key"
    OAUTH_TOKEN = "oauth_token"
    UNKNOWN_ANTHROPIC = "unknown_anthropic"
    OTHER_VENDOR = "other_vendor"
    UNKNOWN = "unknown"


class ModelSource(Word):
    """Where Flux reads its model from; the order of the members is Flux's precedence."""

    ENVIRONMENT = "environment"
    ENV_FILE = "env_file"
    CONFIG = "config"

    @property
    def label(self) -> str:
        return {
            ModelSource.ENVIRONMENT: "FLUX_MODEL in the environment",
            ModelSource.ENV_FILE: "FLUX_MODEL in the .env file",
            ModelSource.CONFIG: "[model].id in the config",
        }[self]


class FailureKind(Word):
    """How an API request failed."""

    STATUS = "status"  # the API answered with an HTTP error
    CONNECTION = "connection"  # lost midway: the request may have reached the API
    REFUSED = "refused"  # never made (connection refused, DNS): cannot have been billed
    TIMEOUT = "timeout"
    MALFORMED = "malformed"  # an answer not shaped like the API's (a portal, a proxy, junk)
    CERTIFICATE = "certificate"  # TLS: a certificate this machine does not trust (a proxy?)


class Action(Word):
    CREATE = "create"
    MODIFY = "modify"
    DELETE = "delete"


class Scope(Word):
    """What a diagnosis is about, and so which views carry it (docs/detection.md, "Scope")."""

    MODEL = "model"  # one model: a project's view carries it only when that model matters there
    PROJECT = "project"  # one project's files (an override, a mismatch, a key in the config)
    KEY = "key"  # the credential: every request with it gets the same answer
    ACCOUNT = "account"  # the organisation or the network: every model is refused alike
    RUN = "run"  # this run only (the network, a cap, the saved catalogue): time or a rerun helps
    # A refusal of one model that becomes the key's when every model tried answers the same (a
    # 403, an unknown refusal): the evidence decides, so `Diagnosis.account_wide` says which.
    MODEL_OR_ACCOUNT = "model_or_account"


class Code(Word):
    """Every diagnosis code the program can emit. `docs/troubleshooting.md` documents each."""

    # the key (exit 3)
    KEY_MISSING = "key_missing"
    KEY_MALFORMED = "key_malformed"
    KEY_WRONG_KIND = "key_wrong_kind"
    KEY_INVALID = "key_invalid"
    KEY_INACTIVE = "key_inactive"
    ORGANIZATION_MISMATCH = "organization_mismatch"
    # the account (exit 4)
    CREDIT_BALANCE_TOO_LOW = "credit_balance_too_low"
    BILLING_ERROR = "billing_error"
    SPEND_LIMIT_REACHED = "spend_limit_reached"
    ORGANIZATION_ON_HOLD = "organization_on_hold"
    REGION_BLOCKED = "region_blocked"
    ORGANIZATION_NOT_SUPPORTED = "organization_not_supported"
    ENCRYPTION_KEY_DISABLED = "encryption_key_disabled"
    PERMISSION_DENIED = "permission_denied"
    REQUEST_REJECTED = "request_rejected"
    # models
    MODEL_RETIRED = "model_retired"
    MODEL_DEPRECATED = "model_deprecated"
    MODEL_CLOSED_TO_NEW_ADOPTERS = "model_closed_to_new_adopters"
    MODEL_NOT_AVAILABLE = "model_not_available"
    MODEL_UNKNOWN = "model_unknown"
    MODEL_SUSPENDED = "model_suspended"
    # transient, or not settled (exit 5)
    NETWORK_ERROR = "network_error"
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    ENCRYPTION_KEY_UNREACHABLE = "encryption_key_unreachable"
    UNEXPECTED_RESPONSE = "unexpected_response"
    LISTING_FAILED = "listing_failed"
    VERIFICATION_INCOMPLETE = "verification_incomplete"
    # check --offline
    CATALOG_MISSING = "catalog_missing"
    CATALOG_STALE = "catalog_stale"
    MODEL_RETIRING = "model_retiring"
    # the files
    ENV_OVERRIDE = "env_override"
    CONFIG_MISMATCH = "config_mismatch"
    CONFIG_MIGRATED = "config_migrated"
    KEY_IN_CONFIG = "key_in_config"
    ENV_NOT_IGNORED = "env_not_ignored"

    @property
    def exit_code(self) -> ExitCode | None:
        """The exit category when this refusal decides a command's fate (None: it does not)."""
        return _EXIT_CODES.get(self)

    @property
    def short(self) -> str:
        """A few words for a table cell, where the full diagnosis does not fit."""
        return _SHORT.get(self, self.value.replace("_", " "))

    @property
    def scope(self) -> Scope:
        """What the code is about: one model, one project, the key, the account, or this run."""
        return _SCOPES[self]

    @property
    def settles_account(self) -> bool:
        """One answer with this code settles it for the whole account: no other model or
        request would escape it."""
        return self.scope in (Scope.KEY, Scope.ACCOUNT)

    @property
    def transient(self) -> bool:
        """Time may change the answer (the network, a rate limit, an overload): it never makes
        a model "not callable" and never stops the walk for the account."""
        return self in _TRANSIENT

    @property
    def refuses_model(self) -> bool:
        """A lasting refusal of one model: it makes the model `callable: false`."""
        return self in _MODEL_REFUSALS


_SHORT = {
    Code.MODEL_NOT_AVAILABLE: "refused",
    Code.MODEL_CLOSED_TO_NEW_ADOPTERS: "closed to you",
    Code.MODEL_UNKNOWN: "unknown model",
    Code.PERMISSION_DENIED: "workspace forbids",
    Code.REQUEST_REJECTED: "refused (why unknown)",
    Code.UNEXPECTED_RESPONSE: "odd answer",
    Code.NETWORK_ERROR: "no answer",
}
_KEY = (
    Code.KEY_MISSING,
    Code.KEY_MALFORMED,
    Code.KEY_WRONG_KIND,
    Code.KEY_INVALID,
    Code.KEY_INACTIVE,
    Code.ORGANIZATION_MISMATCH,
)
_ACCOUNT_WIDE = frozenset(
    (
        Code.CREDIT_BALANCE_TOO_LOW,
        Code.BILLING_ERROR,
        Code.SPEND_LIMIT_REACHED,
        Code.ORGANIZATION_ON_HOLD,
        Code.REGION_BLOCKED,
        Code.ORGANIZATION_NOT_SUPPORTED,
        Code.ENCRYPTION_KEY_DISABLED,
    )
)
# Account-wide only when the evidence says so (they repeat for every model tried and no call
# succeeded); until then they belong to one model.
_SCOPED = (Code.PERMISSION_DENIED, Code.REQUEST_REJECTED)
_TRANSIENT = frozenset(
    (
        Code.NETWORK_ERROR,
        Code.RATE_LIMITED,
        Code.OVERLOADED,
        Code.SERVER_ERROR,
        Code.ENCRYPTION_KEY_UNREACHABLE,
    )
)
_NETWORK = (*_TRANSIENT, Code.UNEXPECTED_RESPONSE)
_MODEL_REFUSALS = frozenset(
    (
        Code.MODEL_RETIRED,
        Code.MODEL_CLOSED_TO_NEW_ADOPTERS,
        Code.MODEL_NOT_AVAILABLE,
        Code.MODEL_UNKNOWN,
        Code.MODEL_SUSPENDED,
        Code.PERMISSION_DENIED,
    )
)
_PROJECT = (
    Code.ENV_OVERRIDE,
    Code.CONFIG_MISMATCH,
    Code.CONFIG_MIGRATED,
    Code.KEY_IN_CONFIG,
    Code.ENV_NOT_IGNORED,
)
_MODEL = (*(_MODEL_REFUSALS - {Code.PERMISSION_DENIED}), Code.MODEL_DEPRECATED, Code.MODEL_RETIRING)
_SCOPES = {
    **{code: Scope.RUN for code in Code},
    **{code: Scope.KEY for code in _KEY},
    **{code: Scope.ACCOUNT for code in _ACCOUNT_WIDE},
    **{code: Scope.MODEL_OR_ACCOUNT for code in _SCOPED},
    **{code: Scope.MODEL for code in _MODEL},
    **{code: Scope.PROJECT for code in _PROJECT},
}
_EXIT_CODES = {
    **{code: ExitCode.KEY for code in _KEY},
    **{code: ExitCode.ACCOUNT for code in (*_ACCOUNT_WIDE, *_SCOPED)},
    **{code: ExitCode.NETWORK for code in _NETWORK},
}
