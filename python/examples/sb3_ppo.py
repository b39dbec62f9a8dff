"""Train Stable-Baselines3 PPO on the paper testbed through sspe_gym, and score it against a random policy.

    .venv/bin/python python/examples/sb3_ppo.py                      # 4096 steps, seed 0, eval seeds 1000-1007
    .venv/bin/python python/examples/sb3_ppo.py --steps 20000 --save models/policies/sb3-ppo.zip

The learner is sb3-contrib's MaskablePPO (Stable-Baselines3's PPO that samples
only allowed actions): the environment rejects an action its
`info["action_mask"]` forbids (PROTOCOL.md, `invalid_action`), and
`SspeEnv.action_masks()` hands MaskablePPO the same mask. The random policy
picks uniformly among the allowed actions at every step, as the simulator's
own random baseline does (src/agents/baselines/random.ts).

Both policies are scored on the same evaluation seeds: episode i of each is
`reset(seed=seeds[i])`, so both face the same load level and the same
simulated noise; the figure is the mean undiscounted episode reward. Needs
`npm run build` (the server is `node dist/bridge/cli/main.js serve-env`) and
scripts/setup-python-rl.sh (torch, Stable-Baselines3, sb3-contrib).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

PYTHON_DIR = Path(__file__).resolve().parents[1]
if str(PYTHON_DIR) not in sys.path:  # run from a checkout without sspe_gym installed
    sys.path.insert(0, str(PYTHON_DIR))

import sspe_gym  # noqa: E402
from sb3_contrib import MaskablePPO  # noqa: E402
from stable_baselines3.common.monitor import Monitor  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv  # noqa: E402

DEFAULT_SCENARIO = "paper-testbed"
DEFAULT_EVAL_SEEDS = tuple(range(1000, 1008))

#: A policy for evaluation: (observation, action mask) -> action.
Policy = Callable[[np.ndarray, np.ndarray], int]


@dataclass
class Comparison:
    scenario: str
    train_steps: int
    train_seed: int
    train_wall_s: float
    eval_seeds: list[int]
    trained_mean_reward: float
    random_mean_reward: float
    trained_episode_rewards: list[float]
    random_episode_rewards: list[float]


def make_env(scenario: str = DEFAULT_SCENARIO) -> Monitor:
    """One environment (its own `sspe serve-env` child process), with SB3's episode statistics."""
    return Monitor(sspe_gym.make_env(scenario))


def train(scenario: str = DEFAULT_SCENARIO, steps: int = 4096, seed: int = 0, n_envs: int = 2) -> MaskablePPO:
    """MaskablePPO after `steps` environment steps (rounded up to whole rollouts of n_envs × 256 steps)."""
    # A 64-unit MLP gains nothing from intra-op threads; on a small shared machine they only contend.
    torch.set_num_threads(1)
    vec_env = DummyVecEnv([lambda: make_env(scenario) for _ in range(n_envs)])
    vec_env.seed(seed)
    model = MaskablePPO(
        "MlpPolicy",
        vec_env,
        n_steps=256,
        batch_size=64,
        n_epochs=10,
        learning_rate=3e-4,
        gamma=0.95,  # the paper's discount (scenario learning.dqn.gamma default)
        ent_coef=0.01,
        seed=seed,
        device="cpu",
        verbose=0,
    )
    model.learn(total_timesteps=steps)
    return model


def trained_policy(model: MaskablePPO) -> Policy:
    def act(observation: np.ndarray, mask: np.ndarray) -> int:
        action, _ = model.predict(observation, action_masks=mask.astype(bool), deterministic=True)
        return int(action)

    return act


def random_policy(seed: int = 0) -> Policy:
    """Uniform among the allowed actions (the simulator's random baseline)."""
    rng = np.random.default_rng(seed)

    def act(observation: np.ndarray, mask: np.ndarray) -> int:
        return int(rng.choice(np.flatnonzero(mask)))

    return act


def episode_rewards(policy: Policy, scenario: str, seeds: Sequence[int]) -> list[float]:
    """The undiscounted reward of one episode per seed (episode i starts with reset(seed=seeds[i]))."""
    env = sspe_gym.make_env(scenario)
    try:
        totals = []
        for seed in seeds:
            observation, info = env.reset(seed=int(seed))
            total, done = 0.0, False
            while not done:
                observation, reward, terminated, truncated, info = env.step(policy(observation, info["action_mask"]))
                total += reward
                done = terminated or truncated
            totals.append(total)
        return totals
    finally:
        env.close()


def compare(
    scenario: str = DEFAULT_SCENARIO,
    steps: int = 4096,
    seed: int = 0,
    eval_seeds: Sequence[int] = DEFAULT_EVAL_SEEDS,
    save: str | None = None,
) -> Comparison:
    started = time.perf_counter()
    model = train(scenario, steps=steps, seed=seed)
    wall_s = time.perf_counter() - started
    if save is not None:
        model.save(save)
    trained = episode_rewards(trained_policy(model), scenario, eval_seeds)
    random = episode_rewards(random_policy(seed), scenario, eval_seeds)
    return Comparison(
        scenario=scenario,
        train_steps=int(model.num_timesteps),
        train_seed=seed,
        train_wall_s=round(wall_s, 2),
        eval_seeds=[int(s) for s in eval_seeds],
        trained_mean_reward=float(np.mean(trained)),
        random_mean_reward=float(np.mean(random)),
        trained_episode_rewards=trained,
        random_episode_rewards=random,
    )


def seed_range(text: str) -> list[int]:
    """'1000-1007' or '1,2,3'."""
    if "-" in text:
        first, last = (int(part) for part in text.split("-", 1))
        return list(range(first, last + 1))
    return [int(part) for part in text.split(",")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="scenario name or YAML path (default paper-testbed)")
    parser.add_argument("--steps", type=int, default=4096, help="environment steps to train (default 4096)")
    parser.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    parser.add_argument("--eval-seeds", type=seed_range, default=list(DEFAULT_EVAL_SEEDS), help="evaluation episode seeds, e.g. 1000-1007")
    parser.add_argument("--save", default=None, help="write the trained model here (.zip)")
    args = parser.parse_args(argv)
    result = compare(args.scenario, steps=args.steps, seed=args.seed, eval_seeds=args.eval_seeds, save=args.save)
    print(json.dumps(asdict(result), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
