"""VectorEnv: N single-agent environments of one server, stepped with ONE batched message per step.

The point is that the process boundary is not the bottleneck: a step of N
environments costs one request line and one response line (two, pipelined in
one round trip, when some environments autoreset while others step).

Autoreset follows Gymnasium 1.x, as `metadata["autoreset_mode"]` says:
NEXT_STEP (default) resets an environment on the step after its episode
ended (that step's action is ignored; reward 0, not terminated/truncated);
SAME_STEP resets it within the step that ended it and puts the last
observation and info under infos["final_obs"] and infos["final_info"];
DISABLED never resets on its own: reset(options={"reset_mask": mask}) resets
the chosen ones.

Sub-environment i seeded with s behaves exactly like SspeEnv reset with
seed s: its later seedless resets draw their server seeds from its own
np_random stream (seeding.server_seed), so N SspeEnvs and one VectorEnv agree.
Infos are batched in Gymnasium's layout (a key, and `_key` saying which
environments have it; see batch_infos); a value the server sent as null (the
outcome after a reset) is left out, so `_outcome` is False there.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from . import spaces as wire
from .client import Client, open_client
from .seeding import np_random_seed, server_seed


class VectorEnv(gym.vector.VectorEnv[np.ndarray, np.ndarray, np.ndarray]):
    """`num_envs` environments of one scenario, served by one server process."""

    def __init__(
        self,
        scenario: str | os.PathLike[str] | None = None,
        num_envs: int = 1,
        *,
        client: Client | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        encoding: str | None = None,
        command: Sequence[str] | None = None,
        tcp: bool = False,
    ) -> None:
        if not isinstance(num_envs, (int, np.integer)) or isinstance(num_envs, bool) or num_envs < 1:
            raise ValueError(f"expected a positive integer num_envs, got {num_envs!r}")
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self.metadata = {"render_modes": [], "autoreset_mode": self.autoreset_mode}
        self.num_envs = int(num_envs)
        self.client, self._owns_client = open_client(scenario, client, "single", encoding=encoding, command=command, tcp=tcp)
        try:
            described = self.client.request("spaces")
            self.single_observation_space = wire.to_space(described["observation_space"])
            self.single_action_space = wire.to_space(described["action_space"])
            self.env_ids: list[int] = list(self.client.request("make", count=self.num_envs)["envs"])
        except BaseException:
            if self._owns_client:
                self.client.close()
            raise
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        n_actions = int(self.single_action_space.n)  # type: ignore[attr-defined]
        self._env_rngs: list[np.random.Generator] = [seeding.np_random()[0] for _ in range(self.num_envs)]
        self._observations = np.zeros((self.num_envs, *self.single_observation_space.shape), dtype=np.float32)  # type: ignore[misc]
        self._masks = np.ones((self.num_envs, n_actions), dtype=np.int8)
        self._ended = np.zeros(self.num_envs, dtype=np.bool_)
        #: Each environment's last outcome's host-measured fields (wall_ms), kept out of infos like SspeEnv's.
        self.last_host_fields: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]

    # ---- reset -------------------------------------------------------------------------------

    def reset(self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        seeds = self._seeds(seed)
        if isinstance(seed, (int, np.integer)):
            self._np_random, self._np_random_seed = seeding.np_random(int(seed))
        options = dict(options or {})
        reset_mask = options.pop("reset_mask", None)
        chosen = np.ones(self.num_envs, dtype=np.bool_) if reset_mask is None else np.asarray(reset_mask, dtype=np.bool_)
        if chosen.shape != (self.num_envs,):
            raise ValueError(f"expected options['reset_mask'] of shape ({self.num_envs},), got {chosen.shape}")
        indices = [i for i in range(self.num_envs) if chosen[i]]
        infos: dict[int, dict[str, Any]] = {}
        if indices:
            request = self._reset_request(indices, [seeds[i] for i in indices], options)
            results = self.client.pipeline([request])[0]["results"]
            for i, received in zip(indices, results):
                infos[i] = self._take_reset(i, received)
        return self._observations.copy(), batch_infos(infos, self.num_envs)

    def _seeds(self, seed: int | Sequence[int | None] | None) -> list[int | None]:
        if seed is None:
            return [None] * self.num_envs
        if isinstance(seed, (int, np.integer)):
            return [int(seed) + i for i in range(self.num_envs)]
        seeds = list(seed)
        if len(seeds) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} seeds (one per environment), got {len(seeds)}")
        return seeds

    def _reset_request(self, indices: list[int], seeds: list[int | None], options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The reset of `indices`; a given seed also reseeds that environment's own stream (as SspeEnv.reset does)."""
        sent = []
        for i, seed in zip(indices, seeds):
            if seed is not None:
                self._env_rngs[i] = seeding.np_random(np_random_seed(seed))[0]
            sent.append(server_seed(seed, self._env_rngs[i]))
        fields: dict[str, Any] = {"envs": [self.env_ids[i] for i in indices], "seeds": sent}
        sent_options = wire.reset_options(options)
        if sent_options is not None:
            fields["options"] = sent_options
        return "reset", fields

    def _take_reset(self, i: int, received: dict[str, Any]) -> dict[str, Any]:
        self._observations[i] = wire.observation(received["observation"])
        self._ended[i] = False
        return self._remember(i, wire.info(received["info"]))

    # ---- step --------------------------------------------------------------------------------

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = np.asarray(actions)
        if actions.shape != (self.num_envs,):
            raise ValueError(f"expected actions of shape ({self.num_envs},), got {actions.shape}")
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminations = np.zeros(self.num_envs, dtype=np.bool_)
        truncations = np.zeros(self.num_envs, dtype=np.bool_)
        infos: dict[int, dict[str, Any]] = {}
        resetting = [i for i in range(self.num_envs) if self._ended[i]] if self.autoreset_mode is AutoresetMode.NEXT_STEP else []
        stepping = [i for i in range(self.num_envs) if i not in resetting]
        requests = []
        if stepping:
            requests.append(("step", {"envs": [self.env_ids[i] for i in stepping], "actions": [wire.action(actions[i]) for i in stepping]}))
        if resetting:
            requests.append(self._reset_request(resetting, [None] * len(resetting), {}))
        answers = self.client.pipeline(requests)
        if stepping:
            for i, received in zip(stepping, answers[0]["results"]):
                self._observations[i] = wire.observation(received["observation"])
                rewards[i] = float(received["reward"])
                terminations[i] = bool(received["terminated"])
                truncations[i] = bool(received["truncated"])
                infos[i] = self._remember(i, wire.info(received["info"]))
                self._ended[i] = terminations[i] or truncations[i]
        if resetting:
            for i, received in zip(resetting, answers[-1]["results"]):
                infos[i] = self._take_reset(i, received)
        if self.autoreset_mode is AutoresetMode.SAME_STEP:
            infos = self._reset_ended_now(infos)
        return self._observations.copy(), rewards, terminations, truncations, batch_infos(infos, self.num_envs)

    def _reset_ended_now(self, infos: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """SAME_STEP: reset what just ended; its last observation and info go under final_obs / final_info."""
        ended = [i for i in range(self.num_envs) if self._ended[i]]
        if not ended:
            return infos
        final_obs = {i: self._observations[i].copy() for i in ended}
        results = self.client.pipeline([self._reset_request(ended, [None] * len(ended), {})])[0]["results"]
        merged = dict(infos)
        for i, received in zip(ended, results):
            merged[i] = {**self._take_reset(i, received), "final_obs": final_obs[i], "final_info": infos[i]}
        return merged

    def _remember(self, i: int, info: dict[str, Any]) -> dict[str, Any]:
        self.last_host_fields[i] = wire.split_host_fields(info)
        if "action_mask" in info:
            self._masks[i] = info["action_mask"]
        return _without_nulls(info)

    # ---- the rest ----------------------------------------------------------------------------

    def action_masks(self) -> np.ndarray:
        """(num_envs, n) int8: 1 where each environment's next action is allowed."""
        return self._masks.copy()

    def close_extras(self, **kwargs: Any) -> None:
        # No client when __init__ failed before it had one (gymnasium's __del__ still closes).
        if getattr(self, "client", None) is None or self.client.closed:
            return
        if self._owns_client:
            self.client.close()
        else:
            self.client.request("close", envs=self.env_ids)


def _without_nulls(info: dict[str, Any]) -> dict[str, Any]:
    return {k: (_without_nulls(v) if isinstance(v, dict) else v) for k, v in info.items() if v is not None}


def batch_infos(infos: dict[int, dict[str, Any]], num_envs: int) -> dict[str, Any]:
    """Per-environment infos in Gymnasium's vector layout: `key` an array over environments, `_key` which have it.

    Unlike VectorEnv._add_info, an array's dtype comes from every value, not
    the first: fps 10 in one environment and 12.5 in another gives float64.
    final_obs stays an object array (Gymnasium's convention).
    """
    keys = list(dict.fromkeys(k for info in infos.values() for k in info))
    everywhere = np.zeros(num_envs, dtype=np.bool_)
    everywhere[list(infos)] = True
    out: dict[str, Any] = {}
    for key in keys:
        present = {i: info[key] for i, info in infos.items() if key in info}
        if len(present) == len(infos):
            mask = everywhere.copy()
        else:
            mask = np.zeros(num_envs, dtype=np.bool_)
            mask[list(present)] = True
        out[key] = _batch_values(key, present, num_envs)
        out[f"_{key}"] = mask
    return out


#: The array dtype for values that are all of one of these exact types (what JSON gives).
_SCALAR_DTYPES = {bool: np.bool_, int: np.int64, float: np.float64}


def _batch_values(key: str, present: dict[int, Any], num_envs: int) -> Any:
    values = list(present.values())
    types = set(map(type, values))
    # The common case first, decided from the set of exact types (one pass); other mixes go the long way below.
    if len(types) == 1 or types == {int, float}:
        kind = float if len(types) == 2 else next(iter(types))
        if kind is dict and key != "final_obs":
            return batch_infos(present, num_envs)
        if kind in _SCALAR_DTYPES:
            if len(values) == num_envs and all(i == j for i, j in enumerate(present)):
                return np.array(values, dtype=_SCALAR_DTYPES[kind])
            array = np.zeros(num_envs, dtype=_SCALAR_DTYPES[kind])
            array[list(present)] = values
            return array
    if key != "final_obs" and all(isinstance(v, dict) for v in values):
        return batch_infos(present, num_envs)
    if key != "final_obs" and all(isinstance(v, np.ndarray) for v in values) and len({v.shape for v in values}) == 1:
        array = np.zeros((num_envs, *values[0].shape), dtype=np.result_type(*values))
    elif all(isinstance(v, bool) for v in values):
        array = np.zeros(num_envs, dtype=np.bool_)
    elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        array = np.zeros(num_envs, dtype=np.int64)
    elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        array = np.zeros(num_envs, dtype=np.float64)
    else:
        array = np.full(num_envs, fill_value=None, dtype=object)
    for i, value in present.items():
        array[i] = value
    return array
