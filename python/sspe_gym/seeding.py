"""Seeds the client sends when Gymnasium's reset gets seed=None.

Gymnasium's contract: reset(seed=s) seeds the environment's np_random; reset()
continues that stream. The server's episodes are seeded by what the client
sends, so a seedless reset sends a seed drawn from np_random: the episode
sequence after reset(seed=s) is then as repeatable as s itself. An explicit
seed goes to the server unchanged, so `sspe rollout --seed s` sees the same
episode.
"""

from __future__ import annotations

import numpy as np

#: Drawn server seeds lie in [0, 2**31): any JSON integer would do, these also fit an int32 anywhere.
SEED_BOUND = 2**31


def server_seed(seed: int | str | None, np_random: np.random.Generator) -> int | str:
    """`seed` itself when given, else the next seed of the environment's own stream."""
    if seed is not None:
        if isinstance(seed, (bool, float)) or not isinstance(seed, (int, str, np.integer)):
            raise TypeError(f"expected a seed that is an integer, a string or None, got {seed!r}")
        return int(seed) if isinstance(seed, np.integer) else seed
    return int(np_random.integers(SEED_BOUND))


def np_random_seed(seed: int | str | None) -> int | None:
    """What seeds the Gymnasium side's np_random: the integer itself; a string seed through its SHA-256."""
    if isinstance(seed, str):
        import hashlib

        return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "little")
    return None if seed is None else int(seed)
