"""The protocol's space descriptions (PROTOCOL.md "Spaces") as Gymnasium spaces, and its values as numpy."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from gymnasium import spaces


def to_space(description: Mapping[str, Any]) -> spaces.Box | spaces.Discrete:
    """BOX → Box(low, high, shape, float32); DISCRETE → Discrete(n)."""
    kind = description.get("type")
    if kind == "Box":
        dtype = description.get("dtype", "float32")
        if dtype != "float32":
            raise ValueError(f"expected a Box of dtype float32, got {dtype!r} in {dict(description)!r}")
        shape = tuple(int(n) for n in description["shape"])
        return spaces.Box(low=float(description["low"]), high=float(description["high"]), shape=shape, dtype=np.float32)
    if kind == "Discrete":
        return spaces.Discrete(int(description["n"]))
    raise ValueError(f"expected a space of type Box or Discrete, got {kind!r} in {dict(description)!r}")


def observation(values: Any) -> np.ndarray:
    """A received observation: its numbers are exact float32 values, so this loses nothing."""
    return np.asarray(values, dtype=np.float32)


def info(received: Mapping[str, Any]) -> dict[str, Any]:
    """The server's info as sent, but for action_mask: an int8 array (what Discrete.sample(mask=…) and MaskablePPO take)."""
    out = dict(received)
    if "action_mask" in out:
        out["action_mask"] = np.asarray(out["action_mask"], dtype=np.int8)
    return out


#: The reset options the protocol defines (PROTOCOL.md, op reset); the server refuses any other key.
RESET_OPTIONS = ("fps",)


def reset_options(options: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The options to send: those the protocol defines. Others are dropped with a warning, not an error,
    because Gymnasium and PettingZoo pass options meant for any environment (pettingzoo.test sends {"options": 1})."""
    if not options:
        return None
    unknown = [k for k in options if k not in RESET_OPTIONS]
    if unknown:
        import warnings

        warnings.warn(f"reset options {', '.join(map(repr, unknown))} ignored: sspe environments take only {', '.join(RESET_OPTIONS)}", stacklevel=3)
    kept = {k: v for k, v in options.items() if k in RESET_OPTIONS}
    return kept or None


def action(value: Any) -> int:
    """An action as the protocol's JSON integer (numpy integers included); anything else is left for the server to reject."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, np.integer):
        return int(value)
    return value


#: Outcome fields measured on the host, not in the episode: Gymnasium's contract (check_env) wants a step's
#: info to be a function of seed and actions, so these move to the environment's `last_host_fields`.
HOST_OUTCOME_FIELDS = ("wall_ms",)


def split_host_fields(info: dict[str, Any]) -> dict[str, Any]:
    """Take HOST_OUTCOME_FIELDS out of info["outcome"] (in place); what was taken."""
    outcome = info.get("outcome")
    if not isinstance(outcome, dict):
        return {}
    taken = {k: outcome[k] for k in HOST_OUTCOME_FIELDS if k in outcome}
    info["outcome"] = {k: v for k, v in outcome.items() if k not in HOST_OUTCOME_FIELDS}
    return taken


class CurrentMask:
    """The mask an environment's next action must respect; None before the first reset (then all are allowed)."""

    def __init__(self) -> None:
        self.mask: np.ndarray | None = None


class MaskedDiscrete(spaces.Discrete):
    """Discrete(n) whose sample() without a mask draws among the actions the environment allows now.

    Random policies that know nothing of masks (check_env, pettingzoo.test,
    a quick `env.action_space.sample()`) then send actions the server accepts.
    Membership (`contains`) is the whole space, as for Discrete.
    """

    def __init__(self, n: int, seed: Any = None) -> None:
        super().__init__(n, seed=seed)
        self.current = CurrentMask()

    def sample(self, mask: Any = None, probability: Any = None) -> np.int64:  # type: ignore[override]
        if mask is None and probability is None and self.current.mask is not None:
            mask = self.current.mask
        return super().sample(mask=mask, probability=probability)


def to_action_space(description: Mapping[str, Any]) -> MaskedDiscrete:
    space = to_space(description)
    if not isinstance(space, spaces.Discrete):
        raise ValueError(f"expected a Discrete action space, got {dict(description)!r}")
    return MaskedDiscrete(int(space.n))
