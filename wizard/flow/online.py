"""The one online check of a project: its key and base URL (resolved once, in `run_detection`),
the detection of its configured model and fallback, the Admin API's side reading, the verdict
and its reason. `check` renders it, `doctor` turns it into lines, `run` and `models` take the
detection step and add what they do (the choice, the write; the table); `check --all` runs
the same detection once per key (`fleet/scan.py`) and judges each project's view by the same
`verdict.judge`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import verdict as verdicts
from wizard.catalog import Catalog
from wizard.detection import Detection
from wizard.detection.request import Hint
from wizard.diagnosis import Diagnosis
from wizard.errors import ExitCode
from wizard.flow.admin_key import read_given_limits
from wizard.flow.network import run_detection
from wizard.flow.prepare import Prepared, add_mismatch, env_override
from wizard.flow.session import Context
from wizard.keys import ApiKey
from wizard.state import Store

if TYPE_CHECKING:
    from wizard.memory import Record


def detect_project(
    ctx: Context,
    prepared: Prepared,
    key: ApiKey,
    prefer: Sequence[str],
    *,
    extra: Sequence[str] = (),
    prove_fallback: bool = False,
    verify: bool | None = None,
    choose: Callable[[Catalog], Sequence[str]] | None = None,
    concurrency: int = 4,
    admin: bool = True,
    previous: Record | None = None,
) -> Detection:
    """The project's detection: its configured model and fallback proven (the rule's fallback
    too when `prove_fallback`: `run` writes one), and the Admin API read beside it when an
    admin key is given (`admin`: `models` has no use for it). `previous`: this project's last
    record of the key, when the caller has read it already (round one guesses from it)."""
    detection = run_detection(
        ctx,
        key,
        prepared.configured,
        prefer,
        extra,
        verify=verify,
        choose=choose,
        concurrency=concurrency,
        fallback=prepared.fallback,
        prove_fallback=prove_fallback,
        hint=earlier_check(ctx.store, ctx.options.files.project, key, previous),
    )
    if admin:
        detection.admin_limits = read_given_limits(ctx, key, detection)
    return detection


def earlier_check(
    store: Store, project: Path, key: ApiKey, previous: Record | None = None
) -> Hint | None:
    """What round one may guess from (`detection/guess.py`): this project's last check of this
    key (what it proved predicts the refusals ahead), else its last check of any key (which
    models exist, nothing about access). Only the project's own records are read: a home that
    serves thousands of projects costs a check nothing (`check --all` reads one project's per
    key). Saved IDs are anyone's text: only model IDs are kept."""
    from wizard import memory
    from wizard.untrusted import is_model_id

    record = previous or memory.load(store, project, key.fingerprint) or memory.load(store, project)
    if record is None or not record.listed:
        return None
    models = tuple(m for m in record.models if is_model_id(m.id))
    if not models:
        return None
    return Hint(models, own=record.key_fingerprint == key.fingerprint, aliases=record.aliases)


@dataclass(frozen=True)
class OnlineCheck:
    """A project checked online: what every view of `check` renders."""

    detection: Detection
    code: ExitCode
    override: Diagnosis | None  # FLUX_MODEL in the environment, when it decided the code
    reason: str | None
    beyond: tuple[Diagnosis, ...]  # the Admin API's findings the detection does not hold


def judge_project(ctx: Context, prepared: Prepared, detection: Detection) -> OnlineCheck:
    """The verdict on a project's detection, by `verdict.judge`, and its one-line reason."""
    code, override = verdicts.judge(detection, env_override(ctx, prepared.sources))
    add_mismatch(prepared, detection)
    reason = verdicts.reason(
        code,
        detection.diagnoses,
        detection.configured,
        detection.configured_model,
        detection.recommended,
        detection.resolve(detection.configured_fallback),
    )
    admin = detection.admin_limits
    beyond = tuple(admin.beyond(detection.diagnoses)) if admin is not None else ()
    return OnlineCheck(detection, code, override, reason, beyond)
