"""`flux-setup doctor`: one list, read top to bottom: the key, the project, the configured
model, its fallback and the recommendation (from a live check, or the saved catalogue with
--offline), the limits, the last check, the versions. Each line is pass (proven now), warn
(unknown or unproven), fail (refused or broken, with its fix) or skip; the exit code is the
worst failing line's, by `check`'s verdict rule.

The verdict lines are read from the typed findings `check` (or `check --offline`'s judgement)
makes: that command runs here with its output kept aside, so the two cannot disagree, and no
JSON is read back (`doctor_lines`)."""

from __future__ import annotations

import io
import platform
import sys
from dataclasses import dataclass, replace

from wizard import __version__, gitguard, memory
from wizard import verdict as verdicts
from wizard.commands.doctor_lines import (
    Line,
    State,
    Timer,
    account_line,
    admin_lines,
    blocked_lines,
    configured_line,
    fallback_line,
    header_limits_line,
    key_line,
    known_anyway,
    overall,
    recommendation_line,
    saved_fallback_line,
)
from wizard.constants import KEY_VAR
from wizard.detection import Detection
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode, WizardError
from wizard.flow.key import tolerant_discovery
from wizard.flow.key_store import Storage, storage
from wizard.flow.prepare import Prepared, env_override, preferred_lines, prepare
from wizard.flow.saved import (
    Offline,
    age_of,
    age_words,
    is_stale,
    judge_saved,
    offline_json,
    saved_record,
)
from wizard.flow.session import Context
from wizard.jsontypes import JsonObject
from wizard.keys import ApiKey, KeyDiscovery, check_form
from wizard.prompts import NoInput
from wizard.render import UI
from wizard.report import Report
from wizard.words import stated


@dataclass(frozen=True)
class Verdict:
    """What the check found, typed: its lines, and the detection the JSON shows."""

    lines: list[Line]
    detection: Detection | None
    # offline: the last online check's refusal of the key or the account, which stands
    saved_blocker: Diagnosis | None = None
    # offline: the judgement the lines were read from (its JSON is `check --offline`'s)
    offline: Offline | None = None


def doctor(ctx: Context) -> Report:
    if ctx.options.api.api_key_stdin:  # read once: the key line and the check both need it
        piped = ctx.read_stdin()
        ctx = replace(ctx, read_stdin=lambda: piped)
    timer = Timer()
    try:
        prepared = prepare(ctx)
    except WizardError as err:  # a broken file: said as its line, the rest still told
        line = Line("project", State.FAIL, err.message, err.fix, err.code, timer.lap())
        return _finish(ctx, [line], None, None)
    found, trouble = tolerant_discovery(ctx, prepared.files)
    kept = storage(found, prepared.files, trouble)
    project = _timed(_project(ctx, prepared, found), timer)
    usable = found.key is not None and check_form(found.key.reveal()) is None
    verdict = _verdict(ctx, prepared, found.key) if usable and found.key else None
    detection = verdict.detection if verdict else None
    checked = _timed(verdict.lines if verdict else [], timer)
    stored = _kept(kept)
    saved = verdict.saved_blocker if verdict else None
    account = account_line(detection, saved) if verdict else None
    lines = [key_line(found, detection, saved), *([account] if account else [])]
    lines += [*([stored] if stored else []), *project, *checked]
    lines += _timed([_last_check(ctx, found), _versions()], timer)
    report = _finish(ctx, lines, detection, prepared)
    report.fields["storage"] = kept.to_json()
    if verdict is not None and verdict.offline is not None:  # the same facts as online
        report.fields.update(offline_json(verdict.offline, found.key, prepared))
        report.diagnoses += verdict.offline.diagnoses
    return report


def _kept(kept: Storage) -> Line | None:
    """Where the key is kept, read now: the keyring passes; a plaintext file is advice (!);
    a keyring the project names that cannot give the key fails (exit 3); no key at all is
    the key line's failure alone."""
    if kept.failed:
        return Line(
            "key_storage", State.FAIL, f"The key is kept in {kept.line}.", kept.fix, ExitCode.KEY
        )
    if kept.stored is None:  # no key at all: the key line's failure says it
        return None
    if kept.plaintext:
        return Line("key_storage", State.WARN, f"The key is kept in {kept.line}.", kept.fix)
    return Line("key_storage", State.PASS, f"The key is kept in {kept.line}.")


def _timed(lines: list[Line], timer: Timer) -> list[Line]:
    """A group of lines made by one step: the step's time on its first line."""
    took = timer.lap()
    return [replace(line, duration_ms=took if i == 0 else 0) for i, line in enumerate(lines)]


