"""The multi-agent environment through PettingZoo's own parallel_api_test, plus spaces, state and errors."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo.test import parallel_api_test

from sspe_gym import ServerError, parallel_env


@pytest.mark.parametrize("mask_in_observation", [True, False])
def test_parallel_api_test_passes(server, mask_in_observation):
    """parallel_api_test acts at random: through action_space(agent).sample() (mask-aware) or a dict observation's mask."""
    for scenario in server.parallel:
        env = parallel_env(scenario, command=server.command, mask_in_observation=mask_in_observation)
        try:
            parallel_api_test(env, num_cycles=100)
        finally:
            env.close()


def test_the_masked_observation_holds_the_mask(fake):
    env = parallel_env(fake.scenario, command=fake.command, mask_in_observation=True)
    try:
        observations, infos = env.reset(seed=4)
        for agent, observation in observations.items():
            assert observation in env.observation_space(agent)
            assert np.array_equal(observation["action_mask"], infos[agent]["action_mask"])
    finally:
        env.close()


def test_spaces_are_the_same_objects_and_agents_follow_the_episode(server):
    env = parallel_env(server.scenario, command=server.command)
    try:
        assert env.agents == []
        for agent in env.possible_agents:
            assert env.observation_space(agent) is env.observation_space(agent)
            assert env.action_space(agent) is env.action_space(agent)
            assert isinstance(env.action_space(agent), spaces.Discrete)
        observations, infos = env.reset(seed=3)
        assert env.agents == env.possible_agents
        assert set(observations) == set(infos) == set(env.agents)
        state = env.state()
        assert state.dtype == np.float32 and state in env.state_space
        for _ in range(200):
            actions = {a: env.action_space(a).sample(mask=infos[a]["action_mask"]) for a in env.agents}
            observations, rewards, terminations, truncations, infos = env.step(actions)
            assert set(rewards) == set(actions)
            for agent, info in infos.items():
                assert info["action_mask"].dtype == np.int8 and isinstance(info["changed"], bool)
                assert observations[agent] in env.observation_space(agent)
            if not env.agents:
                break
        assert env.agents == []
    finally:
        env.close()


def test_a_step_naming_a_dead_or_missing_agent_raises_and_the_env_keeps_working(server):
    env = parallel_env(server.scenario, command=server.command)
    try:
        _, infos = env.reset(seed=1)
        actions = {a: int(np.flatnonzero(infos[a]["action_mask"])[0]) for a in env.agents}
        with pytest.raises(ServerError) as raised:
            env.step({**actions, "nobody": 0})
        assert raised.value.code in ("invalid_action", "bad_request")
        with pytest.raises(ServerError):
            env.step(dict(list(actions.items())[1:]))
        observations, *_ = env.step(actions)
        assert set(observations) == set(actions)
    finally:
        env.close()


def test_unknown_agent_names_the_agents(fake):
    env = parallel_env(fake.scenario, command=fake.command)
    try:
        with pytest.raises(KeyError) as raised:
            env.observation_space("nobody")
        assert "cluster" in str(raised.value)
    finally:
        env.close()
