"""Where the server and the scenarios are: the sspe checkout this package came from, or `sspe` on PATH.

The server command is, in order: the environment variable SSPE_COMMAND (split
like a shell would), `node <checkout>/dist/bridge/cli/main.js` for the
checkout this package's source sits in or whose `.venv` runs this Python,
else `sspe` on PATH.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from .errors import ServerNotFoundError

#: The built CLI inside a checkout.
CLI_RELATIVE = Path("dist") / "bridge" / "cli" / "main.js"
COMMAND_ENV = "SSPE_COMMAND"


def _is_checkout(path: Path) -> bool:
    return (path / "package.json").is_file() and (path / "scenarios").is_dir()


def checkout_candidates() -> list[Path]:
    """The directories that may be the sspe checkout, most specific first."""
    here = Path(__file__).resolve()
    # python/sspe_gym/locate.py inside the repository (a source or editable import).
    candidates = [here.parents[2]]
    # A non-editable install into the repository's .venv: sys.prefix is <checkout>/.venv.
    candidates.append(Path(sys.prefix).resolve().parent)
    # `sspe` on PATH is npm's link to <checkout>/dist/bridge/cli/main.js.
    on_path = shutil.which("sspe")
    if on_path is not None:
        target = Path(on_path).resolve()
        if target.parts[-len(CLI_RELATIVE.parts):] == CLI_RELATIVE.parts:
            candidates.append(target.parents[len(CLI_RELATIVE.parts) - 1])
    return candidates


def find_checkout() -> Path | None:
    """The sspe checkout (package.json and scenarios/ at its root), or None."""
    for candidate in checkout_candidates():
        if _is_checkout(candidate):
            return candidate
    return None


def server_command() -> list[str]:
    """The argv prefix that runs the sspe CLI; `serve-env …` or `rollout …` goes after it."""
    configured = os.environ.get(COMMAND_ENV)
    if configured is not None and configured.strip() != "":
        return shlex.split(configured)
    tried = [f"${COMMAND_ENV} (unset)"]
    for candidate in checkout_candidates():
        cli = candidate / CLI_RELATIVE
        if cli.is_file():
            node = shutil.which("node")
            if node is None:
                tried.append(f"{cli} (found, but no `node` on PATH to run it)")
                continue
            return [node, str(cli)]
        tried.append(f"{cli} (missing{'; run `npm run build` there' if _is_checkout(candidate) else ''})")
    on_path = shutil.which("sspe")
    if on_path is not None:
        return [on_path]
    tried.append("`sspe` on PATH (not found)")
    raise ServerNotFoundError(
        "expected a way to start `sspe serve-env`, found none; tried: " + "; ".join(tried)
        + f". Set {COMMAND_ENV}, e.g. {COMMAND_ENV}='node /path/to/sspe/{CLI_RELATIVE.as_posix()}'."
    )


def scenarios_dir() -> Path | None:
    checkout = find_checkout()
    return None if checkout is None else checkout / "scenarios"


def resolve_scenario(scenario: str | os.PathLike[str]) -> Path:
    """An existing scenario file: the path as given (relative to cwd), else inside the checkout's scenarios/."""
    given = Path(scenario)
    tried = [str(given.resolve())]
    if given.is_file():
        return given.resolve()
    directory = scenarios_dir()
    if directory is not None and not given.is_absolute():
        for name in (given, Path(given.name)):
            for candidate in (directory / name, directory / f"{name}.yaml"):
                if candidate.is_file():
                    return candidate.resolve()
                tried.append(str(candidate))
    raise FileNotFoundError(
        f"expected scenario {str(scenario)!r} to be a file, found none; tried: {', '.join(dict.fromkeys(tried))}"
    )


def scenario_files() -> list[Path]:
    """Every scenario the checkout ships (scenarios/*.yaml), sorted by name; empty without a checkout."""
    directory = scenarios_dir()
    return [] if directory is None else sorted(directory.glob("*.yaml"))

