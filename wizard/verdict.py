"""The verdict on one project: the one home of `check`'s rules. `check`, `check --all`,
`check --offline`, `status`, `doctor`-like views and the CI helper all read these functions, so
two views of one project cannot reach two verdicts (docs/detection.md, "The verdict").

Nothing here imports a command: the commands sit above this module, never below it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from wizard.detection.result import Detection
from wizard.diagnosis import Diagnosis
from wizard.vocab import Code, ExitCode, Lifecycle, Scope, Status

# The sentence each verdict ends on, where no more precise next step is known.
SENTENCES = {
    ExitCode.OK: "Flux uses the best callable model of your preferred lines.",
    ExitCode.UPGRADE_AVAILABLE: "A better model is callable now: run `flux-setup run` to switch.",
    ExitCode.DEPRECATED: "The configured model is deprecated: run `flux-setup run` to move to a current model.",
    ExitCode.UNAVAILABLE: "The configured model cannot be called: run `flux-setup run` to fix it.",
    ExitCode.ACCOUNT: "The API refuses this account's calls (see above): no model can be proven "
    "callable until that is fixed.",
    ExitCode.KEY: "The API refused the key (see above).",
    ExitCode.NETWORK: "The check could not settle the verdict (see above): follow that step, "
    "then rerun `flux-setup check`.",
}
NO_MODEL = "No model is configured for Flux yet: run `flux-setup run`."
UPGRADE_STEP = "`flux-setup run` switches to it."  # the step of an upgrade's reason
FALLBACK_DUE = (
    "The configured fallback needs a change (see above): run `flux-setup run` to set one "
    "Flux can call."
)


def sentence(code: ExitCode, status: Status, fallback: str | None) -> str:
    """The verdict's sentence for a code: an 11 that the configured fallback decided (the
    configured model itself is fine) is said as the fallback's."""
    if fallback and fallback_decided(code, status):
        return FALLBACK_DUE
    return SENTENCES.get(code, f"exit {int(code)}")


def fallback_decided(code: ExitCode, status: Status) -> bool:
    """An 11 the configured fallback decided: the configured model itself is not deprecated.
    Every view says such an 11 as the fallback's (check, check --all, doctor)."""
    return code == ExitCode.DEPRECATED and status != Status.DEPRECATED


def position(detection: Detection, model_id: str | None) -> int:
    """Where a model stands in the detection's line order (0 is best); a model outside the
    order, or retired, stands below every model in it."""
    ids = [
        m.id
        for m in detection.models
        if m.line in detection.prefer and m.lifecycle != Lifecycle.RETIRED
    ]
    wanted = detection.resolve(model_id)
    return ids.index(wanted) if wanted in ids else len(ids) + 1


def verdict(detection: Detection) -> ExitCode:
    """0 / 10 / 11 / 12 for the configured model; the highest of 12, 11, 10 wins (a configured
    fallback that needs a change makes 0 or 10 an 11)."""
    primary = primary_verdict(detection)
    if primary in (ExitCode.OK, ExitCode.UPGRADE_AVAILABLE) and fallback_due(
        detection.configured_fallback, detection.configured_fallback_status
    ):
        return ExitCode.DEPRECATED
    return primary


def primary_verdict(detection: Detection) -> ExitCode:
    """The configured model's own verdict, its fallback aside: what a view says of the model
    line when the fallback's 11 is said on its own line."""
    status = detection.configured_status
    if status.unusable:
        return ExitCode.UNAVAILABLE
    if status == Status.DEPRECATED:
        return ExitCode.DEPRECATED
    recommended = detection.recommended
    if (
        recommended
        and recommended != detection.configured_model
        and position(detection, recommended) < position(detection, detection.configured)
    ):
        return ExitCode.UPGRADE_AVAILABLE
    return ExitCode.OK


def fallback_due(fallback: str | None, status: Status) -> bool:
    """The configured fallback needs a change (deprecated, overdue, retired, closed, refused,
    unknown): 11 when the configured model itself is fine, online and offline alike."""
    return fallback is not None and status.fallback_due


def judge(detection: Detection, override: Diagnosis | None) -> tuple[ExitCode, Diagnosis | None]:
    """The exit code for one project's findings (online: a detection of its own or its view of
    a shared one). `override` is the environment's FLUX_MODEL beating the files
    (`flow.prepare.env_override`); the one returned is the override that decided the code."""
    code = detection.failure_exit_code() or verdict(detection)
    if code in (ExitCode.OK, ExitCode.UPGRADE_AVAILABLE) and detection.uncertain():
        code = ExitCode.NETWORK  # unknown models may hide a better one, or a refusal
    return overridden(code, override, detection.diagnoses)


