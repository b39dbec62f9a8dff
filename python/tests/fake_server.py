"""A tiny stand-in for `sspe serve-env` and `sspe rollout` that speaks python/PROTOCOL.md, for the client's unit tests.

Run as `python fake_server.py serve-env <scenario> [--agents all|a,b] [--port N]`
or `python fake_server.py rollout <scenario> --seed S --actions FILE [--agents …] --json`.
Its environment: observations of 3 floats (agents: cluster 2, parallelism 3),
Discrete(4) actions (agents: 3 and 5), episodes of 4 to 6 steps (by seed) that end truncated,
and a mask that forbids the last action on even steps, so masks matter.
FAKE_SSPE_EXIT_ON=<op> makes it exit (code 3) on receiving that op.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import struct
import sys
from pathlib import Path
from typing import Any

EPISODE_STEPS = (4, 5, 6)
SINGLE = {"obs": 3, "n": 4}
AGENTS = {"cluster": {"obs": 2, "n": 3}, "parallelism": {"obs": 3, "n": 5}}
STATE_SIZE = 4


class Fail(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


class Episode:
    """One environment; agents None for the single-agent kind."""

    def __init__(self, agents: list[str] | None) -> None:
        self.agents = agents
        self.rng: random.Random | None = None
        self.step_count = 0
        self.live: list[str] = []
        self.fps = 10.0
        self.length = EPISODE_STEPS[0]

    def spec(self) -> dict[str, dict[str, int]]:
        return {"_": SINGLE} if self.agents is None else {a: AGENTS[a] for a in self.agents}

    def reset(self, seed: Any, options: dict[str, Any]) -> dict[str, Any]:
        self.rng = random.Random(json.dumps(seed) if seed is not None else os.urandom(8))
        self.step_count = 0
        self.length = self.rng.choice(EPISODE_STEPS)
        self.fps = float(options.get("fps", self.rng.choice([10, 12.5, 20])))
        self.live = [] if self.agents is None else list(self.agents)
        if self.agents is None:
            return {"observation": self.observe("_"), "info": self.info("_", None)}
        return {"observations": {a: self.observe(a) for a in self.live}, "infos": {a: self.info(a, None) for a in self.live}}

    def mask(self, who: str) -> list[int]:
        n = self.spec()[who]["n"]
        return [0 if (a == n - 1 and self.step_count % 2 == 0) else 1 for a in range(n)]

    def observe(self, who: str) -> list[float]:
        assert self.rng is not None
        return [f32(self.rng.random()) for _ in range(self.spec()[who]["obs"])]

    def info(self, who: str, outcome: Any) -> dict[str, Any]:
        info = {"step": self.step_count, "fps": self.fps, "next_fps": self.fps, "config": {"executor_cores": 1 + self.step_count % 3, "serializer": "kryo"},
                "outcome": outcome, "action_mask": self.mask(who)}
        if self.agents is not None:
            info["changed"] = self.step_count > 0
        return info

    def check(self, action: Any) -> None:
        if self.rng is None:
            raise Fail("not_reset", "step before reset: send reset for this environment first")
        if self.agents is None:
            self.check_one("_", action)
            return
        if not isinstance(action, dict):
            raise Fail("bad_request", f"actions: expected an object {{agent: integer}}, got {json.dumps(action)}")
        if sorted(action) != sorted(self.live):
            raise Fail("invalid_action", f"actions: expected exactly the live agents {', '.join(self.live) or '(none)'}, got {', '.join(action) or '(none)'}")
        for agent, value in action.items():
            self.check_one(agent, value)

    def check_one(self, who: str, action: Any) -> None:
        n = self.spec()[who]["n"]
        if not isinstance(action, int) or isinstance(action, bool) or not 0 <= action < n:
            raise Fail("invalid_action", f"action: expected an integer in [0, {n}), got {json.dumps(action)}")
        if self.mask(who)[action] != 1:
            raise Fail("invalid_action", f"action: {action} is not allowed by the action mask now; allowed: {[a for a, m in enumerate(self.mask(who)) if m]}")

    def step(self, action: Any) -> dict[str, Any]:
        assert self.rng is not None
        self.step_count += 1
        truncated = self.step_count >= self.length
        total = sum(action.values()) if isinstance(action, dict) else action
        reward = -abs(total - 1.5) / 3 + self.rng.random() * 0.01
        outcome = {"latency_ms": {"mean": 400.0 + total, "p50": 390.0, "p95": 500.0, "p99": 520.0, "max": 600.0}, "cost_per_hour": 0.5}
        if self.agents is None:
            return {"observation": self.observe("_"), "reward": reward, "terminated": False, "truncated": truncated, "info": self.info("_", outcome)}
        acted = list(self.live)
        result = {
            "observations": {a: self.observe(a) for a in acted},
            "rewards": {a: reward for a in acted},
            "terminations": {a: False for a in acted},
            "truncations": {a: truncated for a in acted},
            "infos": {a: self.info(a, outcome) for a in acted},
        }
        if truncated:
            self.live = []
        result["agents"] = list(self.live)
        return result

    def state(self) -> list[float]:
        return [f32(self.step_count / self.length), f32(self.fps / 100), 0.25, 0.5]


class Connection:
    def __init__(self, scenario: str, agents: list[str] | None) -> None:
        self.scenario = scenario
        self.agents = agents
        self.envs: dict[int, Episode] = {}
        self.next_id = 0

    def handle_line(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except json.JSONDecodeError as error:
            return {"id": None, "ok": False, "error": {"code": "bad_json", "message": f"expected one JSON object per line: {error}"}}
        if not isinstance(request, dict):
            return {"id": None, "ok": False, "error": {"code": "bad_request", "message": "expected a JSON object"}}
        request_id = request.get("id")
        if os.environ.get("FAKE_SSPE_EXIT_ON") == request.get("op"):
            print(f"fake server: exiting on {request.get('op')} as asked", file=sys.stderr, flush=True)
            os._exit(3)
        try:
            return {"id": request_id, "ok": True, "result": self.handle(request)}
        except Fail as failure:
            return {"id": request_id, "ok": False, "error": {"code": failure.code, "message": failure.message}}

    def chosen(self, request: dict[str, Any]) -> list[Episode]:
        ids = request.get("envs")
        if not isinstance(ids, list):
            raise Fail("bad_request", "envs: expected an array of environment ids")
        for i in ids:
            if i not in self.envs:
                raise Fail("unknown_env", f"envs: expected ids of this connection's environments ({sorted(self.envs)}), got {json.dumps(i)}")
        return [self.envs[i] for i in ids]

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "hello":
            if request.get("protocol") != 1:
                raise Fail("protocol", f"protocol: expected 1, got {json.dumps(request.get('protocol'))}")
            return {"protocol": 1, "server": "fake 0.0.0", "scenario": Path(self.scenario).stem, "kind": "single" if self.agents is None else "parallel"}
        if op == "spaces":
            box = lambda n: {"type": "Box", "low": 0, "high": 1, "shape": [n], "dtype": "float32"}  # noqa: E731
            if self.agents is None:
                return {"kind": "single", "observation_space": box(SINGLE["obs"]), "action_space": {"type": "Discrete", "n": SINGLE["n"]}, "agents": None}
            return {"kind": "parallel", "possible_agents": self.agents, "observation_spaces": {a: box(AGENTS[a]["obs"]) for a in self.agents},
                    "action_spaces": {a: {"type": "Discrete", "n": AGENTS[a]["n"]} for a in self.agents}, "state_space": box(STATE_SIZE)}
        if op == "make":
            count = request.get("count", 1)
            if not isinstance(count, int) or count < 1:
                raise Fail("bad_request", f"count: expected an integer >= 1, got {json.dumps(count)}")
            ids = []
            for _ in range(count):
                self.envs[self.next_id] = Episode(self.agents)
                ids.append(self.next_id)
                self.next_id += 1
            return {"envs": ids}
        if op == "reset":
            envs = self.chosen(request)
            seeds = request.get("seeds", [None] * len(envs))
            if not isinstance(seeds, list) or len(seeds) != len(envs):
                raise Fail("bad_request", f"seeds: expected an array of {len(envs)} seeds, got {json.dumps(seeds)}")
            for seed in seeds:
                if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, str))):
                    raise Fail("bad_request", f"seeds: expected integers, strings or null, got {json.dumps(seed)}")
            options = request.get("options", {})
            return {"results": [env.reset(seed, options) for env, seed in zip(envs, seeds)]}
        if op == "step":
            envs = self.chosen(request)
            actions = request.get("actions")
            if not isinstance(actions, list) or len(actions) != len(envs):
                raise Fail("bad_request", f"actions: expected an array of {len(envs)} actions, got {json.dumps(actions)}")
            for env, action in zip(envs, actions):
                env.check(action)
            return {"results": [env.step(action) for env, action in zip(envs, actions)]}
        if op == "state":
            if self.agents is None:
                raise Fail("bad_request", "state: only the multi-agent kind has a state")
            return {"states": [env.state() for env in self.chosen(request)]}
        if op == "close":
            ids = request.get("envs", list(self.envs))
            envs = self.chosen({"envs": ids})
            for i in ids:
                del self.envs[i]
            return {"closed": ids if envs is not None else []}
        raise Fail("unknown_op", f"op: expected one of hello, spaces, make, reset, step, state, close, got {json.dumps(op)}")


def agents_of(option: str | None) -> list[str] | None:
    if option is None:
        return None
    if option == "all":
        return list(AGENTS)
    return [a for a in AGENTS if a in option.split(",")]


def serve(args: argparse.Namespace) -> int:
    agents = agents_of(args.agents)
    if args.port is None:
        connection = Connection(args.scenario, agents)
        for line in sys.stdin.buffer:
            sys.stdout.write(json.dumps(connection.handle_line(line)) + "\n")
            sys.stdout.flush()
        return 0
    server = socket.create_server(("127.0.0.1", args.port))
    print(json.dumps({"event": "listening", "host": "127.0.0.1", "port": server.getsockname()[1]}), flush=True)
    while True:  # One connection at a time is enough for the tests; SIGTERM ends it.
        conn, _ = server.accept()
        connection = Connection(args.scenario, agents)
        with conn, conn.makefile("rb") as lines:
            for line in lines:
                conn.sendall((json.dumps(connection.handle_line(line)) + "\n").encode())


def rollout(args: argparse.Namespace) -> int:
    """The hash written independently of sspe_gym.trajectory, so that a shared mistake cannot hide."""
    agents = agents_of(args.agents)
    seed: Any = int(args.seed) if args.seed.lstrip("-").isdigit() else args.seed
    actions = json.loads(Path(args.actions).read_text())
    env = Episode(agents)
    sha = hashlib.sha256()
    pack_obs = lambda o: b"".join(struct.pack("<f", x) for x in o)  # noqa: E731
    first = env.reset(seed, {})
    sha.update(pack_obs(first["observation"]) if agents is None else b"".join(pack_obs(first["observations"][a]) for a in agents))
    steps = 0
    for action in actions:
        result = env.step(action)
        steps += 1
        if agents is None:
            sha.update(struct.pack("<i", action) + pack_obs(result["observation"]) + struct.pack("<d", result["reward"]))
            sha.update(bytes([int(result["terminated"]) | int(result["truncated"]) << 1]))
            done = result["terminated"] or result["truncated"]
        else:
            acted = [a for a in agents if a in result["rewards"]]
            sha.update(b"".join(struct.pack("<i", action[a]) for a in acted))
            sha.update(b"".join(pack_obs(result["observations"][a]) for a in acted))
            sha.update(b"".join(struct.pack("<d", result["rewards"][a]) for a in acted))
            sha.update(bytes([int(result["terminations"][a]) | int(result["truncations"][a]) << 1 for a in acted]))
            done = not result["agents"]
        if done:
            break
    print(json.dumps({"trajectory_hash": sha.hexdigest(), "steps": steps}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve-env")
    rollout_parser = sub.add_parser("rollout")
    for p in (serve_parser, rollout_parser):
        p.add_argument("scenario")
        p.add_argument("--agents")
        p.add_argument("--encoding")
    serve_parser.add_argument("--port", type=int)
    rollout_parser.add_argument("--seed", required=True)
    rollout_parser.add_argument("--actions", required=True)
    rollout_parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not Path(args.scenario).is_file():
        print(f"fake server: expected a scenario file, got {args.scenario}", file=sys.stderr)
        return 2
    return serve(args) if args.command == "serve-env" else rollout(args)


if __name__ == "__main__":
    sys.exit(main())
