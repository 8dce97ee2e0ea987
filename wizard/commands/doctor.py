"""`flux-setup doctor`: one pass/fail list, read top to bottom: the key, the project, the
configured model and the recommendation (from a live check, or the saved catalogue with
--offline), the limits, the last check, the versions. Each failing line has its fix; the exit
code is the worst line's, by `check`'s verdict rule.

The verdict lines are `check`'s own (and `check --offline`'s): that command runs here with its
output kept aside, so the two cannot disagree."""

from __future__ import annotations

import io
import platform
import sys
from dataclasses import dataclass, replace
from importlib import metadata

from wizard import __version__, gitguard, memory
from wizard import verdict as verdicts
from wizard.constants import KEY_VAR
from wizard.errors import ExitCode, WizardError
from wizard.flow.key import tolerant_discovery
from wizard.flow.key_store import Storage, storage
from wizard.flow.prepare import Prepared, env_override, prepare
from wizard.flow.saved import age_of, is_stale
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject, as_list, as_object
from wizard.keys import KeyDiscovery, check_form
from wizard.limits.findings import Limits
from wizard.prompts import NoInput
from wizard.render import UI
from wizard.report import Report


@dataclass
class Check:
    id: str
    ok: bool
    summary: str
    fix: str | None = None
    code: ExitCode = ExitCode.OK  # what it weighs in the exit code (0: advice only)

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "ok": self.ok, "summary": self.summary, "fix": self.fix}


def doctor(ctx: Context) -> Report:
    if ctx.options.api_key_stdin:  # read once: the key line and the check both need it
        piped = ctx.read_stdin()
        ctx = replace(ctx, read_stdin=lambda: piped)
    checks: list[Check] = []
    try:
        prepared = prepare(ctx)
    except WizardError as err:  # a broken file: said as its line, the rest still told
        checks.append(Check("project", False, err.message, err.fix, err.code))
        return _finish(ctx, checks, None)
    found, trouble = tolerant_discovery(ctx, prepared.files)
    kept = storage(found, prepared.files, trouble)
    checks += [_key(found), _kept(kept), *_project(ctx, prepared, found)]
    verdict = (
        _verdict(ctx) if found.key is not None and check_form(found.key.reveal()) is None else None
    )
    checks += verdict.checks if verdict else []
    last = _last_check(ctx, found)
    org = _organization(verdict.data if verdict else None, ctx, found)
    if org and checks[0].ok:
        checks[0].summary = checks[0].summary.rstrip(".") + f", organisation {org}."
    checks.append(last)
    checks.append(_versions())
    report = _finish(ctx, checks, verdict.report if verdict else None)
    report.fields["storage"] = kept.to_json()
    return report


def _kept(kept: Storage) -> Check:
    """Where the key is kept: a keyring that fails is a failure; plaintext is advice (!)."""
    return Check("key_storage", not kept.failed, f"The key is kept in {kept.line}.",
                 kept.fix if kept.warns else None,
                 ExitCode.KEY if kept.failed else ExitCode.OK)  # fmt: skip


def _organization(data: JsonObject | None, ctx: Context, found: KeyDiscovery) -> str | None:
    """The organisation this key belongs to: from the check just made, else its last record."""
    key = as_object((data or {}).get("key"))
    if key.get("organization_id"):
        return str(key["organization_id"])
    if found.key is None:
        return None
    record = memory.load_for_key(ctx.store, ctx.options.project, found.key.fingerprint)
    return record.organization_id if record else None


def _key(found: KeyDiscovery) -> Check:
    key = found.key
    if key is None:
        return Check(
            "key", False, "No API key found.", "`flux-setup run` sets one up.", ExitCode.KEY
        )
    problem = check_form(key.reveal())
    if problem is not None:
        return Check("key", False, problem.message, problem.next_step, ExitCode.KEY)
    conflict = found.describe_conflict()
    summary = f"Key {key.fingerprint} from {key.source.label}."
    if conflict:
        return Check("key", True, f"{summary} {conflict}", None)
    return Check("key", True, summary)


