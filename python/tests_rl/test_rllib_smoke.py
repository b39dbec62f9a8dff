"""RLlib PPO runs one training iteration on paper-testbed in a local Ray, its env runner starting its own server."""

from __future__ import annotations

import json

import ray

import rllib_ppo

TRAIN_BATCH = 500  # ten 50-step episodes


def test_rllib_ppo_one_iteration_local() -> None:
    rllib_ppo.init_ray(address=None, num_cpus=2)
    try:
        config = rllib_ppo.build_config("paper-testbed", env_runners=1, train_batch_size=TRAIN_BATCH, seed=0)
        [summary] = rllib_ppo.train(config, iterations=1)
    finally:
        ray.shutdown()
    print("rllib smoke:", json.dumps(summary))
    assert summary["env_steps_sampled_lifetime"] >= TRAIN_BATCH
    assert summary["episodes"] >= 1
