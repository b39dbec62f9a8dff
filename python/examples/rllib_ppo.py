"""Train RLlib's PPO (Ray) on an sspe scenario through sspe_gym: on this machine, or on a Ray cluster.

    .venv/bin/python python/examples/rllib_ppo.py                                 # a local Ray, 1 env runner, 1 iteration
    .venv/bin/python python/examples/rllib_ppo.py --iterations 20 --env-runners 2
    .venv/bin/python python/examples/rllib_ppo.py --address ray://head-node:10001 --env-runners 16 --iterations 200
    .venv/bin/python python/examples/rllib_ppo.py --address auto --env-server-port 7300   # servers already up on each node

How the environments reach the Ray workers
------------------------------------------
The script registers an environment creator with Ray (`register_env`, name
"sspe"); RLlib calls it inside every EnvRunner actor, on whichever node that
actor lands, once per sub-environment. The creator calls
`sspe_gym.make_env(scenario)`, which starts that actor's own
`sspe serve-env <scenario>` child process (`node dist/bridge/cli/main.js
serve-env`, JSON lines over its stdin/stdout; python/PROTOCOL.md) and ends it
when the environment closes or the actor exits. So there is nothing to start
by hand: each node only needs what that child needs, i.e. a built sspe
checkout (Node >= 20.19, `npm ci && npm run build`) and the checkout's .venv
with sspe_gym (`bash scripts/setup-python.sh && bash
scripts/setup-python-rl.sh`), found as sspe_gym's locate.py says (the
checkout sspe_gym sits in, or SSPE_COMMAND, or `sspe` on PATH). The scenario
is passed by name ("paper-testbed") and resolved inside each node's checkout.

Alternatively, with `--env-server-port P`, each node runs one long-lived
server itself, e.g. `node dist/bridge/cli/main.js serve-env
scenarios/paper-testbed.yaml --port P` started beside `ray start`; the
creator then connects to 127.0.0.1:P on its own node (the server listens on
loopback only, and every connection gets its own environments).

The learner is RLlib's PPO on its new API stack with the action-masking
RLModule that ships in RLlib's examples (ActionMaskingTorchRLModule): the
environment rejects actions its `info["action_mask"]` forbids, so
`MaskInObservation` puts the mask into the observation
(`{"action_mask", "observations"}`), where that module reads it and masks the
logits.

"Local mode" (the default, and what python/tests_rl runs): `ray.init()` with
no address starts a one-node Ray on this machine (Ray removed its old
single-process `local_mode`); `--env-runners 0` samples in the driver
process itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import gymnasium as gym
import numpy as np

PYTHON_DIR = Path(__file__).resolve().parents[1]
if str(PYTHON_DIR) not in sys.path:  # run from a checkout without sspe_gym installed
    sys.path.insert(0, str(PYTHON_DIR))

ENV_NAME = "sspe"
DEFAULT_SCENARIO = "paper-testbed"


class MaskInObservation(gym.Wrapper):
    """Observation {"action_mask": float32 mask, "observations": the environment's observation} (RLlib's masking layout)."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        n = int(env.action_space.n)  # type: ignore[attr-defined]
        self.observation_space = gym.spaces.Dict(
            {
                "action_mask": gym.spaces.Box(0.0, 1.0, shape=(n,), dtype=np.float32),
                "observations": env.observation_space,
            }
        )

    @staticmethod
    def _with_mask(observation: np.ndarray, info: dict[str, Any]) -> dict[str, np.ndarray]:
        return {"action_mask": np.asarray(info["action_mask"], dtype=np.float32), "observations": observation}

    def reset(self, **kwargs: Any):  # type: ignore[override]
        observation, info = self.env.reset(**kwargs)
        return self._with_mask(observation, info), info

    def step(self, action: Any):  # type: ignore[override]
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self._with_mask(observation, info), reward, terminated, truncated, info


def make_sspe_env(env_config: dict[str, Any]) -> gym.Env:
    """Ray's environment creator: runs in each EnvRunner, starts (or connects to) that worker's server."""
    import sspe_gym

    scenario = env_config.get("scenario", DEFAULT_SCENARIO)
    port = env_config.get("env_server_port")
    if port is None:
        env = sspe_gym.make_env(scenario)  # this worker's own `sspe serve-env` child process
    else:
        env = sspe_gym.SspeEnv(client=sspe_gym.Client.connect("127.0.0.1", int(port)))
    return MaskInObservation(env)


