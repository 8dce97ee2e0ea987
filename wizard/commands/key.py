"""`flux-setup key set|move|remove|status`: the key kept in the OS keyring, out of plaintext.

The project's .env keeps only the entry's name (`FLUX_SETUP_KEYRING_ENTRY`); every .env edit is
a change set (preview, confirmation, backup, `undo`). An admin key (`--admin`) lives in the
keyring alone: never in .env, and no pointer is needed (`limits` looks for its entry).
"""

from __future__ import annotations

from wizard import changes, project
from wizard.constants import KEY_VAR
from wizard.errors import Declined, ExitCode, UsageError, WizardError
from wizard.flow import consent
from wizard.flow.key import checked, key_error, stdin_key, tolerant_discovery
from wizard.flow.key_store import entry_for, project_entry, storage
from wizard.flow.session import Context
from wizard.keys import ApiKey, normalise
from wizard.keystore import ADMIN_ENTRY, API_ENTRY, entry_label
from wizard.report import Report
from wizard.vocab import Code, KeySource, KeyStored

_ASKS = "`key` confirms before it changes the .env file"


def key(ctx: Context) -> Report:
    o = ctx.options
    if o.key.admin and o.key.key_action == "move":
        raise UsageError(
            "An admin key is never in .env: there is nothing to move.",
            fix="`flux-setup key set --admin` keeps one in the keyring.",
        )
    action = {"set": key_set, "move": key_move, "remove": key_remove, "status": key_status}
    return action[o.key.key_action](ctx)


def _files(ctx: Context) -> project.ProjectFiles:
    o = ctx.options
    return project.load(o.files.project, o.files.env_file, o.files.config, environ=ctx.environ)


def _entry(ctx: Context, files: project.ProjectFiles) -> str:
    return ADMIN_ENTRY if ctx.options.key.admin else (project_entry(files) or API_ENTRY)


def key_status(ctx: Context) -> Report:
    files = _files(ctx)
    ring = ctx.keystore()
    why = ring.problem()
    problem = why.message if why else None
    backend = None if problem else ring.name()
    report = Report(ctx.options.command)
    kept_fix = None  # (a fix said once, not again under the keyring's line)
    if ctx.options.key.admin:
        value = ring.read(ADMIN_ENTRY) if problem is None else None
        admin = ApiKey(value, KeySource.KEYRING) if value else None
        line = f"the OS keyring ({entry_label(ADMIN_ENTRY)})" if admin else "not in the keyring"
        ctx.ui.say(
            f"Admin key {admin.fingerprint}, kept in {line}" if admin else f"No admin key {line}"
        )
        report.fields["admin_key"] = admin.to_json() if admin else None
        if admin is None:
            report.exit_code = ExitCode.KEY
    else:
        found, trouble = tolerant_discovery(ctx, files)
        kept = storage(found, files, trouble, no_keyring=ring.unavailable(storing=True) is not None)
        # (never "Key: ...": a line shaped like an assignment to a secret name is masked)
        (ctx.ui.warn if kept.warns else ctx.ui.say)(
            f"API key {found.key.fingerprint}, kept in {kept.line}"
            if found.key
            else f"No API key found: {kept.line}"
            if kept.failed
            else "No API key found."
        )
        if kept.fix:
            ctx.ui.say(f"  fix: {kept.fix}")
        kept_fix = kept.fix
        report.fields["key"] = found.key.to_json() if found.key else None
        report.fields["storage"] = kept.to_json()
        if found.key is None:
            report.exit_code = ExitCode.KEY
    ctx.ui.say(f"Keyring: {backend or problem}")
    if why is not None and why.fix != kept_fix:
        ctx.ui.say(f"  fix: {why.fix}")
    report.fields["keyring"] = {
        "backend": backend,
        "problem": problem,
        "entry": entry_label(_entry(ctx, files)),
    }
    return report


