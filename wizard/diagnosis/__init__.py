"""Every fact and API failure becomes one diagnosis: a code, a message, the next step, a link.

`core` is the diagnosis itself, `rules` the chain that reads an API failure (and the
catalogue's facts), `connection` the answers that are not the API's verdict on anything.
"""

from wizard.diagnosis.connection import unresolved
from wizard.diagnosis.core import Diagnosis, api_said, wait_words
from wizard.diagnosis.rules import (
    deprecated_but_callable,
    from_failure,
    model_refusal,
    restate_instead,
)

__all__ = [
    "Diagnosis",
    "api_said",
    "deprecated_but_callable",
    "from_failure",
    "model_refusal",
    "restate_instead",
    "unresolved",
    "wait_words",
]
