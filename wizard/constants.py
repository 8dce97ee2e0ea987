"""Constants the program states in more than one place, each written once: console pages, the
environment variables it reads, its defaults, and the API's words it recognises."""

from __future__ import annotations

from collections.abc import Mapping

# Console pages a next step points at.
KEYS_URL = "https://platform.claude.com/settings/keys"
LIMITS_URL = "https://platform.claude.com/settings/limits"
ADMIN_KEYS_URL = "https://platform.claude.com/settings/admin-keys"
BILLING_URL = "https://platform.claude.com/settings/billing"
USAGE_URL = "https://platform.claude.com/usage"
SUPPORT_URL = "https://support.claude.com"
STATUS_URL = "https://status.claude.com"
OFFICIAL_BASE_URL = "https://api.anthropic.com"

# Environment variables.
KEY_VAR = "ANTHROPIC_API_KEY"  # the key (Flux, the SDK)
MODEL_VAR = "FLUX_MODEL"  # Flux's model: beats .env and the config
BASE_URL_VAR = "ANTHROPIC_BASE_URL"  # the API's base URL (the SDK's name for it)
ADMIN_KEY_VAR = "ANTHROPIC_ADMIN_KEY"  # an admin key, for `limits` (read, never written)
HOME_VAR = "FLUX_SETUP_HOME"  # our state folder, instead of the platform's
KEYRING_VAR = "FLUX_SETUP_KEYRING"  # "0": never touch the OS keyring (CI: keys from secrets)
# In a project's .env: the keyring entry that holds its key (an entry's name, never a key).
KEYRING_ENTRY_VAR = "FLUX_SETUP_KEYRING_ENTRY"
KEYRING_SERVICE = "flux-setup"  # the keyring entries' service: find them by this name
# The clock starts at this ISO time instead of now: a replay judges as of the recording's day.
CLOCK_VAR = "FLUX_SETUP_CLOCK"
# What a run against the simulator must not inherit from the user's shell.
API_VARS = (KEY_VAR, MODEL_VAR, BASE_URL_VAR, ADMIN_KEY_VAR)

# The project's files by name (the defaults of --env-file, --config and --checklist).
ENV_NAME = ".env"  # the model and the key, FLUX_MODEL=...
CONFIG_NAME = "flux.toml"  # Flux's own config
PYPROJECT_NAME = "pyproject.toml"  # the config's other home, [tool.flux]
CHECKLIST_NAME = "flux-upgrade-checklist.md"  # the checklist in the project, by default
# What a project's settings are read from, in the order the config is looked for.
PROJECT_FILE_NAMES = (CONFIG_NAME, PYPROJECT_NAME, ENV_NAME)

# Defaults of options.
DEFAULT_TIMEOUT = 10.0  # seconds per request; the network part ends within 3x this
DEFAULT_MAX_VERIFY = 4  # verification calls that may be billed
DEFAULT_SCENARIO = "today"  # the simulator's catalogue and account
DEFAULT_WARN_DAYS = 30  # check --offline: a retirement this close is a warning
STALE_DAYS = 14  # check --offline: an older saved catalogue may miss deprecations since
SCAN_WORKERS = 4  # check --all: detections (one per key and base URL) run at once

# The API's error code for the monthly spend cap of a usage tier (429).
SPEND_LIMIT_ERROR_CODE = "enforced_spend_limit_reached"


def without_api_vars(environ: Mapping[str, str]) -> dict[str, str]:
    """A copy of `environ` without what points Flux or the SDK at a key, model or API: for runs
    against the simulator (the demo, tests), which must not inherit the user's shell."""
    return {name: value for name, value in environ.items() if name not in API_VARS}


# The header every API answer carries: the organisation the key belongs to (and bills).
ORG_HEADER = "anthropic-organization-id"

# Obviously not a real key: the simulator accepts any well-formed one. Public, so no secret
# (`redaction` does not hold it: its words would cut "flux-demo" out of every path).
DEMO_KEY = "sk-ant-api03-" + "flux-demo-key-not-a-real-secret-" + "0" * 60