def _given(ctx: Context) -> ApiKey:
    """The key to keep: piped in, or typed at a masked prompt; its form checked offline."""
    from wizard.flow.admin_key import given_admin_key, refused_admin

    if ctx.options.key.admin:
        admin = given_admin_key(ctx)
        if admin is None:
            admin = ApiKey(
                _typed(ctx, "Paste the admin key (sk-ant-admin01-...):"), KeySource.PROMPT
            )
            refused = refused_admin(admin)
            if refused is not None:
                raise refused
        return admin
    piped = stdin_key(ctx)
    if piped is not None:
        return checked(ApiKey(normalise(piped), KeySource.STDIN))
    return checked(ApiKey(_typed(ctx, "Paste your Anthropic API key:"), KeySource.PROMPT))


def _typed(ctx: Context, question: str) -> str:
    if not ctx.prompter.interactive:
        flag = "--admin-key-stdin" if ctx.options.key.admin else "--api-key-stdin"
        raise UsageError(
            "No key was given, and there is no terminal to ask on.", fix=f"Pipe it in with {flag}."
        )
    return normalise(ctx.prompter.secret(question, flag="--api-key-stdin"))


def _verify(ctx: Context, given: ApiKey) -> None:
    """One free call that the key is accepted (the models list, or the admin's organisation)."""
    from wizard.diagnosis.rules import from_failure
    from wizard.failures import ApiCallFailed

    ctx.warm_up(0.0)
    try:
        with ctx.ui.spinner("Checking the key with one call..."):
            if ctx.options.key.admin:
                admin_client = ctx.admin_client(given, None)
                try:
                    admin_client.organization()
                finally:
                    admin_client.close()
            else:
                client = ctx.api_client(given)
                try:
                    client.list_models()
                finally:
                    client.close()
    except ApiCallFailed as failed:
        found = from_failure(failed.failure, base_url=ctx.base_url())
        raise WizardError(
            f"The key {given.fingerprint} was not kept: {found.message}",
            fix=found.next_step,
            code=found.code.exit_code or ExitCode.NETWORK,
            diagnosis=found.code,
        ) from None
    ctx.ui.ok(f"The API accepted the key {given.fingerprint}.")


def key_set(ctx: Context) -> Report:
    o = ctx.options
    files = _files(ctx)
    ring = ctx.keystore()
    why = ring.unavailable(storing=True)
    if why is not None:
        raise _no_keyring(why)
    if not o.key.admin and project_entry(files) is None:
        consent.require(ctx, _ASKS)  # .env will name the entry: said before the key is asked
    given = _given(ctx)
    if o.api.verify:
        _verify(ctx, given)
    entry = ADMIN_ENTRY if o.key.admin else entry_for(ctx, files, given)
    # an admin key needs no pointer: the API key's, if any, is left as it is
    plan = changes.Plan(files.project) if o.key.admin else _pointer_plan(files, entry)
    if not plan.empty:
        consent.require(ctx, _ASKS)
    report = Report(o.command, plan=plan)
    if not plan.empty:
        ctx.ui.heading("Changes:")
        ctx.ui.diff(plan.diff())
    if consent.dry_run(ctx):
        return report
    if not plan.empty:
        _confirm(ctx, f"Keep the key in the keyring and name {entry_label(entry)} in .env?")
    ring.write(entry, given.reveal())
    given.stored = KeyStored.KEYRING
    ctx.ui.ok(f"Kept the key {given.fingerprint} in the OS keyring ({entry_label(entry)}).")
    if not plan.empty:
        _apply(ctx, report, plan)
    if not o.key.admin and normalise(files.env_values.get(KEY_VAR) or ""):
        ctx.ui.warn(
            f"{files.env_path.name} still holds a key in plaintext: the keyring's wins. "
            "`flux-setup key move --to keyring` takes it out."
        )
    report.fields["key"] = given.to_json()
    return report


