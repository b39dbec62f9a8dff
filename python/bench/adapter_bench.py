"""Environment steps per second through sspe_gym (the `sspe bench adapter` Python side).

    .venv/bin/python python/bench/adapter_bench.py --scenario scenarios/paper-testbed.yaml --envs 8 --steps 400

Steps `--envs` environments of the scenario through one `sspe serve-env`
child: one SspeEnv for --envs 1 (a message per step), a sspe_gym.VectorEnv
otherwise (one batched message per vector step). Actions are drawn uniformly
among the allowed ones with a seeded numpy generator, as bench/adapter.ts
does natively. Server start-up and the first reset are not timed. Prints one
JSON line: {"envs", "steps", "seconds", "steps_per_s"}.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import sspe_gym


def allowed_choice(rng: np.random.Generator, mask: np.ndarray) -> int:
    return int(rng.choice(np.flatnonzero(mask)))


def bench_single(scenario: str, steps: int, seed: int) -> float:
    env = sspe_gym.SspeEnv(scenario)
    try:
        rng = np.random.default_rng(seed)
        _, info = env.reset(seed=seed)
        started = time.perf_counter()
        for _ in range(steps):
            _, _, terminated, truncated, info = env.step(allowed_choice(rng, info["action_mask"]))
            if terminated or truncated:
                _, info = env.reset()
        return time.perf_counter() - started
    finally:
        env.close()


def bench_vector(scenario: str, envs: int, steps: int, seed: int) -> float:
    env = sspe_gym.VectorEnv(scenario, num_envs=envs)
    try:
        rng = np.random.default_rng(seed)
        env.reset(seed=seed)
        started = time.perf_counter()
        for _ in range(steps // envs):
            masks = env.action_masks()
            env.step(np.array([allowed_choice(rng, m) for m in masks]))
        return time.perf_counter() - started
    finally:
        env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/paper-testbed.yaml")
    parser.add_argument("--envs", type=int, default=1, help="environments per message (>= 1)")
    parser.add_argument("--steps", type=int, default=400, help="environment steps in all (>= --envs)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.envs < 1 or args.steps < args.envs:
        parser.error(f"expected --envs >= 1 and --steps >= --envs, got --envs {args.envs} --steps {args.steps}")
    steps = args.steps if args.envs == 1 else (args.steps // args.envs) * args.envs
    seconds = bench_single(args.scenario, steps, args.seed) if args.envs == 1 else bench_vector(args.scenario, args.envs, steps, args.seed)
    print(json.dumps({"envs": args.envs, "steps": steps, "seconds": seconds, "steps_per_s": steps / seconds}))


if __name__ == "__main__":
    main()
