"""The trajectory hash of PROTOCOL.md: SHA-256 over a reset and the steps after it, identical to `sspe rollout --json`.

Bytes, in order: the reset observation(s) as float32 little-endian; then per
step the action(s) as int32 little-endian, the observation(s) as float32, the
reward(s) as float64 and one byte `terminated | truncated << 1`. Multi-agent
values go in `possible_agents` order, each map holding the agents it is about
(a step's maps hold the agents live when it was taken).
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping, Sequence

import numpy as np


class TrajectoryHash:
    """Feed it what an episode returned, in order; `hexdigest()` at any point.

    `possible_agents` None: single-agent values. Otherwise every value is a
    map keyed by agent and is written in that order.
    """

    def __init__(self, possible_agents: Sequence[str] | None = None) -> None:
        self.possible_agents = None if possible_agents is None else list(possible_agents)
        self._sha = hashlib.sha256()
        self.steps = 0
        self._reset_seen = False

    def reset(self, observation: Any) -> "TrajectoryHash":
        if self._reset_seen:
            raise ValueError("expected one reset per trajectory hash, got a second; start a new TrajectoryHash per episode")
        self._reset_seen = True
        self._observations(observation)
        return self

    def step(self, action: Any, observation: Any, reward: Any, terminated: Any, truncated: Any) -> "TrajectoryHash":
        if not self._reset_seen:
            raise ValueError("expected reset(observation) before step(...)")
        self._ordered(action, lambda a: np.asarray(a, dtype="<i4").tobytes())
        self._observations(observation)
        self._ordered(reward, lambda r: np.asarray(r, dtype="<f8").tobytes())
        if self.possible_agents is None:
            self._sha.update(_flags(terminated, truncated))
        else:
            for agent in self._order(terminated):
                self._sha.update(_flags(terminated[agent], truncated[agent]))
        self.steps += 1
        return self

    def hexdigest(self) -> str:
        return self._sha.hexdigest()

    def _observations(self, observation: Any) -> None:
        self._ordered(observation, lambda o: np.asarray(o, dtype="<f4").tobytes())

    def _ordered(self, value: Any, encode: Any) -> None:
        if self.possible_agents is None:
            self._sha.update(encode(value))
            return
        for agent in self._order(value):
            self._sha.update(encode(value[agent]))

    def _order(self, per_agent: Mapping[str, Any]) -> list[str]:
        assert self.possible_agents is not None
        unknown = set(per_agent) - set(self.possible_agents)
        if unknown:
            raise ValueError(f"expected agents among {', '.join(self.possible_agents)}, got {', '.join(sorted(unknown))}")
        return [agent for agent in self.possible_agents if agent in per_agent]


def _flags(terminated: Any, truncated: Any) -> bytes:
    return bytes([int(bool(terminated)) | (int(bool(truncated)) << 1)])


def trajectory_hash(
    observations: Sequence[Any],
    actions: Sequence[Any],
    rewards: Sequence[Any],
    terminated: Sequence[Any],
    truncated: Sequence[Any],
    *,
    possible_agents: Sequence[str] | None = None,
) -> str:
    """The hash of one episode: `observations[0]` from reset, then step k's action, observation k+1, reward, flags.

    Single-agent: plain values. Multi-agent: pass possible_agents, and maps
    keyed by agent (each step's as the step returned them).
    """
    steps = len(actions)
    if not (len(observations) == steps + 1 and len(rewards) == len(terminated) == len(truncated) == steps):
        raise ValueError(
            "expected one more observation than actions and one reward/terminated/truncated per action, got "
            f"{len(observations)} observations, {steps} actions, {len(rewards)} rewards, {len(terminated)} terminated, {len(truncated)} truncated"
        )
    hasher = TrajectoryHash(possible_agents).reset(observations[0])
    for k in range(steps):
        hasher.step(actions[k], observations[k + 1], rewards[k], terminated[k], truncated[k])
    return hasher.hexdigest()
