"""`flux-setup check --all [DIR ...]`: every Flux project under the folders, one detection per
key, a table, one exit code (the highest of the projects'); with `--fix`, one preview and
confirmation for all the changes, applied project by project."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from wizard import verdict as verdicts
from wizard.detection.result import fallback_json
from wizard.diagnosis import Diagnosis
from wizard.errors import Declined, FilesError, UsageError
from wizard.fleet import fix as fixing
from wizard.fleet.find import Found, find_projects
from wizard.fleet.notes import first_names, project_note, project_reason
from wizard.fleet.scan import (
    Group,
    Member,
    detect_all,
    group,
    judge_and_remember,
    judge_offline,
    load,
    overall,
)
from wizard.flow import consent
from wizard.flow.key import stdin_key
from wizard.flow.key_store import MOVE_FIX
from wizard.flow.options import Options
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.render import ProjectRow, shown_path
from wizard.report import Report
from wizard.vocab import ExitCode, KeyStored, ModelSource


def _one_project(o: Options) -> dict[str, object]:
    """The options that name one project's files (meaningless over many), by flag."""
    return {
        "--project": o.files.project_given,
        "--env-file": o.files.env_file,
        "--config": o.files.config,
        "--checklist": o.files.checklist,
        "--write-checklist": o.writing.write_checklist,
    }


_FIX_ASKS = "--fix previews the changes and asks before writing"


def _refuse_options(ctx: Context) -> None:
    o = ctx.options
    given = [flag for flag, value in _one_project(o).items() if value]
    if given:
        raise UsageError(
            f"{', '.join(given)} cannot be used with --all (it names one project's files).",
            fix="Pass the folders to search after --all, e.g. `flux-setup check --all ~/src`.",
        )
    if o.scope.fix and o.scope.offline:
        raise UsageError(
            "--fix switches models only to a recommendation proven in this run: it needs the "
            "network, not --offline.",
            fix="Drop --offline to fix, or --fix to report offline.",
        )
    if o.scope.fix:
        consent.require(ctx, _FIX_ASKS)


def _roots(ctx: Context) -> list[Path]:
    roots = list(ctx.options.scope.folders) or [ctx.cwd]  # cli.py made them absolute
    for root in roots:
        if not root.is_dir():
            raise FilesError(
                f"{root} is not a folder: `check --all` searches folders for Flux projects.",
                fix="Pass existing folders after --all.",
            )
    return roots


def check_all(ctx: Context) -> Report:
    o = ctx.options
    _refuse_options(ctx)
    roots = _roots(ctx)
    found = find_projects(roots, environ=ctx.environ)
    _say_found(ctx, roots, found)
    if not found.projects:
        raise FilesError(
            f"no Flux project under {', '.join(str(r) for r in roots)} (a folder with "
            "flux.toml, [tool.flux] in pyproject.toml, or FLUX_MODEL in .env).",
            fix="Pass the folders that hold the projects after --all.",
        )
    piped = stdin_key(ctx)
    members = [load(ctx, path, piped) for path in found.projects]
    base = roots[0] if len(roots) == 1 else ctx.cwd
    for member in members:
        member.shown = shown_path(member.path, base)
    groups = [] if o.scope.offline else group(members)
    if o.scope.offline:
        judge_offline(ctx, members)
    elif groups:
        _detect(ctx, groups)
    judge_and_remember(ctx, groups)
    report = Report(o.command)
    _show(ctx, members, groups)
    fixes = fixing.plan(members) if o.scope.fix else []
    if o.scope.fix:
        _fix(ctx, fixes, report)
    report.exit_code = overall(members)
    report.project_codes = [m.code for m in members]
    report.fields.update(_json(ctx, roots, found, members, groups, fixes))
    _verdict(ctx, members, report.exit_code)
    return report