def _project(ctx: Context, prepared: Prepared, found: KeyDiscovery) -> list[Line]:
    files, cfg = prepared.files, prepared.files.config
    where = cfg.display if cfg.location.exists else "no Flux config yet"
    summary = (
        f"Project {files.project}: {where}"
        + (f", schema {cfg.version}" if cfg.location.exists else "")
        + (", .env" if files.env_before is not None else "")
        + "."
    )
    lines = [
        Line("config", State.WARN, summary, "`flux-setup migrate` brings it to the newest schema.")
        if cfg.needs_migration
        else Line("config", State.PASS, summary)
    ]
    source = prepared.label(prepared.winner) if prepared.winner else None
    lines.append(
        Line("model", State.PASS, f"Model {prepared.configured} from {source}.")
        if prepared.configured
        else Line(
            "model",
            State.FAIL,
            verdicts.NO_MODEL,
            "`flux-setup run` chooses one.",
            ExitCode.UNAVAILABLE,
        )
    )
    override = env_override(ctx, prepared.sources)
    if override is not None:
        lines.append(Line("environment", State.WARN, override.message, override.next_step))
    if found.key is not None and files.env_values.get(KEY_VAR):
        lines.append(_git(ctx, prepared))
    return lines


def _git(ctx: Context, prepared: Prepared) -> Line:
    files = prepared.files
    guard = gitguard.inspect(files.project, files.env_path, ctx.environ)
    name = files.env_path.name
    if guard.repository and guard.tracked:
        return Line(
            "git",
            State.FAIL,
            f"{name} holds the key and git tracks it: one push from a leak.",
            f"`git rm --cached {name}`, then add it to .gitignore.",
            ExitCode.FILES,
        )
    return Line("git", State.PASS, f"{name} holds the key and git does not track it.")


def _verdict(ctx: Context, prepared: Prepared, key: ApiKey) -> Verdict:
    """The project's one online check (`flow/online.py`, as `check` makes it), its text kept
    aside; offline, the judgement `check --offline` makes from the saved catalogue."""
    if ctx.options.scope.offline:
        return _offline(ctx, prepared, key)
    # the online check's steps, imported here: `doctor --offline` never loads the detection
    # engine or the API client (tests/test_imports.py)
    from wizard.flow.online import detect_project, judge_project
    from wizard.flow.outputs import remember

    quiet = replace(ctx, ui=UI(io.StringIO(), environ={}), prompter=NoInput())
    try:
        detection = detect_project(quiet, prepared, key, preferred_lines(quiet, prepared.files))
    except WizardError as err:
        return Verdict(
            [Line("configured", State.FAIL, _capital(err.message), err.fix, err.code)], None
        )
    online = judge_project(quiet, prepared, detection)
    remember(quiet, detection)  # the state `check` saves: `check --offline` reads it next
    code, reason = online.code, online.reason
    blocker = detection.blocker()
    if blocker is not None:
        lines = known_anyway(
            blocked_lines(blocker, prepared.configured, prepared.fallback, prepared.fallback_key),
            detection.configured_status,
            detection.configured_fallback_status,
            configured_line(detection, ExitCode.UNAVAILABLE, None),
            fallback_line(detection, prepared.fallback_key),
        )
    else:
        lines = [
            configured_line(detection, code, reason),
            fallback_line(detection, prepared.fallback_key),
            recommendation_line(detection),
        ]
    admin = detection.admin_limits
    if admin is not None:
        lines += admin_lines(admin, detection.configured_model)
    headers = header_limits_line(detection)
    if headers is not None and not (admin and admin.read):
        lines.append(headers)
    return Verdict(lines, detection)


def _offline(ctx: Context, prepared: Prepared, key: ApiKey) -> Verdict:
    """By the saved catalogue: nothing is proven now, so the best a line gets is warn."""
    try:
        record = saved_record(ctx, key)
        result = judge_saved(ctx, record, prepared, preferred_lines(ctx, prepared.files))
    except WizardError as err:
        return Verdict(
            [Line("configured", State.FAIL, _capital(err.message), err.fix, err.code)], None
        )
    judged, code, day = result.verdict, result.code, record.checked_at[:10]
    if record.blocked is not None:
        return _offline_blocked(record.blocked, result, prepared)
    fallback, due = prepared.fallback, judged.fallback_due
    own_code = (
        judged.primary_code or ExitCode.OK
        if due and verdicts.fallback_decided(code, judged.status)
        else code
    )
    reason = verdicts.reason(
        own_code,
        [d for d in result.diagnoses if d.model != fallback or fallback == prepared.configured],
        prepared.configured,
        judged.model.id if judged.model else None,
        judged.recommended,
    )
    if reason is None and own_code == ExitCode.NETWORK and result.diagnoses:
        reason = result.diagnoses[0].message  # what stopped it: doctor shows nothing above
    reason = verdicts.without_step(reason, result.diagnoses) or verdicts.sentence(
        own_code, judged.status, None
    )
    said = f"{prepared.configured} is {judged.status.words} (by the saved catalogue of {day})"
    failed = own_code in (ExitCode.UNAVAILABLE, ExitCode.NETWORK) or judged.status.unusable
    first = next((d.next_step for d in result.diagnoses if d.model != fallback), None)
    lines = [
        Line(
            "configured",
            State.FAIL if failed else State.WARN,
            stated(said, reason, prepared.configured, f"the saved catalogue of {day}"),
            _offline_fix(own_code, failed, first),
            own_code,
        )
    ]
    cause = next((d for d in result.diagnoses if d.model == fallback), None)
    lines.append(saved_fallback_line(prepared, judged.fallback_status, cause, due, day))
    if judged.recommended:
        lines.append(
            Line(
                "recommendation",
                State.WARN,
                f"Recommended by the check of {day}: {judged.recommended}.",
            )
        )
    return Verdict(lines, None, None, result)


