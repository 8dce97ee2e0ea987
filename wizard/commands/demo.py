"""`flux-setup demo`: the wizard against the built-in simulator, in a project that looks like the
original story (schema-1 config with a retired model and a key inside, .env pinned to Haiku 3)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from wizard.commands.run import run
from wizard.constants import (
    CHECKLIST_NAME,
    CONFIG_NAME,
    DEMO_KEY,
    ENV_NAME,
    KEY_VAR,
    KEYRING_VAR,
    without_api_vars,
)
from wizard.errors import UsageError
from wizard.flow import consent
from wizard.flow.options import Options
from wizard.flow.session import Context
from wizard.report import Report

DEMO_TOML = f"""# Flux settings, written by hand in November 2025
model = "claude-3-5-sonnet-20240620"   # "the best one", according to a blog post
fallback_model = "claude-3-haiku-20240307"
api_key = "{DEMO_KEY}"

[editor]
theme = "dark"
"""

DEMO_ENV = """# Flux environment
# check_models.py said: "the key only has Haiku; wait 1-2 months of spending for Tier 1"
FLUX_MODEL=claude-3-haiku-20240307
FLUX_LOG_LEVEL=info
"""


def make_project(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ((CONFIG_NAME, DEMO_TOML), (ENV_NAME, DEMO_ENV)):
        path = folder / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")


def _consent_for_a_real_folder(ctx: Context) -> None:
    """A folder of the user's own is written only with consent, like any `run` (a throw-away
    one needs none)."""
    if ctx.options.files.project_given:
        consent.require(
            ctx, f"`demo --project` confirms before it writes {ctx.options.files.project}"
        )


def _refused_before_anything(o: Options) -> None:
    """A --base-url (the demo serves its own simulator); and `demo --project P --save-key`,
    which would write the demo's key over P's own (a demo key in P is the demo's to replace)."""
    from wizard import envfile
    from wizard.fileio import read_optional

    if o.api.base_url:
        raise UsageError(
            "--base-url does not go with demo: the demo serves its own simulator.",
            fix="`flux-setup run --base-url URL` runs the wizard against another server "
            "(`flux-setup simulator` serves one).",
        )
    if not (o.files.project_given and o.choice.save_key):
        return
    env_file = o.files.env_file or o.files.project / ENV_NAME
    held = envfile.parse(read_optional(env_file, flag="--env-file"), env_file.name)
    key = held.values().get(KEY_VAR)
    if key and key.strip() != DEMO_KEY:
        raise UsageError(
            f"{env_file} holds an API key of its own: `demo --save-key` would replace it with "
            "the demo's (which only the simulator takes).",
            fix="Drop --save-key (the demo then keeps your key), or run the demo without "
            "--project, in a throw-away project.",
        )


def demo(ctx: Context) -> Report:
    from wizard.simulator import ScenarioError, load, serve

    o = ctx.options
    _refused_before_anything(o)
    try:
        scenario = load(o.demo.scenario)
    except ScenarioError as exc:
        raise UsageError(str(exc), fix="`flux-setup simulator --list` shows them.") from None
    _consent_for_a_real_folder(ctx)
    # Without --project: a throw-away project and a state home of its own, both removed at the
    # end unless --keep (a demo leaves nothing behind in the user's state either).
    scratch = None if o.files.project_given else Path(tempfile.mkdtemp(prefix="flux-demo-"))
    folder = o.files.project if scratch is None else scratch / "project"
    make_project(folder)
    ctx.ui.say(f"Demo project: {folder}")
    # The simulator takes any well-formed key: the demo's own, never into the user's keyring.
    environ = {**without_api_vars(ctx.environ), KEY_VAR: DEMO_KEY, KEYRING_VAR: "0"}
    session = replace(
        ctx, environ=environ, state_home=scratch / "state" if scratch else ctx.state_home
    )
    try:
        with serve(scenario) as running:
            ctx.ui.say(f"Simulated API ({o.demo.scenario} scenario) at {running.base_url}")
            # the next line names ANTHROPIC_API_KEY: say whose key that is before it does
            ctx.ui.say(
                "The demo sets ANTHROPIC_API_KEY to a key of its own for this run (the "
                "simulator takes any well-formed key); your own key is not used."
            )
            options = o.replaced(
                project=folder,
                base_url=running.base_url,
                # a throw-away project needs no consent; a real one has it (above)
                yes=o.writing.yes or (scratch is not None and not ctx.prompter.interactive),
            )
            report = run(replace(session, options=options))
    finally:
        if scratch is not None and not o.demo.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    report.fields["project"] = str(folder)
    report.fields["kept"] = scratch is None or o.demo.keep
    if scratch is not None and not o.demo.keep:
        ctx.ui.say(
            "Removed the throw-away project and its state: the files named above were in it "
            "(--keep keeps them to look at)."
        )
        return report
    shown = [name for name in (CONFIG_NAME, ENV_NAME, CHECKLIST_NAME) if (folder / name).exists()]
    ctx.ui.say(f"Look at the result: {folder} ({', '.join(shown)})")
    return report
