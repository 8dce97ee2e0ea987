"""The key a command uses: found by precedence, checked offline, or asked for."""

from __future__ import annotations

from wizard import project
from wizard.constants import KEY_VAR, KEYS_URL
from wizard.errors import ExitCode, WizardError
from wizard.flow import consent
from wizard.flow.fixline import again
from wizard.flow.key_store import keyring_key
from wizard.flow.session import Context
from wizard.keys import ApiKey, KeyDiscovery, check_form, discover, normalise
from wizard.keystore import KeyringProblem
from wizard.vocab import Code, KeySource


def stdin_key(ctx: Context) -> str | None:
    """The key piped in with --api-key-stdin (read once), or None without the flag."""
    if not ctx.options.api.api_key_stdin:
        return None
    value = ctx.read_stdin()
    if not value.strip():
        raise WizardError(
            "--api-key-stdin was given but standard input was empty.",
            fix=f"Pipe the key in: `printenv ANTHROPIC_API_KEY | {again(ctx, '--api-key-stdin')}`.",
            code=ExitCode.KEY,
            diagnosis=Code.KEY_MISSING,
        )
    return value


def key_discovery(ctx: Context, files: project.ProjectFiles) -> KeyDiscovery:
    return _discover(ctx, files, stdin_key(ctx))


def _discover(
    ctx: Context, files: project.ProjectFiles, stdin: str | None, *, keyring: bool = True
) -> KeyDiscovery:
    """Every source by precedence. The keyring is read only when neither stdin nor the
    environment gives a key (a locked keyring may ask to be unlocked: never for nothing), and
    not at all without `keyring` (after it failed: the other sources are still told)."""
    given = stdin is not None or bool(normalise(ctx.environ.get(KEY_VAR) or ""))
    return discover(
        stdin=stdin,
        environ=ctx.environ,
        keyring=None if given or not keyring else keyring_key(ctx, files),
        env_file=files.env_values,
        config_api_key=files.config.api_key,
    )


def tolerant_discovery(
    ctx: Context, files: project.ProjectFiles
) -> tuple[KeyDiscovery, KeyringProblem | None]:
    """For the views that report rather than use the key (status, doctor): what is found, and
    the keyring's problem (its sentence and its fix) instead of an error."""
    try:
        return key_discovery(ctx, files), None
    except KeyringProblem as exc:
        return _discover(ctx, files, None, keyring=False), exc


def key_error(problem_code: Code, message: str, next_step: str) -> WizardError:
    return WizardError(message, fix=next_step, code=ExitCode.KEY, diagnosis=problem_code)


def no_key(files: str) -> WizardError:
    """No key anywhere: where it was looked for, and how to give one."""
    return key_error(
        Code.KEY_MISSING,
        f"No API key found (stdin, ANTHROPIC_API_KEY, {files}).",
        "Set ANTHROPIC_API_KEY, pipe the key in with --api-key-stdin, or keep it in the OS "
        f"keyring with `flux-setup key set`. Keys: {KEYS_URL}",
    )


def checked(key: ApiKey) -> ApiKey:
    """The key, if its form is right; else the KEY error that says what is wrong with it."""
    problem = check_form(key.reveal())
    if problem is not None:
        raise key_error(
            problem.code,
            f"The key {key.fingerprint} from {key.source.label}: {problem.message}",
            problem.next_step + (f" {problem.url}" if problem.url else ""),
        )
    return key


def found_key(
    ctx: Context, files: project.ProjectFiles, stdin: str | None
) -> tuple[ApiKey | None, str | None]:
    """The key by precedence without asking (None when there is none), its form checked; and
    the sentence that says where a different key is also found."""
    found = _discover(ctx, files, stdin)
    return (checked(found.key) if found.key else None), found.describe_conflict()


def obtain_key(ctx: Context, files: project.ProjectFiles, *, allow_prompt: bool) -> ApiKey:
    """The key by precedence, checked offline; a masked prompt when none is found and we may ask."""
    found = key_discovery(ctx, files)
    conflict = found.describe_conflict()
    if conflict:
        ctx.ui.warn(conflict)
    key = found.key
    if key is None:
        if not (allow_prompt and ctx.prompter.interactive):
            raise no_key("the .env file, the config")
        ctx.warm_up(0.3)  # import while the person pastes, after the prompt has drawn
        return _ask(ctx)
    checked(key)
    ctx.warm_up(0.0)
    if allow_prompt and _may_offer_another(ctx):
        return _keep_or_replace(ctx, key)
    ctx.ui.say(f"Using the key {key.fingerprint} from {key.source.label}.")
    return key


def _may_offer_another(ctx: Context) -> bool:
    """`run` in a terminal, not told to go ahead: a found key may be kept or replaced."""
    o = ctx.options
    return consent.may_ask(ctx) and o.command == "run" and not o.api.api_key_stdin


def _paste(ctx: Context, question: str) -> tuple[str, ApiKey | None]:
    """One answer to a key question: what was typed (normalised), and the key when its form
    is right (said by fingerprint); a wrong form is said with its fix."""
    value = normalise(ctx.prompter.secret(question, flag="--api-key-stdin"))
    if not value:
        return value, None
    problem = check_form(value)
    if problem is None:
        key = ApiKey(value, KeySource.PROMPT)
        ctx.ui.say(f"Using the key {key.fingerprint} (pasted).")
        return value, key
    ctx.ui.warn(f"{problem.message} {problem.next_step}")
    return value, None


def _keep_or_replace(ctx: Context, key: ApiKey) -> ApiKey:
    """Like `aws configure`: the key found is shown by fingerprint; Enter keeps it."""
    question = (
        f"API key [{key.fingerprint} from {key.source.label}] (Enter keeps it, or paste another):"
    )
    for _ in range(3):
        value, pasted = _paste(ctx, question)
        if pasted is not None:
            return pasted
        if not value:
            break
    ctx.ui.say(f"Using the key {key.fingerprint} from {key.source.label}.")
    return key


def _ask(ctx: Context, attempts: int = 3) -> ApiKey:
    question = f"Paste your Anthropic API key (create one at {KEYS_URL}):"
    for _ in range(attempts):
        value, pasted = _paste(ctx, question)
        if pasted is not None:
            return pasted
        if not value:
            ctx.ui.warn(
                "Nothing was pasted (the key is not shown as it is typed or pasted); Ctrl-C stops."
            )
    problem = check_form(value)
    assert problem is not None  # the last answer was refused
    raise key_error(problem.code, problem.message, problem.next_step)