def _project(ctx: Context, prepared: Prepared, found: KeyDiscovery) -> list[Check]:
    files, cfg = prepared.files, prepared.files.config
    where = cfg.display if cfg.location.exists else "no Flux config yet"
    checks = [
        Check(
            "config",
            not cfg.needs_migration,
            f"Project {files.project}: {where}"
            + (f", schema {cfg.version}" if cfg.location.exists else "")
            + (", .env" if files.env_before is not None else "")
            + ".",
            "`flux-setup migrate` brings it to the newest schema." if cfg.needs_migration else None,
        )
    ]
    source = prepared.winner.label if prepared.winner else None
    checks.append(
        Check(
            "model",
            prepared.configured is not None,
            f"Model {prepared.configured} from {source}."
            if prepared.configured
            else verdicts.NO_MODEL,
            None if prepared.configured else "`flux-setup run` chooses one.",
            ExitCode.OK if prepared.configured else ExitCode.UNAVAILABLE,
        )
    )
    override = env_override(ctx, prepared.sources)
    if override is not None:
        checks.append(Check("environment", False, override.message, override.next_step))
    if found.key is not None and files.env_values.get(KEY_VAR):
        guard = gitguard.inspect(files.project, files.env_path, ctx.environ)
        tracked = guard.repository and guard.tracked
        checks.append(
            Check(
                "git",
                not tracked,
                f"{files.env_path.name} holds the key and git tracks it: one push from a leak."
                if tracked
                else f"{files.env_path.name} holds the key and git does not track it.",
                f"`git rm --cached {files.env_path.name}`, then add it to .gitignore."
                if tracked
                else None,
                ExitCode.FILES if tracked else ExitCode.OK,
            )
        )
    return checks


@dataclass
class _Verdict:
    checks: list[Check]
    report: Report
    data: JsonObject  # the report's JSON, made once


def _verdict(ctx: Context) -> _Verdict | None:
    """`check` (or `check --offline`) itself, its text kept aside: the configured model, the
    recommendation and the limits, as that command judges them."""
    from wizard.commands.check import check

    quiet = replace(ctx, ui=UI(io.StringIO(), environ={}), prompter=NoInput())
    try:
        report = check(replace(quiet, options=replace(ctx.options, command="check")))
    except WizardError as err:
        line = Check("configured", False, err.message, err.fix, err.code)
        failed = Report.failure(ctx.options.command, err.code, err.message, err.fix)
        return _Verdict([line], failed, failed.to_json())
    code = report.exit_code
    data = report.to_json()
    configured = as_object(data.get("configured"))
    reason = data.get("reason") or verdicts.SENTENCES.get(code, f"exit {int(code)}")
    checks = [
        Check(
            "configured",
            code == ExitCode.OK,
            f"{configured.get('model') or 'No model'} is {configured.get('status')}"
            + (" (by the saved catalogue)" if ctx.options.offline else "")
            + f": {reason}",
            _first_step(data, code) if code != ExitCode.OK else None,
            code,
        )
    ]
    recommended = data.get("recommended")
    if recommended:
        checks.append(Check("recommendation", True, f"Recommended: {recommended}."))
    admin = report.detection.admin_limits if report.detection else None
    if admin is not None:
        checks += _admin(admin, data)
    limits = as_object(data.get("ratelimits"))
    if limits and not (admin and admin.read):
        shown = ", ".join(f"{k} {v}" for k, v in sorted(limits.items()) if k.endswith("-limit"))
        checks.append(Check("limits", True, f"Rate limits (from the API's headers): {shown}."))
    return _Verdict(checks, report, data)


