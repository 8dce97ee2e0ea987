"""Detection against a brute-force oracle, over random organisations: whenever detection says
its picture is complete, its recommendation is the one found by calling every model."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import KEY
from wizard.api import ApiClient
from wizard.catalog import Model
from wizard.detection import detect
from wizard.detection.request import Hint, Request
from wizard.environment import utc_now
from wizard.keys import ApiKey
from wizard.simulator import Faults, Scenario, serve
from wizard.simulator.scenarios import Access

LINES = ("opus", "sonnet", "haiku")
# What one model does when called: answer, 404, 403, a 529 for as long as it is asked, or a
# 400 no rule knows. The last two are "maybe": the truth about them cannot be known.
OUTCOMES = ("ok", "ok", "ok", "404", "404", "403", "529", "400")


@st.composite
def organisations(draw: Any) -> dict[str, Any]:
    models: list[dict[str, Any]] = []
    behaviour: dict[str, str] = {}
    day = 28
    for line in LINES:
        for n in range(draw(st.integers(0, 4))):
            model_id = f"claude-{line}-{n}"
            day -= 1
            models.append(
                {
                    "type": "model",
                    "id": model_id,
                    "display_name": model_id,
                    "created_at": f"2026-10-{day:02d}T00:00:00Z",
                    "lifecycle": draw(
                        st.sampled_from(("active", "active", "deprecated", "retired"))
                    ),
                    "deprecated_at": None,
                    "retires_at": None,
                    "line": line,
                    "max_input_tokens": 200000,
                    "max_tokens": 64000,
                    "capabilities": None,
                }
            )
            behaviour[model_id] = draw(st.sampled_from(OUTCOMES))
    if not models:
        models.append(dict(models_fallback()))
        behaviour[models[0]["id"]] = "ok"
    prefer = draw(st.permutations(LINES).map(lambda p: p[: draw(st.integers(1, 3))]))
    ids = [m["id"] for m in models]
    return {
        "models": sorted(models, key=lambda m: m["created_at"], reverse=True),
        "behaviour": behaviour,
        "prefer": tuple(prefer),
        "configured": draw(st.one_of(st.none(), st.sampled_from(ids))),
        "cap": draw(st.integers(1, 6)),
        "storm": draw(st.integers(0, 3)),
    }


def models_fallback() -> dict[str, Any]:
    return {
        "type": "model",
        "id": "claude-haiku-9",
        "display_name": "Claude Haiku 9",
        "created_at": "2026-10-01T00:00:00Z",
        "lifecycle": "active",
        "line": "haiku",
    }


def scenario_of(org: dict[str, Any]) -> Scenario:
    behaviour = org["behaviour"]
    rules: list[dict[str, Any]] = []
    for model_id, what in behaviour.items():
        if what == "403":
            rules.append(
                {
                    "on": "messages",
                    "models": [model_id],
                    "status": 403,
                    "type": "permission_error",
                    "message": "not allowed",
                }
            )
        elif what == "529":
            rules.append(
                {
                    "on": "messages",
                    "models": [model_id],
                    "status": 529,
                    "type": "overloaded_error",
                    "message": "Overloaded",
                    "retry_after": 0.05,
                }
            )
        elif what == "400":
            rules.append(
                {
                    "on": "messages",
                    "models": [model_id],
                    "status": 400,
                    "type": "invalid_request_error",
                    "message": "something new",
                }
            )
    return Scenario(
        name="random",
        description="",
        models=org["models"],
        access=Access(deprecated=True, deny=[i for i, w in behaviour.items() if w == "404"]),
        responses=rules,
    )


def oracle(org: dict[str, Any], base_url: str) -> tuple[str | None, bool]:
    """Call every model of the preferred lines, in ranking order; the first that answers (or
    may answer) is the truth. Returns it and whether its answer is certain."""
    key = ApiKey(KEY, "env")
    client = ApiClient(key, base_url, now=utc_now, timeout=2.0, budget=60.0)
    order = {line: i for i, line in enumerate(org["prefer"])}
    ranked = sorted(
        (m for m in org["models"] if m["line"] in order and m["lifecycle"] != "retired"),
        key=lambda m: (order[m["line"]], m["lifecycle"] != "active"),
    )
    try:
        for model in ranked:
            what = org["behaviour"][model["id"]]
            if what in ("529", "400"):
                return model["id"], False  # it may answer: nothing below it is provably best
            if client.verify(model["id"]).ok:
                return model["id"], True
        return None, True
    finally:
        client.close()


@pytest.fixture(scope="module")
def server():
    with serve("today") as running:
        yield running


@settings(
    max_examples=24,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(org=organisations())
def test_a_complete_detection_recommends_what_calling_everything_finds(server, org):
    server.use_scenario(scenario_of(org))
    server.faults = Faults(fail_first=org["storm"], fail_status=529, retry_after=0.02)
    server.reset_counters()
    key = ApiKey(KEY, "env")
    client = ApiClient(key, server.base_url, now=utc_now, timeout=0.25)
    request = Request(configured=org["configured"], prefer=org["prefer"], max_billed=org["cap"])
    result = detect(client, key, request, now=utc_now)
    client.close()
    billed = server.counters.billed_calls
    server.faults = Faults()

    # A call that timed out under load may have been billed unseen: never more than the cap.
    assert result.billed_calls <= billed <= org["cap"]
    if result.complete:
        assert result.billed_calls == billed
    for model in result.models:
        if org["behaviour"].get(model.id) in ("529", "400"):
            assert model.callable is not False, (
                f"{model.id} refused on an answer that proves nothing"
            )
    truth, certain = oracle(org, server.base_url)
    if result.complete:
        assert certain, "complete although a better-ranked model could not be known"
        assert result.recommended == truth
    if result.recommended is not None:
        assert result.recommended == truth  # a recommendation is never a guess


@st.composite
def hints(draw: Any, org: dict[str, Any]) -> Hint:
    """What an earlier check may have saved, true or not: any of the organisation's models and
    one it no longer lists, each with any verdict, of this key or of another."""
    rows = [dict(m) for m in org["models"] if draw(st.booleans())]
    rows.append({**models_fallback(), "id": "claude-opus-99", "line": "opus"})
    models = []
    for row in draw(st.permutations(rows)):
        model = Model.from_api(row)
        model.callable = draw(st.sampled_from((True, False, None)))
        models.append(model)
    return Hint(tuple(models), own=draw(st.booleans()))


@settings(
    max_examples=24,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(org=organisations(), data=st.data())
def test_no_hint_of_an_earlier_check_makes_a_recommendation_less_true(server, org, data):
    """Round one guesses from an earlier check (issue #38): a wrong or stale guess costs a
    call at most, never the truth, the cap, or a model the listing no longer has."""
    hint = data.draw(hints(org))
    server.use_scenario(scenario_of(org))
    server.faults = Faults()
    server.reset_counters()
    key = ApiKey(KEY, "env")
    client = ApiClient(key, server.base_url, now=utc_now, timeout=2.0)
    request = Request(
        configured=org["configured"],
        prefer=org["prefer"],
        max_billed=org["cap"],
        prove_fallback=data.draw(st.booleans()),
        hint=hint,
    )
    result = detect(client, key, request, now=utc_now)
    client.close()
    assert result.billed_calls == server.counters.billed_calls <= org["cap"]
    gone = "claude-opus-99"  # a guess the listing does not confirm proves and says nothing
    assert gone not in {m.id for m in result.models} | result.answered
    assert all(d.model != gone and gone not in d.message for d in result.diagnoses)
    truth, certain = oracle(org, server.base_url)
    if result.complete:
        assert certain and result.recommended == truth
    if result.recommended is not None:
        assert result.recommended == truth
