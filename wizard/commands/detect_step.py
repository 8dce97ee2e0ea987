"""The network step shared by `run` and `check`: discover, verify, explain; and its JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wizard.commands.common import Context, Outcome, base_payload, diagnoses_json
from wizard.detection import DEFAULT_MAX_BILLED, Detection, detect, estimate_cost
from wizard.errors import ExitCode
from wizard.keys import ApiKey


def run_detection(
    ctx: Context,
    key: ApiKey,
    configured: str | None,
    prefer: Sequence[str],
    extra: Sequence[str] = (),
) -> Detection:
    from wizard import api  # the module is light; the SDK itself is imported on first use

    o = ctx.options
    base_url = api.resolve_base_url(o.base_url, dict(ctx.environ))
    if o.verify:
        ctx.ui.say(
            f"Verifying access with up to {DEFAULT_MAX_BILLED} one-token calls "
            f"(at most ${estimate_cost():.4f} in all; --no-verify skips them)."
        )
    client = api.ApiClient(key, base_url, timeout=o.timeout)
    try:
        with ctx.ui.spinner("Discovering models and verifying access..."):
            return detect(
                client, key, configured=configured, prefer=prefer, verify=o.verify, extra=extra
            )
    finally:
        client.close()


def detection_payload(
    ctx: Context, detection: Detection, sources: dict[str, str | None], exit_code: ExitCode
) -> dict[str, Any]:
    data = detection.to_json()
    payload = base_payload(ctx, exit_code)
    payload.update(
        {
            "key": data["key"],
            "configured": {**data["configured"], "sources": sources},
            "models": data["models"],
            "recommended": data["recommended"],
            "fallback": data["fallback"],
            "diagnosis": diagnoses_json(detection.diagnoses),
            "verification": data["verification"],
            "ratelimits": data["ratelimits"],
            "changes": [],
            "checklist": None,
        }
    )
    return payload


def rank(detection: Detection, model_id: str | None) -> int:
    ids = [
        m.id for m in detection.models if m.line in detection.prefer and m.lifecycle != "retired"
    ]
    return ids.index(model_id) if model_id in ids else len(ids) + 1


def check_verdict(detection: Detection) -> ExitCode:
    """0 / 10 / 11 / 12 for the configured model; the highest of 12, 11, 10 wins. Whether
    transient failures make 0 or 10 unsafe to say is `Detection.uncertain`'s call."""
    status = detection.configured_status
    if status in ("retired", "unknown_model", "not_callable", "unset"):
        return ExitCode.UNAVAILABLE
    if status == "deprecated":
        return ExitCode.DEPRECATED
    recommended = detection.recommended
    if (
        recommended
        and recommended != detection.configured
        and rank(detection, recommended) < rank(detection, detection.configured)
    ):
        return ExitCode.UPGRADE_AVAILABLE
    return ExitCode.OK


def failure_outcome(
    ctx: Context, detection: Detection, sources: dict[str, str | None], code: ExitCode
) -> Outcome:
    ctx.ui.diagnoses(detection.diagnoses)
    return Outcome(code, detection_payload(ctx, detection, sources, code))
