"""Gymnasium ids for the scenarios a checkout ships: `sspe/<CamelCase of the file name>-v0`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gymnasium as gym

from .env import SspeEnv
from .locate import scenario_files

NAMESPACE = "sspe"


def env_id(scenario_file: str | os.PathLike[str]) -> str:
    """scenarios/paper-testbed.yaml → sspe/PaperTestbed-v0."""
    stem = Path(scenario_file).stem
    camel = "".join(part[:1].upper() + part[1:] for part in stem.replace("_", "-").split("-") if part)
    return f"{NAMESPACE}/{camel}-v0"


def register_scenarios() -> list[str]:
    """Register one id per scenarios/*.yaml of the checkout (none without one); the ids registered."""
    ids = []
    for path in scenario_files():
        name = env_id(path)
        if name not in gym.registry:
            gym.register(id=name, entry_point="sspe_gym.env:SspeEnv", kwargs={"scenario": str(path)})
        ids.append(name)
    return ids


def make_env(scenario_path: str | os.PathLike[str], **kwargs: Any) -> SspeEnv:
    """The single-agent environment of any scenario YAML (kwargs: encoding, command, tcp)."""
    return SspeEnv(scenario_path, **kwargs)
