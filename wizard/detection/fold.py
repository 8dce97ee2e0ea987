"""Verification outcomes folded into verdicts: callable, refused, or unknown; and the refusals
that turn out to be the account's, not any one model's."""

from __future__ import annotations

from wizard.constants import SUPPORT_URL
from wizard.detection.ledger import Ledger
from wizard.detection.result import Detection
from wizard.diagnosis import Diagnosis, api_said, from_failure
from wizard.vocab import Code


def fold(run: Ledger) -> None:
    """Fold verification outcomes into the catalogue, and diagnose each failure once."""
    result, catalog = run.result, run.catalog
    for asked, v in run.verifications.items():
        if asked in run.folded:
            continue
        run.folded.add(asked)
        model_id = result.resolve(asked) or asked
        model = catalog.get(model_id)
        if v.ok:
            result.billed_calls += 1
            result.input_tokens += v.input_tokens
            result.output_tokens += v.output_tokens
            if v.ratelimits and not result.ratelimits:
                result.ratelimits = dict(v.ratelimits)
            if model is not None:
                model.callable, model.verified, model.request_id = True, True, v.request_id
            continue
        assert v.failure is not None
        diagnosis = from_failure(
            v.failure, model_id=model_id, catalog=catalog, base_url=result.base_url, day=result.day
        )
        if v.failure.transient:
            # A transient error proves nothing: the model stays "unknown", never "refused".
            result.complete = False
            if model is not None:
                model.reason, model.request_id = diagnosis.code, v.request_id
        elif diagnosis.account_wide:
            run.stop = True
        elif diagnosis.code.refuses_model:
            if model is not None:
                model.callable, model.verified = False, True  # a refusal proven by the API
                model.reason, model.request_id = diagnosis.code, v.request_id
        else:
            # An answer no rule knows: shown as the API said it, never taken as a refusal.
            result.complete = False
            if model is not None:
                model.reason, model.request_id = diagnosis.code, v.request_id
        add(result, diagnosis)
    unknown_refusals_repeat(run)


def add(result: Detection, diagnosis: Diagnosis) -> None:
    for d in result.diagnoses:
        if d.code == diagnosis.code and d.model in (None, diagnosis.model):
            return
    result.diagnoses.append(diagnosis)


def unknown_refusals_repeat(run: Ledger) -> None:
    """An unknown refusal that repeats for a second model, with no call answered, is the
    account's: one diagnosis, and no further calls."""
    if any(v.ok for v in run.spent()):
        return
    result = run.result
    rejected = [d for d in result.diagnoses if d.code == Code.REQUEST_REJECTED and d.model]
    if len({d.model for d in rejected}) < 2:
        return
    first = rejected[0]
    failure = run.verifications.get(first.model or "")
    detail = failure.failure if failure is not None and failure.failure is not None else None
    status = f"{detail.status} {detail.type or 'error'}" if detail else "the same"
    merged = Diagnosis(
        Code.REQUEST_REJECTED,
        f"The API refused every model tried ({', '.join(str(d.model) for d in rejected)}) with "
        f"{status}, for a reason flux-setup does not know: it concerns the account or the "
        f"request, not any one model.{api_said(detail.message if detail else None)}",
        "Contact support with the request ID and the API's message; rerun `flux-setup check` "
        "once it is resolved.",
        url=SUPPORT_URL,
        request_id=first.request_id,
        account_wide=True,
    )
    result.diagnoses = [d for d in result.diagnoses if d not in rejected] + [merged]
    run.stop = True


def scoped_refusals_repeat(run: Ledger) -> None:
    """A 403 that every model tried answered, of more than one line, with no call answered, is
    the key's, not any model's."""
    result = run.result
    if any(v.ok for v in run.spent()):
        return
    failures = [v.failure for v in run.verifications.values() if v.failure is not None]
    lasting = [f for f in failures if not f.transient]
    denied = [d for d in result.diagnoses if d.code == Code.PERMISSION_DENIED and d.model]
    if len(denied) < 2 or len(denied) != len(lasting):
        return
    lines = {m.line for m in (run.catalog.get(d.model) for d in denied) if m is not None}
    if len(lines) < 2:
        # One line refused end to end is that line's restriction (a workspace may forbid
        # Opus alone): a check that tried only that line cannot say the key calls nothing.
        return
    for d in denied:
        model = run.catalog.get(d.model)
        if model is not None:
            model.callable, model.verified = None, False
    result.diagnoses = [d for d in result.diagnoses if d not in denied]
    result.diagnoses.append(
        Diagnosis(
            Code.PERMISSION_DENIED,
            f"Every model tried ({', '.join(str(d.model) for d in denied)}) answered 403 "
            "permission_error: this key may not call models at all.",
            "Check the key's workspace and its permissions in the Console, or use another key.",
            url=denied[0].url,
            request_id=denied[0].request_id,
            account_wide=True,
        )
    )
