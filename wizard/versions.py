"""The installed version of a package, for doctor's versions line and the prices' source.

`importlib.metadata` costs ~25 ms to import (email, zipfile, csv) and scans every installed
package on each call: a third of what `doctor --offline` spent. An installed wheel names its
version in its folder (`anthropic-2.17.0.dist-info`, the name normalised, the version without a
`-`: the wheel format's rule), so that folder is looked for first on the import path, in the
order Python searches it; anything else (two such folders, an egg, a zip) is left to
importlib.metadata.
"""

from __future__ import annotations

import functools
import os
import re
import sys


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache  # read once a process: installs do not change under a running command
def installed(name: str) -> str | None:
    """The version of distribution `name`, or None when it is not installed."""
    wanted = _normal(name)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue  # a zip, a missing folder: importlib.metadata's to read
        found = [
            n[: -len(".dist-info")].partition("-")[2]
            for n in names
            if n.endswith(".dist-info") and _normal(n.partition("-")[0]) == wanted
        ]
        if len(found) == 1 and found[0]:
            return found[0]
        if found or any(_egg(n) == wanted for n in names):
            break  # two versions side by side, or an egg: the standard reading decides
    return _from_metadata(name)


def _egg(entry: str) -> str | None:
    if not entry.endswith((".egg-info", ".egg")):
        return None
    return _normal(entry.partition("-")[0].removesuffix(".egg-info").removesuffix(".egg"))


def _from_metadata(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
