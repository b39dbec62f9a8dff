"""Gymnasium, PettingZoo and vector environments of the sspe simulator, served by `sspe serve-env` (python/PROTOCOL.md).

Importing registers one Gymnasium id per scenario the checkout ships
(`gymnasium.make("sspe/PaperTestbed-v0")`); `make_env(path)` and
`parallel_env(path)` take any scenario YAML.
"""

from .client import PROTOCOL_VERSION, Client
from .env import SspeEnv
from .errors import ERROR_CODES, ServerError, ServerExitedError, ServerNotFoundError, SspeError
from .locate import find_checkout, resolve_scenario, server_command
from .parallel import SspeParallelEnv, parallel_env
from .registration import env_id, make_env, register_scenarios
from .trajectory import TrajectoryHash, trajectory_hash
from .vector import VectorEnv

__all__ = [
    "ERROR_CODES",
    "PROTOCOL_VERSION",
    "Client",
    "ServerError",
    "ServerExitedError",
    "ServerNotFoundError",
    "SspeEnv",
    "SspeError",
    "SspeParallelEnv",
    "TrajectoryHash",
    "VectorEnv",
    "env_id",
    "find_checkout",
    "make_env",
    "parallel_env",
    "register_scenarios",
    "resolve_scenario",
    "server_command",
    "trajectory_hash",
]

#: The ids registered at import.
registered_ids = register_scenarios()
