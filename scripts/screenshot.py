"""Render docs/demo.svg from a real `flux-setup demo` run against the simulator.

The picture in the README is produced, not drawn: rerun this after changing what the wizard
prints, and commit the new SVG.

    python scripts/screenshot.py [docs/demo.svg]
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
from pathlib import Path

from wizard.commands.demo import demo
from wizard.environment import utc_now
from wizard.flow.options import Options
from wizard.flow.session import Context
from wizard.prompts import NoInput
from wizard.render import UI


def render(target: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="flux-demo-")) / "my-flux-project"
    ui = UI(io.StringIO(), color=True, record=True)
    ui.console.width = 104
    ui.console.soft_wrap = False  # wrapped between words, as in a terminal
    ui.say("$ flux-setup demo --yes", style="bold")
    options = Options.of("demo", project=folder, project_given=True, yes=True)
    context = Context(
        options=options,
        environ={},
        read_stdin=lambda: "",
        prompter=NoInput(),
        ui=ui,
        now=utc_now,
        cwd=folder.parent,
        state_home=Path(tempfile.mkdtemp()),
    )
    demo(context)
    svg = ui.console.export_svg(title="flux-setup demo")
    # the throw-away folder's name changes every run; show a stable one
    svg = svg.replace(str(folder.parent), "/tmp/flux-demo")
    svg = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", svg)
    svg = re.sub(r"req_sim[0-9a-f]+", "req_sim0123456789abcdef0123", svg)
    target.write_text(svg, encoding="utf-8")


if __name__ == "__main__":
    render(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/demo.svg"))
