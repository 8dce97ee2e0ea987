"""The admin key a command may use for the Admin API: from --admin-key-stdin, the
ANTHROPIC_ADMIN_KEY variable, or (for `limits` in a terminal) a masked prompt; checked offline.
It lives in memory only: nothing writes it to a file or the state, and it is shown by
fingerprint alone."""

from __future__ import annotations

from wizard.constants import ADMIN_KEY_VAR, ADMIN_KEYS_URL, KEYRING_SERVICE
from wizard.detection import Detection
from wizard.errors import ExitCode, WizardError
from wizard.flow.fixline import again
from wizard.flow.session import Context
from wizard.keys import ApiKey, check_admin_form, normalise
from wizard.limits.findings import Limits
from wizard.vocab import Code, KeySource
from wizard.words import after_colon

LABELS = {
    KeySource.STDIN: "standard input (--admin-key-stdin)",
    KeySource.ENV: f"the {ADMIN_KEY_VAR} environment variable",
    KeySource.KEYRING: f"the OS keyring ({KEYRING_SERVICE}/{ADMIN_KEY_VAR})",
    KeySource.PROMPT: "the prompt",
}


def label(key: ApiKey) -> str:
    return LABELS.get(key.source, str(key.source))


def refused_admin(key: ApiKey) -> WizardError | None:
    problem = check_admin_form(key.reveal())
    if problem is None:
        return None
    return WizardError(
        # "the admin key" only when it is one: an API key given as the admin key is said so
        after_colon(
            f"The key {key.fingerprint} given as the admin key ({label(key)})", problem.message
        ),
        fix=problem.next_step + (f" {problem.url}" if problem.url else ""),
        code=ExitCode.KEY,
        diagnosis=problem.code,
    )


def given_admin_key(ctx: Context, stdin: str | None = None) -> ApiKey | None:
    """The admin key given without asking (stdin wins over the variable), its form checked;
    None when there is none. `stdin`: what --admin-key-stdin piped in, read by the caller."""
    o = ctx.options
    if o.api.admin_key_stdin:
        raw = stdin if stdin is not None else ctx.read_stdin()
        key = ApiKey(normalise(raw), KeySource.STDIN)
        if not key.reveal():
            raise WizardError(
                "--admin-key-stdin was given but standard input was empty.",
                fix=f"Pipe the admin key in: `printenv {ADMIN_KEY_VAR} | "
                f"{again(ctx, '--admin-key-stdin')}`.",
                code=ExitCode.KEY,
                diagnosis=Code.KEY_MISSING,
            )
    elif normalise(ctx.environ.get(ADMIN_KEY_VAR, "")):
        key = ApiKey(normalise(ctx.environ[ADMIN_KEY_VAR]), KeySource.ENV)
    else:
        return None
    refused = refused_admin(key)
    if refused is not None:
        raise refused
    return key


def kept_admin_key(ctx: Context) -> ApiKey | None:
    """The admin key `key set --admin` kept in the OS keyring, when there is a keyring and it
    holds one (a keyring that cannot answer is said, and the other ways remain)."""
    from wizard.keystore import ADMIN_ENTRY, KeyringProblem

    ring = ctx.keystore()
    if ring.turned_off:
        return None
    try:
        value = ring.read(ADMIN_ENTRY) if ring.unavailable() is None else None
    except KeyringProblem as exc:
        ctx.ui.warn(exc.message)
        return None
    if not value:
        return None
    key = ApiKey(normalise(value), KeySource.KEYRING)
    refused = refused_admin(key)
    if refused is not None:
        raise refused
    return key


def obtain_admin_key(ctx: Context) -> ApiKey:
    """The admin key for `limits`: given, kept in the keyring, or asked for (masked) in a
    terminal; else KEY."""
    key = given_admin_key(ctx) or kept_admin_key(ctx)
    if key is not None:
        ctx.ui.say(f"Using the admin key {key.fingerprint} from {label(key)}.")
        return key
    if not ctx.prompter.interactive:
        raise WizardError(
            "No admin key found (--admin-key-stdin, ANTHROPIC_ADMIN_KEY, the OS keyring): the "
            "limits are read through the Admin API, which only an admin key may use.",
            fix=f"Set {ADMIN_KEY_VAR}, or pipe it in with --admin-key-stdin (organisation admins "
            f"create admin keys: {ADMIN_KEYS_URL}). Without one, `flux-setup check` shows the "
            "rate limits from the API's answers.",
            code=ExitCode.KEY,
            diagnosis=Code.KEY_MISSING,
        )
    ctx.ui.say(
        f"The limits are read through the Admin API: organisation admins create admin keys "
        f"at {ADMIN_KEYS_URL}. The key is kept in memory only."
    )
    for _ in range(3):
        value = normalise(
            ctx.prompter.secret(
                "Paste an admin key (sk-ant-admin01-...):", flag="--admin-key-stdin"
            )
        )
        pasted = ApiKey(value, KeySource.PROMPT)
        refused = refused_admin(pasted) if value else None
        if value and refused is None:
            ctx.ui.say(f"Using the admin key {pasted.fingerprint} (pasted).")
            return pasted
        ctx.ui.warn(refused.message if refused else "Nothing was pasted; Ctrl-C stops.")
    raise refused or WizardError(
        "No admin key was pasted.",
        fix=f"Set {ADMIN_KEY_VAR} or pipe it in with --admin-key-stdin.",
        code=ExitCode.KEY,
        diagnosis=Code.KEY_MISSING,
    )


def read_given_limits(ctx: Context, key: ApiKey, detection: Detection) -> Limits | None:
    """What the Admin API says, when an admin key is given (never asked for here: `check` and
    `run` read it on the side). A wrong admin key costs the limits, not the command."""
    try:
        admin = given_admin_key(ctx)
    except WizardError as err:
        ctx.ui.warn(f"{err.message} The limits are not read. {err.fix or ''}".strip())
        return None
    if admin is None:
        return None
    ctx.ui.say(
        f"Reading the limits through the Admin API with the admin key {admin.fingerprint} "
        f"from {label(admin)}."
    )
    return read_admin_api(ctx, admin, key, detection)


def read_admin_api(
    ctx: Context, admin: ApiKey, key: ApiKey | None, detection: Detection | None
) -> Limits:
    """The Admin API read with `admin`, for the API key (when there is one) and what its
    detection found: the organisation its answers named, the lines its listing has."""
    from wizard.limits.read import read_limits

    client = ctx.admin_client(admin, key)
    try:
        with ctx.ui.spinner("Reading the Admin API..."):
            return read_limits(
                client,
                key,
                key_organization=detection.organization_id if detection else None,
                models=detection.models if detection else (),
            )
    finally:
        client.close()
