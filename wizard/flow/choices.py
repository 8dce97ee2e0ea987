"""The answers of `run`'s model question: each one short line (the ID, its price, why it is
offered), its detail on the lines under it (why, what it costs beside the current model, or
the one sentence saying why no price is known)."""

from __future__ import annotations

from wizard import prices
from wizard.catalog import Catalog
from wizard.detection import Detection
from wizard.flow import plan_notes
from wizard.prompts import Option
from wizard.vocab import Lifecycle, Status


def why(detection: Detection) -> str:
    model = detection.model(detection.recommended)
    if model is None:
        return ""
    order = ", ".join(detection.prefer)
    if not detection.verify:
        return f"the newest listed {model.line} model, not verified (line order: {order})"
    return f"the newest callable {model.line} model (line order: {order})"


def answer(detection: Detection, model_id: str, tag: str, note: str | None) -> Option:
    """One answer: "claude-opus-5-5  $4/$20  (recommended)", and under it `note` followed by
    its cost beside the configured model (or why the price is not known)."""
    day = detection.day
    cost = prices.brief(model_id, detection.configured, day)
    detail = f"{_sentence(note)} {_sentence(cost)}" if note else _sentence(cost)
    return Option(f"{model_id}  {prices.compact(model_id, day)}  ({tag})", model_id, note=detail)


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def model_choices(detection: Detection) -> list[Option]:
    """The recommendation, the configured model's successor, keeping it, then every other
    usable model of the preferred lines."""
    recommended, configured = detection.recommended, detection.configured
    options: list[Option] = []
    moves = plan_notes.line_change(detection, recommended, with_source=False)
    if recommended:
        tag = "current, recommended" if recommended == configured else "recommended"
        if moves:  # the line change says the price beside the current model already
            note = f"{_sentence(why(detection))} {moves}"
            options.append(
                Option(
                    f"{recommended}  {prices.compact(recommended, detection.day)}  ({tag})",
                    recommended,
                    note=note,
                )
            )
        else:
            options.append(answer(detection, recommended, tag, why(detection)))
    successor = _successor(detection, moves is not None)
    if successor is not None:
        options.append(successor)
    status = detection.configured_status
    if configured and configured != recommended and detection.usable(configured):
        options.append(answer(detection, configured, "current", f"Keep it ({status.words})"))
    taken = {o.value for o in options} | {recommended, configured}
    for model in detection.models:
        if model.id in taken or model.lifecycle == Lifecycle.RETIRED:
            continue
        if model.line not in detection.prefer or model.callable is False:
            continue
        if model.callable:
            options.append(answer(detection, model.id, str(model.line), f"{model.lifecycle}"))
        elif model.lifecycle == Lifecycle.ACTIVE:
            # not verified yet: offered all the same, and verified once chosen
            checked = (
                "not verified yet: verified with one call if chosen"
                if detection.verify
                else "not verified (--no-verify)"
            )
            options.append(answer(detection, model.id, str(model.line), checked))
    return options


def _successor(detection: Detection, line_moves: bool) -> Option | None:
    """A change of line is a choice: the newest callable model of the current line is the
    other answer (the successor of a model that cannot stay)."""
    configured, recommended = detection.configured, detection.recommended
    current = detection.model(configured)
    status = detection.configured_status
    leaving = status in (Status.RETIRED, Status.DEPRECATED, Status.NOT_CALLABLE)
    if current is None or not (leaving or line_moves):
        return None
    successor = Catalog(detection.models).successor(current)
    order = {m.id: i for i, m in enumerate(detection.models)}  # the listing: newest first
    newer = successor is not None and order[successor.id] < order.get(current.id, 0)
    if successor is None or successor.id == recommended or not (leaving or newer):
        return None
    tag = "successor" if leaving else f"stay on {current.line}"
    detail = (
        f"The newest {current.line} model, successor of {configured} ({status.words})"
        if leaving
        else f"The newest model of the {current.line} line, which Flux uses now"
    )
    if not successor.callable:
        detail += (
            "; verified with one call if chosen"
            if detection.verify
            else "; not verified (--no-verify)"
        )
    return answer(detection, successor.id, tag, detail)


def alias_choices(detection: Detection, alias: str, model_id: str) -> list[Option]:
    """The configured alias already names the recommendation: keep it, or pin the dated ID."""
    return [
        answer(detection, alias, "current", f"An alias of {model_id}: it follows the API"),
        answer(detection, model_id, "pin", "The dated ID: a pinned ID never moves"),
    ]
