"""A model `run` is about to write (the one chosen, a fallback named by `--fallback`): usable by
the detection's own reading, and proven by a call before anything is written when the detection
has not called it yet. The one rule for `--model`, the model question's answer and
`--fallback` alike."""

from __future__ import annotations

from wizard.detection import Detection
from wizard.errors import UsageError
from wizard.flow.network import verify_choice
from wizard.flow.session import Context
from wizard.keys import ApiKey


def usable_or_refused(detection: Detection, flag: str, wanted: str, fix: str) -> str:
    """`wanted` when the detection found it usable; else a usage error that says why, by the
    flag that named it."""
    if not detection.usable(wanted):
        raise UsageError(
            f"{flag} {wanted} cannot be used: {detection.why_unusable(wanted)}", fix=fix
        )
    return wanted


def proven_before_writing(ctx: Context, key: ApiKey, detection: Detection, model_id: str) -> None:
    """A model not verified yet (listed, never called: below the recommendation, or past the
    calls allowed) gets its one-token call now, unless --no-verify; a refusal stops the run with
    nothing written (`network.verify_choice`)."""
    model = detection.model(model_id)
    if detection.verify and model is not None and model.callable is None:
        verify_choice(ctx, key, detection, model_id)
