"""`doctor`'s lines from the typed findings every other command renders (the check's
detection and verdict, the saved catalogue's judgement, the Admin API's limits): never from
another command's JSON. Three states and a skip: `pass` only for a fact proven in this run,
`warn` for what is unknown or unproven, `fail` for a refusal or a broken file."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard import checklist
from wizard import verdict as verdicts
from wizard.detection import Detection
from wizard.detection.configured_fallback import replace_step
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.keys import ApiKey, KeyDiscovery, check_form
from wizard.limits.findings import Limits
from wizard.vocab import Code, Status, Word
from wizard.words import after_colon, ended, stated

if TYPE_CHECKING:
    from wizard.flow.prepare import Prepared


class State(Word):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"

    @property
    def mark(self) -> str:
        return {"pass": "✓", "warn": "!", "fail": "✗", "skip": "-"}[self.value]


_ADVICE = (ExitCode.OK, ExitCode.UPGRADE_AVAILABLE, ExitCode.DEPRECATED)

# worst first: the overall status is the worst line's
_ORDER = (State.FAIL, State.WARN, State.PASS, State.SKIP)


@dataclass(frozen=True)
class Line:
    id: str
    state: State
    summary: str
    fix: str | None = None
    code: ExitCode = ExitCode.OK  # what it weighs in the exit code (0: advice only)
    duration_ms: int = 0

    def __post_init__(self) -> None:
        # a warning is advice or a change that is due (10, 11), never an error: a line that
        # weighs one (a check that stopped, a broken file) fails, by construction, so `ok`
        # and the exit code cannot disagree (and no user meets a bug for it)
        if self.state != State.FAIL and self.code not in _ADVICE:
            object.__setattr__(self, "state", State.FAIL)

    @property
    def ok(self) -> bool:
        return self.state != State.FAIL

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": str(self.state),
            "ok": self.ok,
            "summary": self.summary,
            "fix": self.fix,
            "duration_ms": self.duration_ms,
        }


def overall(lines: list[Line]) -> State:
    states = {line.state for line in lines}
    return next((s for s in _ORDER if s in states), State.SKIP)


@dataclass
class Timer:
    """How long each line took: the time since the last line was made (its share of the work)."""

    clock: Callable[[], float] = time.monotonic
    last: float = field(default_factory=time.monotonic)

    def lap(self) -> int:
        now = self.clock()
        took, self.last = now - self.last, now
        return max(0, round(took * 1000))


# -- the key ---------------------------------------------------------------------------------


def key_line(
    found: KeyDiscovery, detection: Detection | None, saved: Diagnosis | None = None
) -> Line:
    """The key: its form offline, then what the API said of it in this run. One function, so
    a new fact about the key (where it is stored) is one more clause here."""
    key = found.key
    if key is None:
        return Line(
            "key", State.FAIL, "No API key found.", "`flux-setup run` sets one up.", ExitCode.KEY
        )
    problem = check_form(key.reveal())
    if problem is not None:
        return Line("key", State.FAIL, problem.message, problem.next_step, ExitCode.KEY)
    summary = f"Key {key.fingerprint} from {key.source.label}."
    conflict = found.describe_conflict()
    if conflict:
        summary += f" {conflict}"
    return _key_verdict(key, summary, detection, saved)


def _key_verdict(
    key: ApiKey, summary: str, detection: Detection | None, saved: Diagnosis | None
) -> Line:
    refused = next(
        (d for d in (detection.diagnoses if detection else []) if d.code.exit_code == ExitCode.KEY),
        None,
    )
    if refused is None and saved is not None and saved.code.exit_code == ExitCode.KEY:
        refused = saved  # offline: the last online check's refusal stands
    if refused is not None:
        return Line(
            "key", State.FAIL, f"{summary} {refused.message}", refused.next_step, ExitCode.KEY
        )
    if detection is not None and (detection.listed or detection.billed_calls):
        org = f", organisation {detection.organization_id}" if detection.organization_id else ""
        return Line("key", State.PASS, summary.rstrip(".") + f": the API accepted it{org}.")
    return Line(
        "key",
        State.WARN,
        summary.rstrip(".") + ": not proven in this run (offline, or the API did not answer).",
        "`flux-setup doctor` online proves it.",
    )


def account_line(detection: Detection | None, saved: Diagnosis | None = None) -> Line | None:
    """Billing and the account: failed by an account-wide refusal (now, or offline the last
    online check's), proven by a call that was billed; the key's refusal is the key line's."""
    blocker = detection.blocker() if detection is not None else saved
    if blocker is not None and blocker.code.exit_code == ExitCode.KEY:
        return Line("account", State.SKIP, "Billing not checked: the API refused the key.")
    if blocker is not None:
        return Line("account", State.FAIL, blocker.message, blocker.next_step, ExitCode.ACCOUNT)
    if detection is None:
        return None  # offline, nothing stands against it: no line of guesses
    if detection.billed_calls:
        return Line("account", State.PASS, "Billing works: a verification call was billed.")
    why = "--no-verify made no call" if not detection.verify else "no call was billed in this run"
    return Line("account", State.WARN, f"Billing not proven ({why}).")


def blocked_lines(
    blocker: Diagnosis, configured: str | None, fallback: str | None, key: str
) -> list[Line]:
    """What the key's or the account's refusal leaves unchecked: said once, no fix of their
    own (the key or account line above has it, and the exit code). `key`: the fallback's key
    as the config's schema spells it."""
    whose = "the key" if blocker.code.exit_code == ExitCode.KEY else "this account's calls"
    why = f"the API refused {whose} (above)"
    lines = [
        Line("configured", State.WARN, f"{configured} was not checked: {why}.")
        if configured
        else Line("configured", State.SKIP, "No configured model to check.")
    ]
    if fallback:
        lines.append(Line("fallback", State.WARN, f"Fallback {fallback} was not checked: {why}."))
    else:
        lines.append(_no_fallback(key))
    lines.append(Line("recommendation", State.WARN, f"No model is recommended: {why}."))
    return lines


KNOWN_WITHOUT_A_CALL = (Status.RETIRED, Status.UNKNOWN_MODEL)


def known_anyway(
    lines: list[Line], status: Status, fallback_status: Status, own: Line, fallback: Line
) -> list[Line]:
    """The lines a refusal left unchecked, but for what the listing settles without a call (a
    retired or unknown ID is so whatever the account): those are said as such."""
    swap = {
        "configured": own if status in KNOWN_WITHOUT_A_CALL else None,
        "fallback": fallback if fallback_status in KNOWN_WITHOUT_A_CALL else None,
    }
    return [swap.get(line.id) or line for line in lines]


# -- the verdict -----------------------------------------------------------------------------


def configured_line(detection: Detection, code: ExitCode, reason: str | None) -> Line:
    """The configured model, by the check's verdict on it."""
    status = detection.configured_status
    if not detection.configured:
        return Line(
            "configured", State.FAIL, verdicts.NO_MODEL, "`flux-setup run` chooses one.", code
        )
    said = f"{detection.configured} is {status.words}"
    if code == ExitCode.NETWORK:
        return _unsettled(detection, said)
    step = _first_step(detection, code)
    if code not in _ADVICE or status.unusable:
        words = verdicts.without_step(reason, detection.diagnoses) or verdicts.sentence(
            code, status, detection.configured_fallback
        )
        return Line("configured", State.FAIL, stated(said, words, detection.configured), step, code)
    if not detection.verify:
        return Line(
            "configured",
            State.WARN,
            f"{said}: listed, not proven callable (--no-verify made no call).",
            "`flux-setup doctor` without --no-verify proves it.",
        )
    fallback_only = code == ExitCode.DEPRECATED and verdicts.fallback_due(
        detection.configured_fallback, detection.configured_fallback_status
    )
    if fallback_only:  # the fallback's 11 is the fallback line's: this line says the model's
        code = verdicts.primary_verdict(detection)
        reason = None
    if status == Status.CALLABLE and code == ExitCode.OK:
        return Line("configured", State.PASS, f"{said}: it answered a call in this run.")
    if code == ExitCode.UPGRADE_AVAILABLE and detection.recommended:
        reason = reason or (
            f"{detection.recommended} ranks higher in your line order and is callable: "
            f"{verdicts.UPGRADE_STEP}"
        )
    words = verdicts.without_step(reason, detection.diagnoses) or verdicts.sentence(
        code, status, detection.configured_fallback
    )
    return Line("configured", State.WARN, after_colon(said, words), step, code)


def saved_fallback_line(
    prepared: Prepared, status: Status, cause: Diagnosis | None, due: bool, day: str
) -> Line:
    """The configured fallback by the saved catalogue: failed when it is due (with its cause
    and the one replacement step), else unproven."""
    fallback, primary, key = prepared.fallback, prepared.configured, prepared.fallback_key
    if not fallback:
        return _no_fallback(key)
    said = f"Fallback {fallback} (from {key}) is {status.words} (by the saved catalogue of {day})"
    if not due:
        return Line("fallback", State.WARN, f"{said}.", "`flux-setup check` online proves it.")
    return Line(
        "fallback",
        State.FAIL,
        # the cause names the model and says it is the configured fallback: once is enough
        stated("", cause.message, fallback, f"the saved catalogue of {day}; from {key}")
        if cause
        else f"{said}.",
        cause.next_step if cause else replace_step(primary=primary),
        ExitCode.DEPRECATED,
    )


def _unsettled(detection: Detection, said: str) -> Line:
    """The check could not finish (exit 5): what stopped it, said here (doctor shows no
    diagnoses above its lines), and its own next step."""
    unsettling = [
        d
        for d in detection.diagnoses
        if d.code in (Code.LISTING_FAILED, Code.VERIFICATION_INCOMPLETE)
        or d.code.exit_code == ExitCode.NETWORK
    ]
    cause = next(iter(unsettling), detection.diagnoses[0] if detection.diagnoses else None)
    if cause is None:
        words = verdicts.SENTENCES[ExitCode.NETWORK]
        return Line(
            "configured", State.FAIL, after_colon(f"{said}, but", words), None, ExitCode.NETWORK
        )
    return Line(
        "configured",
        State.FAIL,
        after_colon(f"{said}, but the check could not finish", cause.message),
        cause.next_step,
        ExitCode.NETWORK,
    )


def recommendation_line(detection: Detection) -> Line:
    recommended = detection.recommended
    if recommended and detection.verify and detection.complete:
        return Line(
            "recommendation", State.PASS, f"Recommended: {recommended} (proven by a call now)."
        )
    if recommended:
        why = "--no-verify made no call" if not detection.verify else "not settled in this run"
        return Line("recommendation", State.WARN, f"Recommended: {recommended} ({why}).")
    return Line(
        "recommendation",
        State.WARN,
        "No model is recommended: the check could not settle one in this run.",
        "`flux-setup check` says what stands in the way.",
    )


def _no_fallback(key: str) -> Line:
    return Line("fallback", State.SKIP, f"No fallback configured ({key}).")


def fallback_line(detection: Detection, key: str) -> Line:
    """The configured fallback, by the same status every view gives it (`key`: as the
    config's schema spells it)."""
    fallback = detection.configured_fallback
    if not fallback:
        return _no_fallback(key)
    status = detection.configured_fallback_status
    said = f"Fallback {fallback} (from {key}) is {status.words}"
    if verdicts.fallback_due(fallback, status):
        cause = next(
            (d for d in detection.diagnoses if d.model == detection.resolve(fallback)), None
        )
        fix = cause.next_step if cause else replace_step(detection)
        return Line("fallback", State.FAIL, f"{said}.", fix, ExitCode.DEPRECATED)
    if status == Status.CALLABLE:
        return Line("fallback", State.PASS, f"{said}: it answered a call in this run.")
    return Line(
        "fallback", State.WARN, f"{said}: not proven in this run.", "`flux-setup check` proves it."
    )


def _first_step(detection: Detection, code: ExitCode) -> str:
    """The one thing to do: the checklist's first open item, else the first diagnosis' step,
    else what the verdict asks for."""
    item = checklist.first_open(detection)
    if item is not None and item.next_step:
        return item.next_step
    if detection.diagnoses:
        return detection.diagnoses[0].next_step
    if code.is_verdict and detection.recommended:
        return f"`flux-setup run` switches Flux to {detection.recommended}."
    return "`flux-setup check` says what stands in the way."


# -- the limits ------------------------------------------------------------------------------


def header_limits_line(detection: Detection) -> Line | None:
    limits = detection.ratelimits
    if not limits:
        return None
    shown = ", ".join(f"{k} {v}" for k, v in sorted(limits.items()) if k.endswith("-limit"))
    return Line("limits", State.PASS, f"Rate limits (from the API's headers): {shown}.")


def admin_lines(admin: Limits, model: str | None) -> list[Line]:
    """The Admin API's lines: the organisation and this key's record, then the limits of the
    configured model's group and the spend limits; a problem it proves fails its line, and so
    does a spend limit reached."""
    org = f"organisation {admin.organization.name}" if admin.organization else "no organisation"
    record = admin.api_key
    said = f"this key's record {record.name!r}, {record.status}" if record else admin.api_key_note
    problems = [d for d in admin.diagnoses if d.code.exit_code is not None]
    first = problems[0] if problems else None
    lines = [
        Line(
            "admin",
            State.FAIL if first else State.PASS,
            f"Admin API ({admin.admin_fingerprint}): {org}; {said}."
            + (f" {first.message}" if first else ""),
            first.next_step if first else None,
            (first.code.exit_code or ExitCode.OK) if first else ExitCode.OK,
        )
    ]
    if admin.read:
        lines.append(_admin_limits(admin, model))
    return lines


def _admin_limits(admin: Limits, model: str | None) -> Line:
    group = admin.group_of(model)
    spend = admin.spend_words() or admin.spend_note
    summary = (
        f"Rate limits of {model} ({group.name}): {group.describe()}."
        if group
        else "No rate-limit group lists the configured model."
    ) + (f" Spend: {ended(spend)}" if spend else "")
    if any(s.reached for s in admin.spend_limits or []):
        return Line(
            "limits",
            State.FAIL,
            summary,
            "Raise the spend limit on the limits page, or wait for the next period.",
            ExitCode.ACCOUNT,
        )
    return Line("limits", State.PASS, summary)
