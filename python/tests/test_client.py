"""The client: ids, structured errors (and the server keeps serving), atomic batches, close and cleanup."""

from __future__ import annotations

import gc
import os
import sys

import pytest

import sspe_gym
from sspe_gym import Client, ServerError, ServerExitedError, ServerNotFoundError
from sspe_gym import locate

from conftest import FAKE_COMMAND, SCENARIOS, child_pids


def test_hello_names_the_scenario_and_kind(server):
    with Client.spawn(server.scenario, command=server.command) as client:
        assert client.server_info["protocol"] == 1
        assert client.server_info["scenario"] == "paper-testbed"
        assert client.kind == "single"
    with Client.spawn(server.scenario, command=server.command, agents="all") as client:
        assert client.kind == "parallel"


@pytest.mark.parametrize(
    ("op", "fields", "code"),
    [
        ("warp", {}, "unknown_op"),
        ("step", {"envs": [999], "actions": [0]}, "unknown_env"),
        ("make", {"count": 0}, "bad_request"),
        ("step", {"envs": "all", "actions": [0]}, "bad_request"),
    ],
)
def test_an_error_raises_server_error_and_the_client_keeps_working(server, op, fields, code):
    with Client.spawn(server.scenario, command=server.command) as client:
        with pytest.raises(ServerError) as raised:
            client.request(op, **fields)
        assert raised.value.code == code
        assert raised.value.op == op
        assert raised.value.message != ""
        (env,) = client.request("make")["envs"]
        assert len(client.request("reset", envs=[env], seeds=[1])["results"]) == 1


def test_step_before_reset_and_a_masked_action_are_refused(server):
    with Client.spawn(server.scenario, command=server.command) as client:
        (env,) = client.request("make")["envs"]
        with pytest.raises(ServerError) as raised:
            client.request("step", envs=[env], actions=[0])
        assert raised.value.code == "not_reset"
        client.request("reset", envs=[env], seeds=[1])
        n = client.request("spaces")["action_space"]["n"]
        with pytest.raises(ServerError) as raised:
            client.request("step", envs=[env], actions=[n])
        assert raised.value.code == "invalid_action"


def test_a_batch_with_one_bad_action_moves_no_environment(server):
    with Client.spawn(server.scenario, command=server.command) as client:
        envs = client.request("make", count=2)["envs"]
        first = client.request("reset", envs=envs, seeds=[3, 4])["results"]
        n = client.request("spaces")["action_space"]["n"]
        allowed = first[0]["info"]["action_mask"].index(1)
        with pytest.raises(ServerError) as raised:
            client.request("step", envs=envs, actions=[allowed, n + 5])
        assert raised.value.code == "invalid_action"
        # Env 0 did not move: stepping it now gives step 1, as if the failed batch never happened.
        stepped = client.request("step", envs=[envs[0]], actions=[allowed])["results"][0]
        assert stepped["info"]["step"] == 1


def test_pipelined_requests_come_back_in_order_and_a_failure_raises_after_all_are_read(fake):
    with Client.spawn(fake.scenario, command=fake.command) as client:
        with pytest.raises(ServerError) as raised:
            client.pipeline([("make", {}), ("warp", {}), ("make", {})])
        assert raised.value.code == "unknown_op"
        # The stream is still in step: the next answer is to the next request.
        assert client.request("make")["envs"] == [2]


def test_bad_json_is_reported_with_a_null_id(fake):
    with Client.spawn(fake.scenario, command=fake.command) as client:
        client._resources.channel.write(b"{not json\n")
        line = client._resources.channel.read_line(10)
        assert b'"bad_json"' in line and b'"id": null' in line


def test_close_ends_the_server_with_exit_code_0(server):
    client = Client.spawn(server.scenario, command=server.command)
    process = client.process
    assert client.close() == 0
    assert process.poll() == 0
    assert client.close() is None  # Idempotent.
    with pytest.raises(sspe_gym.SspeError):
        client.request("make")


def test_a_client_dropped_without_close_ends_its_server():
    before = child_pids()
    client = Client.spawn(SCENARIOS / "paper-testbed.yaml", command=FAKE_COMMAND)
    process = client.process
    assert child_pids() - before == {process.pid}
    del client
    gc.collect()
    assert process.poll() is not None
    assert child_pids() - before == set()


def test_over_tcp_the_client_works_and_close_ends_the_listening_server(server):
    client = Client.spawn(server.scenario, command=server.command, tcp=True)
    process = client.process
    (env,) = client.request("make")["envs"]
    assert len(client.request("reset", envs=[env], seeds=[1])["results"]) == 1
    client.close()
    assert process.poll() is not None


def test_a_server_that_dies_raises_server_exited_with_its_stderr(fake, monkeypatch):
    monkeypatch.setenv("FAKE_SSPE_EXIT_ON", "make")
    with Client.spawn(fake.scenario, command=fake.command) as client:
        with pytest.raises(ServerExitedError) as raised:
            client.request("make")
    assert "exit code 3" in str(raised.value)
    assert "exiting on make as asked" in str(raised.value)


def test_no_server_found_names_everything_it_tried(monkeypatch, tmp_path):
    monkeypatch.delenv("SSPE_COMMAND", raising=False)
    monkeypatch.setattr(locate, "checkout_candidates", lambda: [tmp_path])
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServerNotFoundError) as raised:
        locate.server_command()
    message = str(raised.value)
    assert "SSPE_COMMAND" in message and str(tmp_path / "dist" / "bridge" / "cli" / "main.js") in message and "`sspe` on PATH" in message


def test_the_server_command_comes_from_sspe_command_then_the_checkout(monkeypatch):
    monkeypatch.setenv("SSPE_COMMAND", "node '/some dir/main.js'")
    assert locate.server_command() == ["node", "/some dir/main.js"]
    monkeypatch.delenv("SSPE_COMMAND")
    assert locate.find_checkout() == SCENARIOS.parent


def test_scenarios_resolve_from_cwd_then_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert locate.resolve_scenario("paper-testbed.yaml") == SCENARIOS / "paper-testbed.yaml"
    assert locate.resolve_scenario("scenarios/spike.yaml") == SCENARIOS / "spike.yaml"
    (tmp_path / "mine.yaml").write_text("name: mine\n")
    assert locate.resolve_scenario("mine.yaml") == tmp_path / "mine.yaml"
    with pytest.raises(FileNotFoundError) as raised:
        locate.resolve_scenario("nowhere.yaml")
    assert "nowhere.yaml" in str(raised.value)