def _admin(admin: Limits, data: JsonObject) -> list[Check]:
    """The Admin API's lines: the organisation and this key's record, then the limits of the
    configured model's group and the spend limits; a problem it proves fails its line."""
    org = f"organisation {admin.organization.name}" if admin.organization else "no organisation"
    record = admin.api_key
    said = f"this key's record {record.name!r}, {record.status}" if record else admin.api_key_note
    problems = [d for d in admin.diagnoses if d.code.exit_code is not None]
    first = problems[0] if problems else None
    checks = [
        Check(
            "admin",
            first is None,
            f"Admin API ({admin.admin_fingerprint}): {org}; {said}."
            + (f" {first.message}" if first else ""),
            first.next_step if first else None,
            first.code.exit_code or ExitCode.OK if first else ExitCode.OK,
        )
    ]
    if admin.read:
        model = as_object(data.get("configured")).get("model")
        group = admin.group_of(model if isinstance(model, str) else None)
        spend = "; ".join(s.describe() for s in admin.spend_limits or []) or admin.spend_note
        checks.append(
            Check(
                "limits",
                True,
                (
                    f"Rate limits of {model} ({group.name}): {group.describe()}."
                    if group
                    else "No rate-limit group lists the configured model."
                )  # fmt: skip
                + (f" Spend: {spend}" if spend else ""),
            )
        )
    return checks


def _first_step(data: JsonObject, code: ExitCode) -> str:
    """The one thing to do: the checklist's first open item, else the first diagnosis' step,
    else what the verdict asks for."""
    items = [as_object(i) for i in as_list(data.get("checklist_items"))]
    open_items = [i for i in items if not i.get("done")]
    if open_items:
        return str(open_items[0].get("next_step") or open_items[0].get("title"))
    diagnoses = [as_object(d) for d in as_list(data.get("diagnosis"))]
    if diagnoses:
        return str(diagnoses[0].get("next_step"))
    if code.is_verdict and data.get("recommended"):
        return f"`flux-setup run` switches Flux to {data['recommended']}."
    return "`flux-setup check` says what stands in the way."


def _last_check(ctx: Context, found: KeyDiscovery) -> Check:
    fingerprint = found.key.fingerprint if found.key else None
    record = (
        memory.load_for_key(ctx.store, ctx.options.project, fingerprint) if fingerprint else None
    )
    if record is None:
        return Check(
            "last-check",
            False,
            "No online check of this key on record: `check --offline` has no catalogue.",
            "`flux-setup check` once with network access.",
        )
    days = age_of(record.checked_at, ctx.now())  # by check --offline's own reading
    stale = is_stale(days)
    org = f", organisation {record.organization_id}" if record.organization_id else ""
    return Check(
        "last-check",
        not stale,
        f"Last online check: {record.checked_at[:10] or 'unknown'}"
        + (f" ({days} days ago)" if days is not None else "")
        + f"{org}.",
        "`flux-setup check` refreshes it." if stale else None,
    )


def _versions() -> Check:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return Check(
        "versions",
        True,
        f"flux-setup {__version__}, anthropic {version('anthropic')}, genai-prices "
        f"{version('genai-prices')}, Python {platform.python_version()} ({sys.platform}).",
    )


def _finish(ctx: Context, checks: list[Check], verdict: Report | None) -> Report:
    ui = ctx.ui
    for c in checks:
        if c.ok and c.fix:  # passed, with advice (a key in plaintext)
            ui.warn(c.summary)
            ui.say(f"  fix: {c.fix}")
        elif c.ok:
            ui.ok(c.summary)
        else:
            ui.say(f"✗ {c.summary}", style="red")
            if c.fix:
                ui.say(f"  fix: {c.fix}")
    code = verdicts.overall(c.code for c in checks)
    passed = sum(c.ok for c in checks)
    ui.say(f"{passed} of {len(checks)} checks pass (exit {int(code)}).")
    report = Report(ctx.options.command, code, fields={"checks": [c.to_json() for c in checks]})
    if verdict is not None and verdict.detection is not None:
        report.detection, report.sources = verdict.detection, verdict.sources
    return report
