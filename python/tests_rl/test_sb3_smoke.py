"""Stable-Baselines3 (sb3-contrib's MaskablePPO) trains a few thousand steps on paper-testbed and beats a random policy."""

from __future__ import annotations

import json
from dataclasses import asdict

import sb3_ppo

TRAIN_STEPS = 4096
TRAIN_SEED = 0
#: The same evaluation episodes for both policies: reset(seed=s) for each s.
EVAL_SEEDS = list(range(1000, 1008))


def test_maskable_ppo_beats_random_on_paper_testbed() -> None:
    result = sb3_ppo.compare("paper-testbed", steps=TRAIN_STEPS, seed=TRAIN_SEED, eval_seeds=EVAL_SEEDS)
    print("sb3 smoke:", json.dumps(asdict(result)))
    assert result.train_steps >= TRAIN_STEPS
    assert len(result.trained_episode_rewards) == len(EVAL_SEEDS)
    assert result.trained_mean_reward > result.random_mean_reward, (
        f"expected the trained policy's mean episode reward over seeds {EVAL_SEEDS} to beat the random policy's, "
        f"got {result.trained_mean_reward:.3f} (trained) vs {result.random_mean_reward:.3f} (random)"
    )
