"""`flux-setup limits`: the organisation's limits through the Admin API, with an admin key: its
name, its rate limits per model group (and the key's workspace's overrides), the spend limits
that apply, and this API key's record. No billed call: the API key lists the models (free) to
say which organisation it bills and which lines the groups leave out."""

from __future__ import annotations

from wizard import verdict
from wizard.detection import Detection
from wizard.errors import ExitCode, WizardError
from wizard.flow.admin_key import obtain_admin_key, read_admin_api
from wizard.flow.key import found_key, stdin_key
from wizard.flow.network import run_detection
from wizard.flow.prepare import Prepared, preferred_lines, prepare
from wizard.flow.session import Context
from wizard.keys import ApiKey
from wizard.limits.findings import EVERY_ONE, Limits
from wizard.render import UI
from wizard.report import Report
from wizard.words import plural

SHOWN_MODELS = 4  # a group's models named in the text (all of them in --json)


def limits(ctx: Context) -> Report:
    o = ctx.options
    prepared = prepare(ctx)
    admin_key = obtain_admin_key(ctx)
    key, detection, note = _api_key_side(ctx, prepared)
    found = read_admin_api(ctx, admin_key, key, detection)
    if note:
        found.api_key_note = note
    show(ctx.ui, found, prepared.configured)
    diagnoses = [*(detection.diagnoses if detection else []), *found.diagnoses]
    ctx.ui.diagnoses(diagnoses)
    report = Report(o.command, diagnoses=diagnoses)
    report.fields["key"] = (
        key.to_json(detection.organization_id if detection else None) if key else None
    )
    report.fields.update(found.to_json())
    report.exit_code = verdict.overall(d.code.exit_code or ExitCode.OK for d in diagnoses)
    return report


def _api_key_side(
    ctx: Context, prepared: Prepared
) -> tuple[ApiKey | None, Detection | None, str | None]:
    """The API key (when one is found) and its free listing: the organisation it bills and the
    lines the catalogue has. A missing or malformed key is a note: the limits are still read."""
    try:
        key, conflict = found_key(ctx, prepared.files, stdin_key(ctx))
    except WizardError as err:
        return None, None, f"The API key was not used: {err.message}"
    if key is None:
        return None, None, None
    if conflict:
        ctx.ui.warn(conflict)
    ctx.ui.say(f"Using the key {key.fingerprint} from {key.source.label}.")
    detection = run_detection(
        ctx,
        key,
        None,
        preferred_lines(ctx, prepared.files),
        verify=False,
        choose=lambda catalog: (),  # list only: nothing here is billed
    )
    return key, detection, None


def _models(names: tuple[str, ...] | None) -> str:
    if not names:
        return "no models"
    more = len(names) - SHOWN_MODELS
    return ", ".join(names[:SHOWN_MODELS]) + (f" and {more} more" if more > 0 else "")


def show(ui: UI, found: Limits, configured: str | None = None) -> None:
    """The findings, top to bottom: who, this key, the rate limits (the configured model's
    group first), the spend limits, hints; a long list by its first rows and how many more."""
    org = found.organization
    if org is None and not found.read and found.spend_limits is None:
        ui.warn("Nothing could be read through the Admin API:")
        return  # the diagnoses that follow say why
    if org is not None:
        same = ""
        if found.key_organization:
            same = (
                "; the API key bills the same one."
                if found.key_organization == org.id
                else f"; the API key bills ANOTHER one, {found.key_organization}."
            )
        ui.ok(f"Organisation: {org.name} ({org.id}){same}")
    record = found.api_key
    if record is not None:
        expiry = f"expires {record.expires_at[:10]}" if record.expires_at else "no expiry"
        line = (
            f"This key's record: {record.name!r} ({record.id}), {record.status}, {expiry}, "
            f"workspace {record.workspace_id or '(none: organisation-wide)'}."
        )
        (ui.ok if record.status == "active" else ui.warn)(line)
    elif found.api_key_note:
        ui.say(found.api_key_note)
    if found.rate_limits is not None:
        ui.say(
            "Rate limits per group (Admin API; a workspace limit binds alongside the "
            "organisation's):"
        )
        # a group without values (the batch API's, often) says nothing
        for group in found.groups_shown(configured):
            covers = f" ({_models(group.models)})" if group.group_type == "model_group" else ""
            ui.say(f"  {group.name}{covers}: {group.describe()}")
        if found.groups_left():
            ui.say(f"  ... and {plural(found.groups_left(), 'more group')} ({EVERY_ONE})")
    if found.spend_limits is not None:
        if found.spend_limits:
            ui.say(f"Spend limits that apply: {found.spend_words()}")
        else:
            ui.say("Spend limits: none applies to this key's user.")
    elif found.spend_note:
        ui.say(found.spend_note)
    for hint in found.hints_shown():
        ui.say(f"Hint: {hint}")