def overridden(
    code: ExitCode, override: Diagnosis | None, diagnoses: list[Diagnosis]
) -> tuple[ExitCode, Diagnosis | None]:
    """The environment override rule, online and offline alike: it is always said; when a
    change is due, Flux runs the environment's model whatever the files say, so `run` cannot
    fix it and `unset FLUX_MODEL` can (12). Otherwise it does not decide the code."""
    if override is None:
        return code, None
    diagnoses.insert(0, override)
    if code.is_verdict:
        return ExitCode.UNAVAILABLE, override
    return code, None


def overall(codes: Iterable[ExitCode | int]) -> ExitCode:
    """Many projects, one exit code: the highest (12 > 11 > 10 > an error's code > 0)."""
    return ExitCode(max((int(c) for c in codes), default=0))


# One project's errors, in the order a check meets them: the key, the account, the files, the
# network. Any of them beats a verdict: a model cannot be judged past them.
_ERRORS_FIRST = (ExitCode.KEY, ExitCode.ACCOUNT, ExitCode.FILES, ExitCode.NETWORK)


def combined(codes: Iterable[ExitCode | int]) -> ExitCode:
    """One project's findings, one exit code, by the rule of a single `check`: an error that
    stops the check wins (the key before the account: `Detection.failure_exit_code`), else the
    highest verdict (12 > 11 > 10), else 0. `doctor` sums its lines with it."""
    found = {int(c) for c in codes}
    for error in _ERRORS_FIRST:
        if error in found:
            return error
    errors = [c for c in found if c and not _is_verdict(c)]
    if errors:
        return ExitCode(max(errors))
    return ExitCode(max(found, default=0))


def failing_on(codes: Iterable[int], chosen: Collection[int]) -> ExitCode:
    """`--fail-on`: verdicts the user did not choose count as 0; errors always count."""
    kept = [c for c in codes if not _is_verdict(c) or c in chosen]
    return overall(kept)


def always_fails(code: object) -> bool:
    """No key, the account, the network, the files, a bug, Ctrl-C: never a pass in CI."""
    return isinstance(code, int) and (0 < code < 10 or code == ExitCode.CANCELLED)


def _is_verdict(code: int) -> bool:
    try:
        return ExitCode(code).is_verdict
    except ValueError:
        return False


def reason(
    code: ExitCode,
    diagnoses: Sequence[Diagnosis],
    configured: str | None,
    resolved: str | None,
    recommended: str | None,
    fallback: str | None = None,
) -> str | None:
    """The one sentence that says why a project's verdict is due and what to do about it: the
    environment override that decides it, else the configured model's own diagnosis (the true
    cause, the same words a single `check` shows), else the configured fallback's when it is
    what is due, else the verdict's sentence. None for a
    project that needs nothing, or that could not be judged (its error says why)."""
    if not code.is_verdict:
        return None
    override = next((d for d in diagnoses if d.code == Code.ENV_OVERRIDE), None)
    if override is not None and code == ExitCode.UNAVAILABLE:
        return f"{override.message} {override.next_step}"
    if not configured:
        return NO_MODEL
    own = next(
        (
            d
            for d in diagnoses
            if d.model in (configured, resolved)
            and d.code.scope in (Scope.MODEL, Scope.MODEL_OR_ACCOUNT)
        ),
        None,
    )
    if own is None and code == ExitCode.DEPRECATED and fallback:
        # the configured model is fine: the fallback is what is due
        own = next(
            (d for d in diagnoses if d.model == fallback and d.code.scope == Scope.MODEL), None
        )
    if own is not None:
        return f"{own.message} {own.next_step}".strip()
    if code == ExitCode.UPGRADE_AVAILABLE and recommended:
        return f"{recommended} ranks higher in your line order and is callable: {UPGRADE_STEP}"
    return SENTENCES[code] if code != ExitCode.DEPRECATED or not fallback else FALLBACK_DUE


def without_step(reason: str | None, diagnoses: list[Diagnosis]) -> str | None:
    """A verdict's reason (a diagnosis's message and its step) without the step: a doctor line
    gives its one step as its fix, and "run `X`" then "fix: `X --model Y`" are two."""
    if reason and reason.endswith(f": {UPGRADE_STEP}"):
        return reason.removesuffix(f": {UPGRADE_STEP}") + "."
    for d in diagnoses:
        if reason and d.next_step and reason.endswith(f" {d.next_step}"):
            return reason[: -len(d.next_step)].rstrip()
    return reason
