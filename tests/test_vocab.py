"""The JSON schema users validate against and the program's own words cannot drift apart."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from wizard.vocab import Action, Code, ExitCode, KeySource, KeyStored, Lifecycle, Status

SCHEMA = json.loads((resources.files("wizard") / "schema" / "output.schema.json").read_text())
PROPS = SCHEMA["properties"]


@pytest.mark.parametrize(
    ("where", "enum"),
    [
        (PROPS["key"]["properties"]["source"], KeySource),
        (PROPS["key"]["properties"]["stored"], KeyStored),
        (PROPS["configured"]["properties"]["status"], Status),
        (PROPS["models"]["items"]["properties"]["lifecycle"], Lifecycle),
        (PROPS["changes"]["items"]["properties"]["action"], Action),
        (PROPS["diagnosis"]["items"]["properties"]["code"], Code),
    ],
    ids=[
        "key source",
        "key stored",
        "configured status",
        "lifecycle",
        "change action",
        "diagnosis code",
    ],
)
def test_the_schema_lists_exactly_the_programs_words(where, enum):
    assert sorted(where["enum"]) == sorted(member.value for member in enum)


def test_the_schema_lists_exactly_the_exit_codes():
    assert sorted(PROPS["exit_code"]["enum"]) == sorted(int(code) for code in ExitCode)


def test_words_print_as_their_value_in_text_and_json():
    assert f"{Status.NOT_CALLABLE}" == "not_callable"
    assert f"{Lifecycle.RETIRED:>9}" == "  retired"
    assert json.dumps({"code": Code.MODEL_RETIRED}) == '{"code": "model_retired"}'


def test_each_refusal_code_carries_its_exit_category():
    assert Code.KEY_INVALID.exit_code == ExitCode.KEY
    assert Code.CREDIT_BALANCE_TOO_LOW.exit_code == ExitCode.ACCOUNT
    assert Code.PERMISSION_DENIED.exit_code == ExitCode.ACCOUNT
    assert Code.OVERLOADED.exit_code == ExitCode.NETWORK
    assert Code.MODEL_RETIRED.exit_code is None
    assert Code.REGION_BLOCKED.settles_account and not Code.PERMISSION_DENIED.settles_account
    assert Code.PERMISSION_DENIED.refuses_model and not Code.REQUEST_REJECTED.refuses_model