def key_move(ctx: Context) -> Report:
    files = _files(ctx)
    name = files.env_path.name
    raw = normalise(files.env_values.get(KEY_VAR) or "")
    if not raw:
        if project_entry(files):
            ctx.ui.ok(f"{name} holds no key: it names the keyring entry already.")
            return Report(ctx.options.command)
        raise key_error(
            Code.KEY_MISSING,
            f"{name} holds no API key to move.",
            "`flux-setup key set` keeps a key in the keyring.",
        )
    moving = checked(ApiKey(raw, KeySource.ENV_FILE))
    ring = ctx.keystore()
    why = ring.unavailable(storing=True)
    if why is not None:
        raise _no_keyring(why)
    entry = entry_for(ctx, files, moving)
    plan = changes.Plan(files.project)
    project.point_at_keyring(files, entry)
    why = f"the key moved to the keyring ({entry_label(entry)})"
    plan.add(project.env_change(files, why, keyring=(entry, moving.reveal())))
    report = Report(ctx.options.command, plan=plan)
    consent.require(ctx, _ASKS)
    ctx.ui.say(f"Moves the key {moving.fingerprint} from {name} into {entry_label(entry)}.")
    ctx.ui.heading("Changes:")
    ctx.ui.diff(plan.diff())
    if consent.dry_run(ctx):
        return report
    _confirm(ctx, "Move the key into the keyring?")
    ring.write(entry, moving.reveal())
    _apply(ctx, report, plan)
    moving.stored = KeyStored.KEYRING
    report.fields["key"] = moving.to_json()
    return report


def key_remove(ctx: Context) -> Report:
    files = _files(ctx)
    ring = ctx.keystore()
    ring.backend()  # no keyring to remove from: said (exit 3) before anything is asked
    entry = _entry(ctx, files)
    plan = _pointer_plan(files, None) if not ctx.options.key.admin else changes.Plan(files.project)
    report = Report(ctx.options.command, plan=plan)
    consent.require(ctx, "`key remove` confirms before it deletes the keyring entry")
    if not plan.empty:
        ctx.ui.heading("Changes:")
        ctx.ui.diff(plan.diff())
    if consent.dry_run(ctx):
        return report
    # No backup holds the key: undo puts the .env line back, never the entry. So: default No.
    ctx.ui.warn(
        f"Deleting {entry_label(entry)} cannot be undone: `flux-setup undo` restores "
        f"{files.env_path.name} only. `flux-setup key set` keeps a key there again."
    )
    _confirm(ctx, f"Delete {entry_label(entry)} from the OS keyring?", default=False)
    removed = ring.delete(entry)
    ctx.ui.ok(
        f"Deleted {entry_label(entry)} from the keyring."
        if removed
        else f"The keyring has no {entry_label(entry)}."
    )
    if not plan.empty:
        _apply(ctx, report, plan, undone="the .env line, not the keyring entry")
    report.fields["deleted"] = removed
    return report


def _pointer_plan(files: project.ProjectFiles, entry: str | None) -> changes.Plan:
    """The .env naming `entry` (None: naming none), as a plan; empty when it already does."""
    plan = changes.Plan(files.project)
    current = project_entry(files)
    if entry == current:
        return plan
    if entry is None:
        project.drop_keyring_reference(files)
        why = "the keyring entry is no longer named"
    else:
        project.name_keyring_entry(files, entry)
        why = f"the key is in the keyring ({entry_label(entry)})"
    plan.add(project.env_change(files, why))
    return plan


def _confirm(ctx: Context, question: str, *, default: bool = True) -> None:
    consent.confirm(
        ctx,
        question,
        Declined(
            "Nothing was changed: you declined.",
            fix="`flux-setup key status` shows where the key is kept.",
        ),
        what=_ASKS,
        default=default,
    )


def _apply(ctx: Context, report: Report, plan: changes.Plan, undone: str = "it") -> None:
    applied = changes.apply(plan, ctx.store, at=ctx.now())
    report.fields["changeset"] = applied.changeset
    ctx.ui.ok(f"{plan.written()}; `flux-setup undo` restores {undone}.")


def _no_keyring(why: str) -> WizardError:
    return key_error(
        Code.KEY_MISSING,
        why,
        "The key can stay in .env (`flux-setup run "
        "--save-key env`) or in your environment (ANTHROPIC_API_KEY).",
    )