def _offline_fix(code: ExitCode, failed: bool, first: str | None) -> str:
    """The one step for the configured model by the saved catalogue: a change that is due is
    made by `run` (which proves the model by a call first), not merely proven by `check`."""
    if failed:
        return first or "`flux-setup run` fixes it."
    if code in (ExitCode.UPGRADE_AVAILABLE, ExitCode.DEPRECATED):
        return first or "`flux-setup run` switches; it proves the model by a call before it writes."
    return "`flux-setup check` online proves it."


def _capital(message: str) -> str:
    """An error's message (said after "error: " elsewhere) as a line of its own."""
    return message[:1].upper() + message[1:]


def _offline_blocked(blocked: Diagnosis, result: Offline, prepared: Prepared) -> Verdict:
    """The last online check was refused whole: the lines it left unchecked say so, but for
    what the saved listing settles without a call (a retired or unknown ID)."""
    judged, day = result.verdict, result.record.checked_at[:10]
    said = f"{prepared.configured} is {judged.status.words} (by the saved catalogue of {day})."
    fix = "`flux-setup run` fixes it."
    lines = known_anyway(
        blocked_lines(blocked, prepared.configured, prepared.fallback, prepared.fallback_key),
        judged.status,
        judged.fallback_status,
        Line("configured", State.FAIL, said, fix, ExitCode.UNAVAILABLE),
        saved_fallback_line(prepared, judged.fallback_status, None, True, day),
    )
    return Verdict(lines, None, result.diagnoses[0], result)


def _last_check(ctx: Context, found: KeyDiscovery) -> Line:
    fingerprint = found.key.fingerprint if found.key else None
    record = (
        memory.load_for_key(ctx.store, ctx.options.files.project, fingerprint)
        if fingerprint
        else None
    )
    if record is None:
        return Line(
            "last-check",
            State.WARN,
            "No online check of this key on record: `check --offline` has no catalogue.",
            "`flux-setup check` once with network access.",
        )
    days = age_of(record.checked_at, ctx.now())  # by check --offline's own reading
    org = f", organisation {record.organization_id}" if record.organization_id else ""
    summary = (
        f"Last online check: {record.checked_at[:10] or 'unknown'}"
        + (f" ({age_words(record.checked_at, ctx.now(), 'ago')})" if days is not None else "")
        + f"{org}."
    )
    if is_stale(days):
        return Line("last-check", State.WARN, summary, "`flux-setup check` refreshes it.")
    return Line("last-check", State.PASS, summary)


def _versions() -> Line:
    from wizard.versions import installed

    def version(name: str) -> str:
        return installed(name) or "not installed"

    return Line(
        "versions",
        State.PASS,
        f"flux-setup {__version__}, anthropic {version('anthropic')}, genai-prices "
        f"{version('genai-prices')}, Python {platform.python_version()} ({sys.platform}).",
    )


def _finish(
    ctx: Context, lines: list[Line], detection: Detection | None, prepared: Prepared | None
) -> Report:
    ui = ctx.ui
    styles = {State.FAIL: "red", State.WARN: "yellow"}
    for line in lines:
        ui.say(f"{line.state.mark} {line.summary}", style=styles.get(line.state))
        if line.fix and line.state in (State.FAIL, State.WARN):
            ui.say(f"  fix: {line.fix}")
    code = verdicts.combined(line.code for line in lines)
    counts = {s: sum(line.state == s for line in lines) for s in State}
    ui.say(
        f"{counts[State.PASS]} passed, {counts[State.WARN]} to check, {counts[State.FAIL]} "
        f"failed{f', {counts[State.SKIP]} skipped' if counts[State.SKIP] else ''} (exit {int(code)})."
    )
    fields: JsonObject = {
        "status": str(overall(lines)),
        "checks": [line.to_json() for line in lines],
    }
    report = Report(ctx.options.command, code, fields=fields)
    if detection is not None and prepared is not None:
        report.detection, report.sources = detection, prepared.sources
    return report