def _say_found(ctx: Context, roots: list[Path], found: Found) -> None:
    roots_shown = [shown_path(r, ctx.cwd) for r in roots]
    # "under ." would end the sentence in "..": the current folder is named in words
    where = "this folder" if roots_shown == ["."] else ", ".join(roots_shown)
    extra = f"; {_count(found.ignored, 'folder')} git ignores skipped" if found.ignored else ""
    ctx.ui.say(f"Found {_count(len(found.projects), 'Flux project')} under {where}{extra}.")
    if found.unreadable:
        shown = ", ".join(str(p) for p in found.unreadable[:3])
        more = " ..." if len(found.unreadable) > 3 else ""
        ctx.ui.warn(f"Could not look into {shown}{more} (permission denied): not searched.")
    for repo in found.no_ignore_rules[:3]:
        ctx.ui.warn(
            f"git could not tell which folders it ignores in {shown_path(repo, ctx.cwd)}: "
            "they were searched too."
        )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _detect(ctx: Context, groups: list[Group]) -> None:
    o = ctx.options
    ctx.warm_up(0.0)
    keys = len(groups)
    if o.api.verify:
        ctx.ui.say(
            f"Checking {_count(keys, 'key')}: one detection each, shared by its "
            f"projects; at most {o.api.max_verify} billed one-token calls per key and line order, "
            "plus one per model its projects configure (refusals are free)."
        )
    else:
        ctx.ui.say(f"Checking {_count(keys, 'key')} (--no-verify: no billed call).")
    with ctx.ui.progress(keys, "Detecting") as advance:
        detect_all(ctx, groups, done=lambda g: advance(g.key.fingerprint))


def _row(member: Member) -> ProjectRow:
    model = member.configured or "-"
    if member.error is not None:
        return ProjectRow(member.shown, model, "error", "-", "-", member.code)
    assert member.key is not None
    return ProjectRow(
        member.shown,
        model,
        member.status.words,
        member.recommended or "-",
        member.key.fingerprint,
        member.code,
    )


def _show(ctx: Context, members: list[Member], groups: list[Group]) -> None:
    ui = ctx.ui
    if not ctx.options.output.json:  # with --json `projects` is the table (5,000 rows: 9 s)
        ui.projects([_row(m) for m in members])
    _where_kept(ctx, members)
    for g in groups:
        assert g.detection is not None
        account = [d for d in g.detection.diagnoses if d.model is None or d.account_wide]
        org = g.detection.organization_id
        belongs = f", organisation {org}" if org else ""
        if account or (org and len(groups) > 1):  # which keys belong to which organisation
            ui.say(
                f"Key {g.key.fingerprint} ({_count(len(g.members), 'project')}{belongs})"
                + (":" if account else ".")
            )
            ui.diagnoses(account)
    # The same error for several projects (no key at all, say) is said once, naming them.
    said: dict[str, list[str]] = {}
    for member in members:
        where = member.shown
        if member.conflict:
            ui.warn(f"{where}: {member.conflict}")
        # with --json each project's `reason` and `error` say it (5,000 projects: 4,000 lines)
        note = None if ctx.options.output.json else project_note(member)
        if note:
            said.setdefault(note, []).append(where)
    for note, where_all in said.items():
        ui.say(f"• {first_names(where_all)}: {note}")  # a bullet: wrapped, it hangs under it


def _fix(ctx: Context, fixes: list[fixing.Fix], report: Report) -> None:
    ui = ctx.ui
    if not fixes:
        ui.ok("Nothing to fix: no project needs a change that switching models makes.")
        return
    ui.heading(f"Changes in {len(fixes)} project{'s' if len(fixes) > 1 else ''}:")
    notes: dict[tuple[bool, str], list[str]] = {}  # (a warning?, the line): its projects
    for fix in fixes:  # what `run --yes` there would say, each line once for its projects
        for warn, lines in ((False, fix.notes.says), (True, fix.notes.warns)):
            for line in lines:
                notes.setdefault((warn, line), []).append(fix.member.shown)
        # each project's own findings (a migration...) name it, like its other lines
        shown = fix.member.shown
        ui.diagnoses([replace(d, message=f"{shown}: {d.message}") for d in fix.notes.diagnoses])
    for (warn, line), names in notes.items():
        (ui.warn if warn else ui.say)(f"{first_names(names)}: {line}")
    ui.diff(fixing.diff(fixes))
    if consent.dry_run(ctx):
        return
    consent.confirm(
        ctx,
        f"Apply these changes to {len(fixes)} projects?",
        Declined(
            "Nothing was written: you declined the changes.",
            fix="`flux-setup check --all` shows where each project stands; `--fix` asks again.",
        ),
        what=_FIX_ASKS,
    )
    record = fixing.apply(fixes, ctx.store, ctx.now())
    for fix in fixes:
        where = fix.member.shown
        if fix.skipped:
            ui.warn(f"{where}: skipped, {fix.skipped}")
        else:
            ui.ok(f"{where}: {fix.done}")
    if record.entries:
        report.fields["batch"] = record.name
        ui.say(f"`flux-setup undo --batch {record.name}` restores every project of this batch.")


