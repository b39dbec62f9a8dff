"""The multi-agent environment of a scenario (the server's TeamEnv, `serve-env --agents …`) as a pettingzoo.ParallelEnv."""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from . import spaces as wire
from .client import Client, open_client
from .seeding import np_random_seed, server_seed


class SspeParallelEnv(ParallelEnv[str, np.ndarray, int]):
    """Every live agent acts at once; maps keyed by agent, as the server sends them.

    Each agent's info carries the server's keys (step, fps, next_fps, config,
    outcome, changed) with action_mask as an int8 array over that agent's own
    actions. Seeding follows SspeEnv: reset(seed=s) sends s, reset() a seed
    drawn from the environment's own stream.

    With mask_in_observation=True each observation is PettingZoo's masked form
    `{"observation": Box, "action_mask": int8 array}` (the form
    pettingzoo.test's random policy, and PettingZoo's classic games, read a
    mask from); by default it is the Box alone and the mask is in infos only.
    Either way `action_space(agent).sample()` draws among that agent's allowed
    actions (spaces.MaskedDiscrete).
    """

    metadata: dict[str, Any] = {"name": "sspe_parallel_v0", "render_modes": [], "is_parallelizable": True}

    def __init__(
        self,
        scenario: str | os.PathLike[str] | None = None,
        *,
        agents: str | Sequence[str] = "all",
        client: Client | None = None,
        encoding: str | None = None,
        command: Sequence[str] | None = None,
        tcp: bool = False,
        mask_in_observation: bool = False,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"expected render_mode None (sspe environments do not render), got {render_mode!r}")
        self.render_mode = None
        self.client, self._owns_client = open_client(scenario, client, "parallel", agents=agents, encoding=encoding, command=command, tcp=tcp)
        try:
            described = self.client.request("spaces")
            self.possible_agents: list[str] = list(described["possible_agents"])
            self._action_spaces = {a: wire.to_action_space(described["action_spaces"][a]) for a in self.possible_agents}
            self._observation_spaces = {a: wire.to_space(described["observation_spaces"][a]) for a in self.possible_agents}
            if mask_in_observation:
                self._observation_spaces = {
                    a: spaces.Dict({"observation": box, "action_mask": spaces.MultiBinary(int(self._action_spaces[a].n))})  # type: ignore[attr-defined]
                    for a, box in self._observation_spaces.items()
                }
            self.state_space: spaces.Box = wire.to_space(described["state_space"])  # type: ignore[assignment]
            self.env_id: int = self.client.request("make", count=1)["envs"][0]
        except BaseException:
            self._close_client()
            raise
        # PettingZoo's ParallelEnv declares these as plain attributes; ours are fixed at construction.
        self.observation_spaces = self._observation_spaces
        self.action_spaces = self._action_spaces
        self.agents: list[str] = []
        #: Each agent's last outcome's host-measured fields (wall_ms), kept out of infos like SspeEnv's.
        self.last_host_fields: dict[str, dict[str, Any]] = {}
        self.mask_in_observation = mask_in_observation
        self._np_random, _ = seeding.np_random()
        self._masks: dict[str, np.ndarray] = {}

    def observation_space(self, agent: str) -> spaces.Space[Any]:
        return self._known(self._observation_spaces, agent)

    def action_space(self, agent: str) -> spaces.Space[Any]:
        return self._known(self._action_spaces, agent)

    def reset(self, seed: int | str | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        if seed is not None:
            self._np_random, _ = seeding.np_random(np_random_seed(seed))
        fields: dict[str, Any] = {"envs": [self.env_id], "seeds": [server_seed(seed, self._np_random)]}
        sent_options = wire.reset_options(options)
        if sent_options is not None:
            fields["options"] = sent_options
        received = self.client.request("reset", **fields)["results"][0]
        infos = {a: wire.info(i) for a, i in received["infos"].items()}
        observations = self._observations(received["observations"], infos)
        self.agents = [a for a in self.possible_agents if a in observations]
        self._remember_masks(infos)
        return observations, infos

    def step(self, actions: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]]:
        sent = {agent: wire.action(value) for agent, value in actions.items()}
        received = self.client.request("step", envs=[self.env_id], actions=[sent])["results"][0]
        infos = {a: wire.info(i) for a, i in received["infos"].items()}
        observations = self._observations(received["observations"], infos)
        rewards = {a: float(r) for a, r in received["rewards"].items()}
        terminations = {a: bool(t) for a, t in received["terminations"].items()}
        truncations = {a: bool(t) for a, t in received["truncations"].items()}
        self.agents = [a for a in self.possible_agents if a in received["agents"]]
        self._remember_masks(infos)
        return observations, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        return wire.observation(self.client.request("state", envs=[self.env_id])["states"][0])

    def action_masks(self) -> dict[str, np.ndarray]:
        """Each live agent's mask (int8) from the last reset or step."""
        return {agent: mask.copy() for agent, mask in self._masks.items() if agent in self.agents}

    def render(self) -> None:
        return None

    def close(self) -> None:
        if self.client.closed:
            return
        if self._owns_client:
            self._close_client()
        else:
            self.client.request("close", envs=[self.env_id])

    def _observations(self, received: dict[str, Any], infos: dict[str, dict[str, Any]]) -> dict[str, Any]:
        observations = {a: wire.observation(o) for a, o in received.items()}
        if not self.mask_in_observation:
            return observations
        return {a: {"observation": o, "action_mask": infos[a]["action_mask"].copy()} for a, o in observations.items()}

    def _remember_masks(self, infos: dict[str, dict[str, Any]]) -> None:
        self.last_host_fields = {a: wire.split_host_fields(info) for a, info in infos.items()}
        self._masks = {a: info["action_mask"] for a, info in infos.items() if "action_mask" in info}
        for agent, mask in self._masks.items():
            self._action_spaces[agent].current.mask = mask  # type: ignore[attr-defined]

    def _close_client(self) -> None:
        if self._owns_client:
            self.client.close()

    def _known(self, table: dict[str, spaces.Space[Any]], agent: str) -> spaces.Space[Any]:
        try:
            return table[agent]
        except KeyError:
            raise KeyError(f"expected one of the agents {', '.join(self.possible_agents)}, got {agent!r}") from None


def parallel_env(scenario_path: str | os.PathLike[str], agents: str | Sequence[str] = "all", **kwargs: Any) -> SspeParallelEnv:
    """The multi-agent environment of any scenario YAML (PettingZoo's `parallel_env()` convention)."""
    return SspeParallelEnv(scenario_path, agents=agents, **kwargs)
