"""Same seed, same trajectory: the hash computed in Python from what the server sent equals `sspe rollout --json`."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from sspe_gym import SspeEnv, TrajectoryHash, parallel_env, trajectory_hash

STEPS = 8


def rollout_hash(server, scenario, seed, actions, tmp_path, agents=None):
    actions_file = tmp_path / "actions.json"
    actions_file.write_text(json.dumps(actions))
    argv = [*server.command, "rollout", str(scenario), "--seed", str(seed), "--actions", str(actions_file), "--json"]
    if agents is not None:
        argv += ["--agents", agents]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-2000:]}"
    return json.loads(done.stdout)


@pytest.mark.parametrize("seed", [7, 123])
def test_single_agent_hash_matches_the_rollout(server, seed, tmp_path):
    rng = np.random.default_rng(seed)
    env = SspeEnv(server.scenario, command=server.command)
    try:
        observation, info = env.reset(seed=seed)
        observations, actions, rewards, terminated, truncated = [observation], [], [], [], []
        for _ in range(STEPS):
            action = int(rng.choice(np.flatnonzero(info["action_mask"])))
            observation, reward, term, trunc, info = env.step(action)
            for record, value in zip((observations, actions, rewards, terminated, truncated), (observation, action, reward, term, trunc)):
                record.append(value)
            if term or trunc:
                break
    finally:
        env.close()
    python_hash = trajectory_hash(observations, actions, rewards, terminated, truncated)
    expected = rollout_hash(server, server.scenario, seed, actions, tmp_path)
    assert expected["steps"] == len(actions)
    assert python_hash == expected["trajectory_hash"]


def test_multi_agent_hash_matches_the_rollout(server, tmp_path):
    seed = 9
    rng = np.random.default_rng(seed)
    scenario = server.parallel[0]
    env = parallel_env(scenario, command=server.command)
    try:
        observations, infos = env.reset(seed=seed)
        hasher = TrajectoryHash(env.possible_agents).reset(observations)
        actions_sent = []
        for _ in range(STEPS):
            actions = {a: int(rng.choice(np.flatnonzero(infos[a]["action_mask"]))) for a in env.agents}
            observations, rewards, terminations, truncations, infos = env.step(actions)
            hasher.step(actions, observations, rewards, terminations, truncations)
            actions_sent.append(actions)
            if not env.agents:
                break
    finally:
        env.close()
    expected = rollout_hash(server, scenario, seed, actions_sent, tmp_path, agents="all")
    assert expected["steps"] == hasher.steps
    assert hasher.hexdigest() == expected["trajectory_hash"]


def test_the_hash_changes_with_any_value_and_checks_its_lengths():
    obs = [np.zeros(2, np.float32), np.ones(2, np.float32)]
    base = trajectory_hash(obs, [1], [0.5], [False], [True])
    assert trajectory_hash(obs, [2], [0.5], [False], [True]) != base
    assert trajectory_hash(obs, [1], [0.25], [False], [True]) != base
    assert trajectory_hash(obs, [1], [0.5], [False], [False]) != base
    with pytest.raises(ValueError, match="one more observation than actions"):
        trajectory_hash(obs, [1, 2], [0.5], [False], [True])
