"""VectorEnv: one batched message per step, the same trajectories as N SspeEnvs, autoreset as Gymnasium 1.x says."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from sspe_gym import ServerError, SspeEnv, VectorEnv

NUM_ENVS = 3


def masked_actions(rng, masks):
    return np.array([rng.choice(np.flatnonzero(m)) for m in masks])


def test_the_vector_env_equals_n_single_envs_across_autoresets(server):
    seeds = [21, 22, 23]
    steps = 14
    vector = VectorEnv(server.scenario, NUM_ENVS, command=server.command)
    singles = [SspeEnv(server.scenario, command=server.command) for _ in range(NUM_ENVS)]
    try:
        assert vector.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
        observations, infos = vector.reset(seed=seeds)
        single_obs = [env.reset(seed=s)[0] for env, s in zip(singles, seeds)]
        assert np.array_equal(observations, np.stack(single_obs))
        assert np.array_equal(infos["action_mask"], np.stack([e.action_masks() for e in singles]))
        rng = np.random.default_rng(0)
        ended = [False] * NUM_ENVS
        episodes_ended = 0
        for _ in range(steps):
            actions = masked_actions(rng, vector.action_masks())
            observations, rewards, terminations, truncations, infos = vector.step(actions)
            for i, env in enumerate(singles):
                if ended[i]:  # NEXT_STEP: this step was the env's reset.
                    expected_obs, _ = env.reset()
                    expected = (expected_obs, 0.0, False, False)
                else:
                    obs, reward, terminated, truncated, _ = env.step(actions[i])
                    expected = (obs, reward, terminated, truncated)
                assert np.array_equal(observations[i], expected[0])
                assert (rewards[i], terminations[i], truncations[i]) == expected[1:]
                assert np.array_equal(vector.action_masks()[i], env.action_masks())
                ended[i] = bool(terminations[i] or truncations[i])
                episodes_ended += ended[i]
        if server.name == "fake":
            assert episodes_ended >= NUM_ENVS  # Five-step episodes: the run crossed autoresets.
    finally:
        vector.close()
        for env in singles:
            env.close()


def test_each_step_is_one_batched_round_trip(fake):
    vector = VectorEnv(fake.scenario, NUM_ENVS, command=fake.command)
    try:
        assert vector.observation_space.shape == (NUM_ENVS, 3) and vector.action_space.shape == (NUM_ENVS,)
        sent = []
        real_pipeline = vector.client.pipeline

        def counting(requests):
            requests = list(requests)
            sent.append([op for op, _ in requests])
            return real_pipeline(requests)

        vector.client.pipeline = counting
        vector.reset(seed=1)
        rng = np.random.default_rng(1)
        for _ in range(12):
            vector.step(masked_actions(rng, vector.action_masks()))
        assert len(sent) == 13
        assert all(ops in (["reset"], ["step"], ["step", "reset"], ["reset"]) for ops in sent)
        assert ["step", "reset"] in sent  # An autoreset rode along with the others' step.
    finally:
        vector.close()


def test_same_step_autoreset_puts_the_final_observation_in_infos(fake):
    vector = VectorEnv(fake.scenario, 2, command=fake.command, autoreset_mode=AutoresetMode.SAME_STEP)
    try:
        assert vector.metadata["autoreset_mode"] is AutoresetMode.SAME_STEP
        vector.reset(seed=[5, 6])
        rng = np.random.default_rng(2)
        for steps in range(1, 10):
            observations, rewards, terminations, truncations, infos = vector.step(masked_actions(rng, vector.action_masks()))
            if truncations.any():
                break
        ended = truncations
        assert ended.any()  # The fake's episodes are 4 to 6 steps long.
        assert infos["_final_obs"].tolist() == ended.tolist()
        i = int(np.flatnonzero(ended)[0])
        assert infos["final_obs"][i].shape == observations[i].shape
        assert infos["final_info"]["step"][i] == steps
        assert infos["step"][i] == 0  # What comes back is the new episode's.
        assert not infos.get("_outcome", np.zeros(2, dtype=bool))[i]  # Null after a reset: left out.
    finally:
        vector.close()


def test_disabled_autoreset_resets_only_what_reset_mask_names(fake):
    vector = VectorEnv(fake.scenario, 2, command=fake.command, autoreset_mode="Disabled")
    try:
        first, _ = vector.reset(seed=[1, 2])
        vector.step(masked_actions(np.random.default_rng(0), vector.action_masks()))
        after, infos = vector.reset(options={"reset_mask": np.array([False, True])})
        assert infos["_step"].tolist() == [False, True]
        assert not np.array_equal(after[0], first[0])  # Env 0 kept its stepped observation.
    finally:
        vector.close()


def test_a_bad_action_in_the_batch_raises_and_no_env_moves(server):
    vector = VectorEnv(server.scenario, 2, command=server.command)
    try:
        vector.reset(seed=[1, 2])
        good = masked_actions(np.random.default_rng(0), vector.action_masks())
        with pytest.raises(ServerError) as raised:
            vector.step(np.array([good[0], vector.single_action_space.n]))
        assert raised.value.code == "invalid_action"
        _, _, _, _, infos = vector.step(good)
        assert infos["step"].tolist() == [1, 1]
    finally:
        vector.close()


def test_batch_infos_keeps_gymnasium_layout_and_dtypes_from_every_value():
    """The one-pass type check (vector._batch_values) gives what the general rules give: dtype from every
    value, a `_key` mask of who has the key, nested dicts batched, others as object arrays; in any order."""
    from sspe_gym.vector import batch_infos

    mask = np.array([1, 0, 1], dtype=np.int8)
    infos = {
        2: {"step": 3, "fps": 12.5, "ok": True, "name": "b", "outcome": {"p": {"mean": 1.0}}, "action_mask": mask},
        0: {"step": 1, "fps": 10, "ok": False, "name": "a", "outcome": {"p": {"mean": 2}}, "action_mask": mask, "only0": 7},
    }
    out = batch_infos(infos, 4)
    assert out["step"].dtype == np.int64 and out["step"].tolist() == [1, 0, 3, 0]
    assert out["fps"].dtype == np.float64 and out["fps"].tolist() == [10.0, 0.0, 12.5, 0.0]
    assert out["ok"].dtype == np.bool_ and out["ok"].tolist() == [False, False, True, False]
    assert out["name"].dtype == object and out["name"].tolist() == ["a", None, "b", None]
    assert out["outcome"]["p"]["mean"].dtype == np.float64 and out["outcome"]["p"]["mean"].tolist() == [2.0, 0.0, 1.0, 0.0]
    assert out["action_mask"].dtype == np.int8 and out["action_mask"].shape == (4, 3)
    assert out["_step"].tolist() == [True, False, True, False] and out["_only0"].tolist() == [True, False, False, False]
    assert out["only0"].tolist() == [7, 0, 0, 0]
    assert out["_outcome"].tolist() == out["outcome"]["_p"].tolist() == [True, False, True, False]
    mixed = batch_infos({0: {"x": 1}, 1: {"x": True}}, 2)
    assert mixed["x"].dtype == object
    full = batch_infos({0: {"x": 1}, 1: {"x": 2.5}}, 2)
    assert full["x"].dtype == np.float64 and full["x"].tolist() == [1.0, 2.5]


def test_a_vector_env_whose_server_failed_to_start_closes_quietly():
    """__init__ raising before a client exists leaves gymnasium's __del__ calling close(): no AttributeError."""
    env = VectorEnv.__new__(VectorEnv)
    env.close()
    assert env.closed
