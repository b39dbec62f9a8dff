"""SspeEnv: the single-agent environment of a scenario (the server's ConfigEnv) as a gymnasium.Env."""

from __future__ import annotations

import os
from typing import Any, Sequence

import gymnasium as gym
import numpy as np

from . import spaces as wire
from .client import Client, open_client
from .seeding import np_random_seed, server_seed


class SspeEnv(gym.Env[np.ndarray, int]):
    """One environment served by `sspe serve-env <scenario>` (its own server process, or a shared Client).

    info carries the server's keys as sent (step, fps, next_fps, config,
    outcome), with action_mask as an int8 array; `action_masks()` returns the
    same mask for sb3-contrib's MaskablePPO, and `action_space.sample()`
    draws among the allowed actions (spaces.MaskedDiscrete). The outcome's
    wall_ms, a measurement of this host, is in `last_host_fields`, not info.
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        scenario: str | os.PathLike[str] | None = None,
        *,
        client: Client | None = None,
        encoding: str | None = None,
        command: Sequence[str] | None = None,
        tcp: bool = False,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"expected render_mode None (sspe environments do not render), got {render_mode!r}")
        self.client, self._owns_client = open_client(scenario, client, "single", encoding=encoding, command=command, tcp=tcp)
        try:
            described = self.client.request("spaces")
            self.observation_space = wire.to_space(described["observation_space"])
            self.action_space: wire.MaskedDiscrete = wire.to_action_space(described["action_space"])
            self.env_id: int = self.client.request("make", count=1)["envs"][0]
        except BaseException:
            self._close_client()
            raise
        self.scenario_name = str(self.client.server_info.get("scenario"))
        self._mask: np.ndarray | None = None
        #: The last outcome's host-measured fields (wall_ms), kept out of info (see spaces.HOST_OUTCOME_FIELDS).
        self.last_host_fields: dict[str, Any] = {}

    def reset(self, *, seed: int | str | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=np_random_seed(seed))
        fields: dict[str, Any] = {"envs": [self.env_id], "seeds": [server_seed(seed, self.np_random)]}
        sent_options = wire.reset_options(options)
        if sent_options is not None:
            fields["options"] = sent_options
        received = self.client.request("reset", **fields)["results"][0]
        info = self._take_info(received["info"])
        return wire.observation(received["observation"]), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        received = self.client.request("step", envs=[self.env_id], actions=[wire.action(action)])["results"][0]
        info = self._take_info(received["info"])
        return (
            wire.observation(received["observation"]),
            float(received["reward"]),
            bool(received["terminated"]),
            bool(received["truncated"]),
            info,
        )

    def _take_info(self, received: dict[str, Any]) -> dict[str, Any]:
        info = wire.info(received)
        self.last_host_fields = wire.split_host_fields(info)
        self._mask = info.get("action_mask")
        self.action_space.current.mask = self._mask
        return info

    def action_masks(self) -> np.ndarray:
        """1 where the next action is allowed (int8, length n); before the first reset, every action."""
        if self._mask is None:
            return np.ones(int(self.action_space.n), dtype=np.int8)  # type: ignore[attr-defined]
        return self._mask.copy()

    def close(self) -> None:
        if self.client.closed:
            return
        if self._owns_client:
            self._close_client()
        else:
            self.client.request("close", envs=[self.env_id])

    def _close_client(self) -> None:
        if self._owns_client:
            self.client.close()