def _json(
    ctx: Context,
    roots: list[Path],
    found: Found,
    members: list[Member],
    groups: list[Group],
    fixes: list[fixing.Fix],
) -> JsonObject:
    by_member = {id(f.member): f for f in fixes}
    return {
        "scan": {
            "folders": [str(r) for r in roots],
            "ignored_folders": found.ignored,
            "unreadable": [str(p) for p in found.unreadable],
        },
        "projects": [_project_json(m, by_member.get(id(m))) for m in members],
        "keys": [_key_json(g) for g in groups],
        **({"offline": True} if ctx.options.scope.offline else {}),
    }


def _project_json(member: Member, fix: fixing.Fix | None) -> JsonObject:
    view = member.detection
    data: JsonObject = {
        "path": str(member.path),
        "exit_code": int(member.code),
        "key": None,
        "configured": {
            "model": member.configured,
            "resolved": view.configured_model if view else None,
            "status": str(member.status),
            "fallback": fallback_json(member.fallback, member.fallback_status),
            "sources": dict(member.prepared.sources)
            if member.prepared
            else {str(source): None for source in ModelSource},
        },
        "recommended": None,
        "fallback": None,
        "diagnosis": [],
        "error": None,
        "fix": None,
    }
    if member.key is not None:
        data["key"] = member.key.to_json(view.organization_id if view else None)
    data["recommended"] = member.recommended
    # the fallback of the recommendation, by the rule `run` writes it (`Detection.fallback_for`)
    data["fallback"] = view.fallback if view is not None else None
    data["diagnosis"] = [d.to_json() for d in member.diagnoses]
    data["reason"] = project_reason(member)
    if member.catalog is not None:
        data["catalog"] = member.catalog
    if member.error is not None:
        data["error"] = {"message": member.error.message, "fix": member.error.fix}
        if member.error.diagnosis is not None:
            cause = Diagnosis(member.error.diagnosis, member.error.message, member.error.fix or "")
            data["diagnosis"] = [cause.to_json()]
    if fix is not None:
        data["fix"] = {"model": fix.model, "changeset": fix.changeset, "skipped": fix.skipped}
    return data


def _where_kept(ctx: Context, members: list[Member]) -> None:
    """Where each project's key is kept (a key in a plaintext file is a warning, with its fix)."""
    kept: dict[KeyStored, list[str]] = {}
    for member in members:
        if member.key is not None and member.error is None:
            kept.setdefault(member.key.stored or member.key.source.stored, []).append(member.shown)
    for stored, shown in kept.items():
        # (the scanned folder itself is "." in the table; in a sentence it would end in "..")
        names = first_names(["this folder" if name == "." else name for name in shown])
        line = f"Keys kept in {stored.words}: {names}"
        if stored.plaintext:
            ctx.ui.warn(f"{line}. {MOVE_FIX}")
        else:
            ctx.ui.say(f"{line}.")


def _key_json(g: Group) -> JsonObject:
    detection = g.detection
    assert detection is not None
    return {
        "fingerprint": g.key.fingerprint,
        "organization_id": detection.organization_id,
        "base_url": g.base_url,
        "projects": len(g.members),
        "requests": detection.requests,
        "billed_calls": detection.billed_calls,
        "round_trips": detection.rounds,
        "complete": detection.complete,
    }


def _verdict(ctx: Context, members: list[Member], code: ExitCode) -> None:
    # an 11 the configured fallback decided (the model itself is fine) is said as the fallback's
    fallback_only = [m for m in members if verdicts.fallback_decided(m.code, m.status)]
    aside = {id(m) for m in fallback_only}
    counts = Counter(m.code for m in members if id(m) not in aside)
    told = (
        (counts[ExitCode.UNAVAILABLE], "cannot use their model", "cannot use its model"),
        (counts[ExitCode.DEPRECATED], "use a deprecated model", "uses a deprecated model"),
        (len(fallback_only), "have a fallback to replace", "has a fallback to replace"),
        (
            counts[ExitCode.UPGRADE_AVAILABLE],
            "can switch to a better model",
            "can switch to a better model",
        ),
        (counts[ExitCode.OK], "are fine", "is fine"),
    )
    parts = [f"{n} {word if n > 1 else one}" for n, word, one in told if n]
    errors = sum(n for c, n in counts.items() if c != ExitCode.OK and not c.is_verdict)
    if errors:
        parts.append(f"{errors} could not be checked")
    summary = f"{_count(len(members), 'project')}: {', '.join(parts)} (exit {int(code)})."
    due = any(m.code.is_verdict for m in members)
    if due and not ctx.options.scope.fix:
        them = "them" if sum(m.code.is_verdict for m in members) > 1 else "it"
        summary += f" `flux-setup check --all --fix` fixes {them} after one preview."
    (ctx.ui.ok if code == ExitCode.OK else ctx.ui.warn)(summary)
