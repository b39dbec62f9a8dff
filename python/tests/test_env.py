"""SspeEnv through Gymnasium's own checker, on every scenario the server runs; spaces, masks, seeding, registration."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import sspe_gym
from sspe_gym import ServerError, SspeEnv

from conftest import SCENARIOS


def test_check_env_passes_on_every_scenario_the_server_runs(server):
    """Absolute encoding: check_env steps actions it sampled in an earlier state, which a delta mask may forbid now."""
    assert server.single, f"expected {server.name} to run at least one scenario"
    for scenario in server.single:
        env = SspeEnv(scenario, command=server.command, encoding="absolute")
        try:
            check_env(env, skip_render_check=True)
        finally:
            env.close()


def test_spaces_are_mapped_exactly(server):
    with Closing(SspeEnv(server.scenario, command=server.command)) as env:
        described = env.client.request("spaces")
        box, discrete = described["observation_space"], described["action_space"]
        assert isinstance(env.observation_space, gym.spaces.Box) and env.observation_space.dtype == np.float32
        assert env.observation_space.shape == tuple(box["shape"])
        assert np.all(env.observation_space.low == box["low"]) and np.all(env.observation_space.high == box["high"])
        assert isinstance(env.action_space, gym.spaces.Discrete) and env.action_space.n == discrete["n"]


def test_the_mask_is_int8_and_sampling_with_it_gives_allowed_actions(server):
    with Closing(SspeEnv(server.scenario, command=server.command)) as env:
        observation, info = env.reset(seed=5)
        assert observation.dtype == np.float32 and observation in env.observation_space
        assert set(info) >= {"step", "fps", "next_fps", "config", "outcome", "action_mask"}
        assert info["outcome"] is None
        for _ in range(4):
            mask = info["action_mask"]
            assert mask.dtype == np.int8 and mask.shape == (env.action_space.n,)
            assert np.array_equal(env.action_masks(), mask)
            action = env.action_space.sample(mask=mask)
            observation, reward, terminated, truncated, info = env.step(action)
            assert isinstance(reward, float) and isinstance(terminated, bool) and isinstance(truncated, bool)
            assert info["outcome"] is not None
            if terminated or truncated:
                observation, info = env.reset()


def test_the_same_seed_gives_the_same_episode_and_seedless_resets_continue_the_stream(server):
    def episode_starts(seed):
        with Closing(SspeEnv(server.scenario, command=server.command)) as env:
            first = env.reset(seed=seed)[0]
            return [first] + [env.reset()[0] for _ in range(3)]

    a, b = episode_starts(11), episode_starts(11)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_an_invalid_action_raises_and_the_env_keeps_working(server):
    with Closing(SspeEnv(server.scenario, command=server.command)) as env:
        _, info = env.reset(seed=2)
        with pytest.raises(ServerError) as raised:
            env.step(env.action_space.n)
        assert raised.value.code == "invalid_action"
        env.step(int(np.flatnonzero(info["action_mask"])[0]))


def test_a_masked_action_raises_invalid_action(fake):
    with Closing(SspeEnv(fake.scenario, command=fake.command)) as env:
        _, info = env.reset(seed=2)
        forbidden = int(np.flatnonzero(info["action_mask"] == 0)[0])
        with pytest.raises(ServerError) as raised:
            env.step(forbidden)
        assert raised.value.code == "invalid_action"


def test_import_registers_one_id_per_shipped_scenario():
    expected = {sspe_gym.env_id(p) for p in SCENARIOS.glob("*.yaml")}
    assert "sspe/PaperTestbed-v0" in expected and "sspe/DiurnalPool-v0" in expected
    assert expected <= set(gym.registry)
    assert gym.spec("sspe/PaperTestbed-v0").kwargs["scenario"] == str(SCENARIOS / "paper-testbed.yaml")


def test_gym_make_finds_the_server_through_sspe_command(fake, monkeypatch):
    monkeypatch.setenv("SSPE_COMMAND", " ".join(fake.command))
    env = gym.make("sspe/PaperTestbed-v0")
    try:
        observation, info = env.reset(seed=1)
        assert observation in env.observation_space
    finally:
        env.close()
    with Closing(sspe_gym.make_env("spike.yaml")) as env:
        assert env.reset(seed=1)[0] in env.observation_space


class Closing:
    """`with Closing(env) as env:` — Gymnasium envs are not context managers in every version."""

    def __init__(self, env):
        self.env = env

    def __enter__(self):
        return self.env

    def __exit__(self, *exc):
        self.env.close()


def test_sampling_without_a_mask_respects_the_current_one_and_wall_time_stays_out_of_info(server):
    with Closing(SspeEnv(server.scenario, command=server.command)) as env:
        _, info = env.reset(seed=8)
        for _ in range(3):
            allowed = set(np.flatnonzero(info["action_mask"]).tolist())
            assert {int(env.action_space.sample()) for _ in range(50)} <= allowed
            _, _, terminated, truncated, info = env.step(env.action_space.sample())
            assert "wall_ms" not in info["outcome"]
            if terminated or truncated:
                _, info = env.reset()


def test_reset_options_pin_the_load_and_unknown_ones_warn(server):
    with Closing(SspeEnv(server.scenario, command=server.command)) as env:
        _, info = env.reset(seed=1, options={"fps": 20})
        assert info["fps"] == 20
        with pytest.warns(UserWarning, match="'colour' ignored"):
            env.reset(seed=1, options={"colour": "red"})


def test_local_cluster_is_served_by_the_simulator(real):
    """local-cluster.yaml describes this machine's real Spark, but serve-env always simulates: it starts and steps."""
    with Closing(SspeEnv(SCENARIOS / "local-cluster.yaml", command=real.command)) as env:
        assert env.client.server_info["scenario"] == "local-cluster"
        _, info = env.reset(seed=1)
        _, reward, _, _, info = env.step(env.action_space.sample())
        assert np.isfinite(reward) and info["outcome"] is not None
