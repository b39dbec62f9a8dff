"""Environment steps per second through sspe_gym (the `sspe bench adapter` Python side).

    .venv/bin/python python/bench/adapter_bench.py --scenario scenarios/paper-testbed.yaml --envs 8 --steps 400

Steps `--envs` environments of the scenario through one `sspe serve-env`
child: one SspeEnv for --envs 1 (a message per step), a sspe_gym.VectorEnv
otherwise (one batched message per vector step). Actions are drawn uniformly
among the allowed ones with a seeded numpy generator, as bench/adapter.ts
does natively. Server start-up and the first reset are not timed, nor are
--warmup steps taken first (same policy): a fresh server's JIT is cold for its
first few hundred steps, and bench/adapter.ts warms its native side the same
way. Prints one JSON line: {"envs", "steps", "seconds", "steps_per_s",
"warmup_steps", "warmup_steps_per_s"} (the last: the warm-up's own rate, a
fresh server's, 0 without warm-up).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import sspe_gym


def allowed_choice(rng: np.random.Generator, mask: np.ndarray) -> int:
    # The draws of rng.choice(allowed), at a fifth of its cost (~7 µs, not ~39 µs, per action here).
    allowed = np.flatnonzero(mask)
    return int(allowed[rng.integers(allowed.size)])


def bench_single(scenario: str, steps: int, seed: int, warmup: int) -> tuple[float, float]:
    """(timed seconds, warm-up seconds)."""
    env = sspe_gym.SspeEnv(scenario)
    try:
        rng = np.random.default_rng(seed)
        _, info = env.reset(seed=seed)

        def run(n: int) -> float:
            nonlocal info
            started = time.perf_counter()
            for _ in range(n):
                _, _, terminated, truncated, info = env.step(allowed_choice(rng, info["action_mask"]))
                if terminated or truncated:
                    _, info = env.reset()
            return time.perf_counter() - started

        warm = run(warmup)
        return run(steps), warm
    finally:
        env.close()


def bench_vector(scenario: str, envs: int, steps: int, seed: int, warmup: int) -> tuple[float, float]:
    """(timed seconds, warm-up seconds); `steps` and `warmup` are multiples of `envs`."""
    env = sspe_gym.VectorEnv(scenario, num_envs=envs)
    try:
        rng = np.random.default_rng(seed)
        env.reset(seed=seed)

        def run(n: int) -> float:
            started = time.perf_counter()
            for _ in range(n // envs):
                masks = env.action_masks()
                env.step(np.array([allowed_choice(rng, m) for m in masks]))
            return time.perf_counter() - started

        warm = run(warmup)
        return run(steps), warm
    finally:
        env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/paper-testbed.yaml")
    parser.add_argument("--envs", type=int, default=1, help="environments per message (>= 1)")
    parser.add_argument("--steps", type=int, default=400, help="environment steps in all (>= --envs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=0, help="untimed environment steps before the timed ones (>= 0)")
    args = parser.parse_args()
    if args.envs < 1 or args.steps < args.envs or args.warmup < 0:
        parser.error(f"expected --envs >= 1, --steps >= --envs and --warmup >= 0, got --envs {args.envs} --steps {args.steps} --warmup {args.warmup}")
    steps = (args.steps // args.envs) * args.envs
    warmup = (args.warmup // args.envs) * args.envs
    if args.envs == 1:
        seconds, warm = bench_single(args.scenario, steps, args.seed, warmup)
    else:
        seconds, warm = bench_vector(args.scenario, args.envs, steps, args.seed, warmup)
    print(json.dumps({"envs": args.envs, "steps": steps, "seconds": seconds, "steps_per_s": steps / seconds,
                      "warmup_steps": warmup, "warmup_steps_per_s": warmup / warm if warmup else 0}))


if __name__ == "__main__":
    main()