def build_config(
    scenario: str = DEFAULT_SCENARIO,
    env_runners: int = 1,
    envs_per_runner: int = 1,
    train_batch_size: int = 500,
    env_server_port: int | None = None,
    seed: int = 0,
):
    """PPOConfig for the scenario: one learner in the driver, `env_runners` sampling actors (0: sample in the driver)."""
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec
    from ray.rllib.examples.rl_modules.classes.action_masking_rlm import ActionMaskingTorchRLModule
    from ray.tune.registry import register_env

    register_env(ENV_NAME, make_sspe_env)
    return (
        PPOConfig()
        .environment(ENV_NAME, env_config={"scenario": scenario, "env_server_port": env_server_port})
        .framework("torch")
        .env_runners(
            num_env_runners=env_runners,
            num_envs_per_env_runner=envs_per_runner,
            num_cpus_per_env_runner=1,
            rollout_fragment_length="auto",
        )
        .learners(num_learners=0)
        .training(
            train_batch_size_per_learner=train_batch_size,
            minibatch_size=100,
            num_epochs=4,
            gamma=0.95,
            lr=3e-4,
        )
        .rl_module(
            rl_module_spec=RLModuleSpec(
                module_class=ActionMaskingTorchRLModule,
                model_config={"fcnet_hiddens": [64, 64], "head_fcnet_hiddens": [64], "fcnet_activation": "relu"},
            )
        )
        .debugging(seed=seed)
    )


def init_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """A local one-node Ray (address None) or a connection to a cluster (`auto`, `ray://host:10001`, `host:6379`)."""
    import ray

    if address is None:
        # Workers of a local Ray inherit the environment: let them import sspe_gym and this module from the checkout.
        here = str(Path(__file__).resolve().parent)
        paths = [str(PYTHON_DIR), here] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}},
            log_to_driver=False,
        )
    else:
        ray.init(address=address)


def train(config, iterations: int = 1) -> list[dict[str, Any]]:
    """Build PPO, run `iterations` training iterations; one summary per iteration."""
    algo = config.build_algo()
    try:
        summaries = []
        for i in range(iterations):
            started = time.perf_counter()
            result = algo.train()
            summaries.append(summarize(result, i + 1, time.perf_counter() - started))
        return summaries
    finally:
        algo.stop()


def _plain(value: Any) -> Any:
    """A metric as a plain Python number (RLlib reduces some to numpy scalars)."""
    return value.item() if isinstance(value, np.generic) else value


def summarize(result: dict[str, Any], iteration: int, wall_s: float) -> dict[str, Any]:
    runners = result.get("env_runners", {})
    return {
        "iteration": iteration,
        "wall_s": round(wall_s, 2),
        "env_steps_sampled": _plain(runners.get("num_env_steps_sampled")),
        "env_steps_sampled_lifetime": _plain(runners.get("num_env_steps_sampled_lifetime")),
        "episodes": _plain(runners.get("num_episodes")),
        "episode_return_mean": _plain(runners.get("episode_return_mean")),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", default=None, help="Ray cluster address for ray.init (default: start a local Ray)")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="scenario name or YAML path, resolved on each worker")
    parser.add_argument("--iterations", type=int, default=1, help="training iterations (default 1)")
    parser.add_argument("--env-runners", type=int, default=1, help="sampling actors, each with its own server (0: sample in the driver)")
    parser.add_argument("--envs-per-runner", type=int, default=1, help="environments (servers) per sampling actor")
    parser.add_argument("--train-batch-size", type=int, default=500, help="env steps per training iteration (default 500: 10 episodes)")
    parser.add_argument("--env-server-port", type=int, default=None, help="connect to a server already listening on 127.0.0.1:PORT on each node")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray (default: all)")
    args = parser.parse_args(argv)

    import ray

    init_ray(args.address, num_cpus=args.num_cpus)
    try:
        config = build_config(
            args.scenario,
            env_runners=args.env_runners,
            envs_per_runner=args.envs_per_runner,
            train_batch_size=args.train_batch_size,
            env_server_port=args.env_server_port,
            seed=args.seed,
        )
        for summary in train(config, args.iterations):
            print(json.dumps(summary))
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
