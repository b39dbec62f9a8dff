"""Measures the physics of the video grayscale job on this machine, for the simulator's profile.

Per frame (no Spark): at the case study's resolutions (640x480, 1280x720,
1920x1080), through the job's own code path (video_grayscale.process_partition:
decode with OpenCV's VideoCapture, cvtColor to gray, encode with VideoWriter),
the CPU time of each step per frame, fitted as ms per megapixel plus an
intercept; the same with 2 OpenCV threads and with OpenCV's default; the bytes
read and written per frame; and, in fresh Python processes, the resident
memory a held decoded frame occupies and a Python worker's base RSS.

With Spark (local-cluster via spark-submit, the fast-start settings of
bridge/spark/fast-start.ts): an idle executor JVM's RSS at two executor
memories, the per-task fixed cost (task duration from the event log regressed
on frames per task), the CPU of a task (executor JVM and its Python workers,
from /proc/<pid>/stat before and after), and the per-job fixed cost at the
driver. This file is also the driver of those runs (--spark-driver).

CPU times are process CPU (all threads), never wall time alone: the machine
may be shared. Each quantity is measured in `--repeats` independent repeats;
its value is the median, with the min..max spread.

    .venv/bin/python bridge/jobs/measure_frame_costs.py --out models/measurements/local-machine.json [--quick]

--quick (a few seconds: short clips, one repeat, no Spark) is for tests.
Synthetic clips (make_test_videos.py: smooth blocks, a moving box, light
noise) compress differently from camera footage: the bytes per frame, and the
decode and encode CPU that depend on them, are those of this content.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import make_test_videos  # noqa: E402
import video_grayscale as job  # noqa: E402

# The case study's sources at full size, smallest first.
SOURCES = ("cctv", "camera", "drone")
FAST_START_TS = REPO / "bridge" / "spark" / "fast-start.ts"
CLIP_FPS = 10
CODEC = "mp4v"
MIB = 1024 * 1024


class ProbeError(Exception):
    """Something the probe needs is missing or came out wrong: one line, exit code 1."""


# ---------------------------------------------------------------- statistics


def line_fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares (intercept, slope) of ys on xs."""
    if len(xs) != len(ys) or len(set(xs)) < 2:
        raise ProbeError(f"expected at least two distinct x values to fit a line, got {xs}")
    mean_x = statistics.fmean(xs)
    mean_y = statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    return mean_y - slope * mean_x, slope


def quantity(values: list[float], unit: str, method: str) -> dict[str, Any]:
    """A measured quantity: median of the repeats, with their spread."""
    if not values:
        raise ProbeError(f"expected at least one repeat to report ({method}), got none")
    return {"value": statistics.median(values), "unit": unit, "spread": {"min": min(values), "max": max(values)}, "n": len(values), "method": method}


# ---------------------------------------------------------------- /proc


def clock_tick_ms() -> float:
    return 1000.0 / os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int) -> dict[str, int]:
    """ppid and CPU ticks of a process (fields after the command name, which may hold spaces)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return {"ppid": int(fields[1]), "utime": int(fields[11]), "stime": int(fields[12]), "cutime": int(fields[13]), "cstime": int(fields[14])}


def rss_bytes(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise ProbeError(f"expected a VmRSS line in /proc/{pid}/status, found none")


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return file.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if proc_stat(int(entry))["ppid"] == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    return found


def descendants_of(pid: int) -> list[int]:
    found: list[int] = []
    frontier = [pid]
    while frontier:
        kids = [kid for parent in frontier for kid in children_of(parent)]
        found.extend(kids)
        frontier = kids
    return found


def tree_cpu_ms(pid: int) -> dict[str, float]:
    """CPU of a process (all its threads) and of its live descendants plus the reaped ones they and it waited for, ms."""
    tick = clock_tick_ms()
    root = proc_stat(pid)
    own = (root["utime"] + root["stime"]) * tick
    total = (root["utime"] + root["stime"] + root["cutime"] + root["cstime"]) * tick
    for kid in descendants_of(pid):
        try:
            stat = proc_stat(kid)
        except OSError:
            continue
        total += (stat["utime"] + stat["stime"] + stat["cutime"] + stat["cstime"]) * tick
    return {"ownMs": own, "treeMs": total}


# ---------------------------------------------------------------- the store


def make_store(directory: Path, sources: tuple[str, ...], seconds: float) -> dict[str, dict[str, Any]]:
    """Full-resolution clips, one per source, as make_test_videos.py writes them."""
    code = make_test_videos.main(["--output-dir", str(directory), "--scale", "1", "--seconds", str(seconds), "--fps", str(CLIP_FPS), "--sources", ",".join(sources)])
    if code != 0:
        raise ProbeError(f"expected make_test_videos.py to write clips into {directory}, it exited with {code}")
    manifest = json.loads((directory / make_test_videos.MANIFEST).read_text())
    clips = {}
    for entry in manifest["chunks"]:
        clips[entry["source"]] = {**entry, "bytes": (directory / entry["file"]).stat().st_size, "format": manifest["format"]}
    return clips


def descriptor_for(store: Path, clip: dict[str, Any], frames: int) -> dict[str, Any]:
    """A task's descriptor for the first `frames` frames of one clip, as the job's driver builds it."""
    chunks = [chunk for chunk in job.list_chunks(store) if chunk["file"] == clip["file"]]
    return {"firstFrame": 0, "segments": job.partition_segments(job.source_streams(chunks), 0, frames)}


# ---------------------------------------------------------------- per frame


def run_task(store: Path, out_dir: Path, descriptor: dict[str, Any], threads: int) -> dict[str, Any]:
    """One task of the job, in this process, exactly as an executor's Python worker runs it."""
    partition = next(job.process_partition(0, iter([descriptor]), str(store), str(out_dir), "opencv", False, "video", CODEC, float(CLIP_FPS), threads))
    return partition


STEPS = ("read", "convert", "write")


def measure_steps(store: Path, out_dir: Path, clips: dict[str, dict[str, Any]], frame_counts: list[int], threads: int, repeats: int) -> list[dict[str, Any]]:
    """Per repeat: per source, each step's CPU and wall per frame (slope over frames per task) and per task (intercept)."""
    results = []
    for repeat in range(repeats):
        per_source = {}
        total_wall_ms = 0.0
        before = os.times()
        for source, clip in clips.items():
            runs = [run_task(store, out_dir, descriptor_for(store, clip, count), threads) for count in frame_counts]
            total_wall_ms += sum(run["endMs"] - run["startMs"] for run in runs)
            fits: dict[str, Any] = {"megapixels": clip["widthPx"] * clip["heightPx"] / 1e6}
            for step in STEPS:
                for kind, field in (("cpu", f"{step}CpuMs"), ("wall", f"{step}Ms")):
                    intercept, slope = line_fit([float(run["frames"]) for run in runs], [run[field] for run in runs])
                    fits[f"{step}{kind.capitalize()}MsPerFrame"] = slope
                    fits[f"{step}{kind.capitalize()}MsPerTask"] = intercept
            largest = runs[-1]
            fits["outputBytesPerFrame"] = largest["outputBytes"] / largest["frames"]
            per_source[source] = fits
        after = os.times()
        user_s, system_s = after.user - before.user, after.system - before.system
        results.append({"repeat": repeat, "threads": threads, "totalWallMs": total_wall_ms, "systemCpuShare": system_s / (user_s + system_s) if user_s + system_s > 0 else 0.0, "sources": per_source})
    return results


def per_mp_fit(repeat: dict[str, Any], fields: list[str]) -> tuple[float, float]:
    """(intercept ms per frame, ms per megapixel) of the summed per-frame fields against frame size."""
    sources = repeat["sources"].values()
    return line_fit([s["megapixels"] for s in sources], [sum(s[field] for field in fields) for s in sources])


def frame_quantities(one: list[dict[str, Any]], two: list[dict[str, Any]], default: list[dict[str, Any]], clips: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    cpu_fields = [f"{step}CpuMsPerFrame" for step in STEPS]
    wall_fields = [f"{step}WallMsPerFrame" for step in STEPS]
    sizes = ", ".join(f"{c['widthPx']}x{c['heightPx']}" for c in clips.values())
    how = (
        "job.process_partition in this process on the first N frames of a full-resolution clip per source "
        f"({sizes}; {CODEC} in, {CODEC} out), N over the frame counts in settings; "
        "per source the slope of the step's process CPU (time.process_time, all threads) over N is its per-frame cost; "
        "then a least-squares line of per-frame cost against megapixels across the sources"
    )
    out = {
        "frameCpuMsPerMegapixel": quantity([per_mp_fit(r, cpu_fields)[1] for r in one], "ms/MP", f"decode+gray+encode, cv2.setNumThreads(1) and a 1-thread decoder: {how}; slope"),
        "frameCpuMsIntercept": quantity([per_mp_fit(r, cpu_fields)[0] for r in one], "ms/frame", f"decode+gray+encode, one thread: {how}; intercept (per-frame cost at 0 MP)"),
        "frameWallMsPerMegapixel": quantity([per_mp_fit(r, wall_fields)[1] for r in one], "ms/MP", f"wall time of the same, one thread: {how}; slope"),
    }
    for step, name in (("read", "Decode"), ("convert", "Gray"), ("write", "Encode")):
        out[f"frame{name}CpuMsPerMegapixel"] = quantity([per_mp_fit(r, [f"{step}CpuMsPerFrame"])[1] for r in one], "ms/MP", f"the {step} step of the job ({name.lower()}), one thread: {how}; slope")
        out[f"frame{name}CpuMsIntercept"] = quantity([per_mp_fit(r, [f"{step}CpuMsPerFrame"])[0] for r in one], "ms/frame", f"the {step} step ({name.lower()}), one thread: {how}; intercept")
    out["frameSystemCpuShare"] = quantity(
        [r["systemCpuShare"] for r in one],
        "fraction",
        "system (kernel) share of the process CPU over every task of a repeat, one thread (os.times): mostly page faults on the fresh buffers of the frames a task holds",
    )
    out["frameThreadSpeedup2"] = quantity(
        [a["totalWallMs"] / b["totalWallMs"] for a, b in zip(one, two)],
        "ratio",
        f"wall time of the same set of tasks (every source and frame count) with 1 OpenCV thread over that with 2 (cv2.setNumThreads(2) and a 2-thread decoder), on this {os.cpu_count()}-CPU machine, per repeat; >1 means OpenCV parallelises inside a task. {how}",
    )
    out["frameCpuMsPerMegapixelTwoThreads"] = quantity([per_mp_fit(r, cpu_fields)[1] for r in two], "ms/MP", f"decode+gray+encode CPU with 2 OpenCV threads: {how}; slope")
    out["frameCpuMsPerMegapixelDefaultThreads"] = quantity(
        [per_mp_fit(r, cpu_fields)[1] for r in default], "ms/MP", f"decode+gray+encode CPU with OpenCV's defaults (what the job does unless --opencv-threads): {how}; slope"
    )
    out["frameWallMsPerMegapixelDefaultThreads"] = quantity([per_mp_fit(r, wall_fields)[1] for r in default], "ms/MP", f"wall time of the same, OpenCV's defaults: {how}; slope")

    inputs = [clip["bytes"] / clip["frames"] / (clip["widthPx"] * clip["heightPx"]) for clip in clips.values()]
    out["frameInputMbPerMegapixel"] = quantity(
        inputs, "MB/MP", f"input clip bytes per frame per pixel ({clips[SOURCES[0]]['format']} as make_test_videos.py --scale 1 writes it, synthetic content); n and spread over the sources, not repeats (the encoder is deterministic)"
    )
    outputs = [s["outputBytesPerFrame"] / (s["megapixels"] * 1e6) for s in one[0]["sources"].values()]
    out["frameOutputMbPerMegapixel"] = quantity(outputs, "MB/MP", f"bytes per frame per pixel of the job's output video ({CODEC} gray, the largest N); n and spread over the sources")
    return out


# ---------------------------------------------------------------- memory


def memory_child(store: str, file: str, frames: int) -> dict[str, Any]:
    """In a fresh process: a Python worker's base RSS, then the RSS a partition's decoded frames and their grays add."""
    import cv2  # noqa: F401 - a worker has it loaded once its first task ran
    import pyspark.worker  # noqa: F401 - what every PySpark Python worker imports

    job.set_opencv_threads(1)
    base_rss = rss_bytes()
    chunk = next(chunk for chunk in job.list_chunks(Path(store)) if chunk["file"] == file)
    segment = {"file": file, "kind": chunk["kind"], "start": 0, "frames": frames}
    # One decode first, dropped: the decoder's own buffers and the allocator's arenas are not the frames'.
    warm = job.read_segment(store, {**segment, "frames": 1}, 1)
    del warm
    gc.collect()
    before = rss_bytes()
    tracemalloc.start()
    held = job.read_segment(store, segment, 1)
    decoded_rss = rss_bytes()
    decoded_traced = tracemalloc.get_traced_memory()[0]
    grays = [job.to_gray(frame, "opencv") for frame in held]
    both_rss = rss_bytes()
    both_traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    megapixels = len(held) * chunk["widthPx"] * chunk["heightPx"] / 1e6
    assert len(grays) == len(held)
    return {
        "baseRssBytes": base_rss,
        "frames": len(held),
        "megapixels": megapixels,
        "decodedRssMbPerMegapixel": (decoded_rss - before) / 1e6 / megapixels,
        "decodedTracedMbPerMegapixel": decoded_traced / 1e6 / megapixels,
        "partitionRssMbPerMegapixel": (both_rss - before) / 1e6 / megapixels,
        "partitionTracedMbPerMegapixel": both_traced / 1e6 / megapixels,
    }


def measure_memory(store: Path, clips: dict[str, dict[str, Any]], repeats: int) -> list[dict[str, Any]]:
    results = []
    for _ in range(repeats):
        for source, clip in clips.items():
            command = [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(store), clip["file"], str(clip["frames"])]
            done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
            if done.returncode != 0:
                raise ProbeError(f"expected the memory child for {source} to exit 0, it exited {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
            results.append({"source": source, **json.loads(done.stdout.strip().splitlines()[-1])})
    return results


def memory_quantities(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    where = "in a fresh Python process with numpy, cv2, pyspark.worker and the job imported, after one dropped decode"
    return {
        "pythonFrameMbPerMegapixel": quantity(
            [r["decodedRssMbPerMegapixel"] for r in results],
            "MB/MP",
            f"RSS growth (/proc/self/status VmRSS) while job.read_segment's decoded BGR frames of a whole clip are held, per frame per megapixel, {where}; n over sources x repeats (tracemalloc agrees: see detail)",
        ),
        "pythonPartitionMbPerMegapixel": quantity(
            [r["partitionRssMbPerMegapixel"] for r in results],
            "MB/MP",
            f"RSS growth while a task holds its decoded frames and their grays together (process_partition keeps both lists until its output is written), per frame per megapixel, {where}",
        ),
        "pythonWorkerBaseMb": quantity([r["baseRssBytes"] / MIB for r in results], "MiB", f"VmRSS {where.split(', after')[0]}, before any frame"),
    }


# ---------------------------------------------------------------- Spark


def fast_start_conf() -> dict[str, str]:
    """FAST_START_CONF of bridge/spark/fast-start.ts, read from its source (declared once, there)."""
    text = FAST_START_TS.read_text()
    jvm = re.search(r"export const FAST_START_JVM = '([^']*)';", text)
    block = re.search(r"export const FAST_START_CONF\b[^=]*=\s*\{(.*?)\};", text, re.S)
    if jvm is None or block is None:
        raise ProbeError(f"expected FAST_START_JVM and FAST_START_CONF declarations in {FAST_START_TS}, found {'neither' if jvm is None and block is None else 'only one'}")
    conf = {}
    for key, value in re.findall(r"'([\w.]+)':\s*(FAST_START_JVM|'[^']*')", block.group(1)):
        conf[key] = jvm.group(1) if value == "FAST_START_JVM" else value.strip("'")
    if not conf:
        raise ProbeError(f"expected 'spark.key': value entries in FAST_START_CONF of {FAST_START_TS}, found none")
    return conf


def link_spark_home(real: Path, at: Path) -> None:
    """A SPARK_HOME of links to the real one but work/, so the local cluster's work folders land here, not in the venv."""
    at.mkdir(parents=True)
    for entry in sorted(real.iterdir()):
        if entry.name != "work":
            (at / entry.name).symlink_to(entry)


def find_spark_home() -> Path:
    import pyspark

    # The pip package: SPARK_HOME is the package directory.
    home = Path(pyspark.__file__).resolve().parent
    if not (home / "jars").is_dir():
        raise ProbeError(f"expected the pyspark package at {home} to hold jars/ (pip install pyspark), found none")
    return home


def spark_submit(work: Path, name: str, executors: int, executor_memory_mb: int, spec: dict[str, Any], timeout_s: float) -> tuple[dict[str, Any], Path, list[str]]:
    """Runs this file as a Spark driver on local-cluster[executors,1,M]; returns its results, its event log and the command."""
    real_home = find_spark_home()
    home = work / f"{name}-spark-home"
    link_spark_home(real_home, home)
    events = work / f"{name}-events"
    events.mkdir()
    spec_path = work / f"{name}-spec.json"
    results_path = work / f"{name}-results.json"
    spec_path.write_text(json.dumps({**spec, "resultsPath": str(results_path)}))
    worker_memory_mb = max(1024, executor_memory_mb)
    conf = {
        "spark.executor.cores": "1",
        "spark.executor.memory": f"{executor_memory_mb}m",
        "spark.cores.max": str(executors),
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": events.as_uri(),
        "spark.eventLog.compress": "false",
        "spark.eventLog.rolling.enabled": "false",
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
        **fast_start_conf(),
    }
    command = [str(Path(sys.executable).parent / "spark-submit"), "--master", f"local-cluster[{executors},1,{worker_memory_mb}]", "--deploy-mode", "client"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    # The executors' Python workers unpickle job.process_partition by module name: ship the job with the run.
    command += ["--py-files", str(Path(job.__file__).resolve()), str(Path(__file__).resolve()), "--spark-driver", str(spec_path)]
    env = {**os.environ, "SPARK_HOME": str(home), "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    with open(work / f"{name}-stdout.log", "w") as out, open(work / f"{name}-stderr.log", "w") as err:
        try:
            done = subprocess.run(command, stdout=out, stderr=err, env=env, check=False, timeout=timeout_s, start_new_session=True)
        except subprocess.TimeoutExpired as error:
            raise ProbeError(f"expected the {name} Spark run to finish within {timeout_s:.0f} s, it did not (logs in {work})") from error
    if done.returncode != 0 or not results_path.exists():
        lines = (work / f"{name}-stdout.log").read_text().splitlines() + (work / f"{name}-stderr.log").read_text().splitlines()
        errors = [line.strip() for line in lines if re.match(r"^\s*[\w.]*(Error|Exception)\b", line)]
        raise ProbeError(f"expected the {name} Spark run to exit 0 with results, it exited {done.returncode}: {errors[-1] if errors else 'no error line'} (logs in {work})")
    logs = [path for path in events.iterdir() if not path.name.startswith(".")]
    if len(logs) != 1:
        raise ProbeError(f"expected one event log in {events}, found {len(logs)}")
    return json.loads(results_path.read_text()), logs[0], command


def executor_pids(driver_jvm: int) -> list[int]:
    return sorted(pid for pid in children_of(driver_jvm) if "CoarseGrainedExecutorBackend" in cmdline(pid))


def sample_rss_mib(pids: list[int], samples: int = 3, gap_s: float = 0.5) -> list[float]:
    """Median VmRSS of each process over a few samples, MiB."""
    readings: dict[int, list[float]] = {pid: [] for pid in pids}
    for i in range(samples):
        if i > 0:
            time.sleep(gap_s)
        for pid in pids:
            readings[pid].append(rss_bytes(pid) / MIB)
    return [statistics.median(values) for values in readings.values()]


def executors_cpu_ms(pids: list[int]) -> dict[str, float]:
    cpu = [tree_cpu_ms(pid) for pid in pids]
    return {"jvmMs": sum(c["ownMs"] for c in cpu), "treeMs": sum(c["treeMs"] for c in cpu)}


def driver_cpu_ms(driver_jvm: int) -> float:
    python = proc_stat(os.getpid())
    jvm = proc_stat(driver_jvm)
    return (python["utime"] + python["stime"] + jvm["utime"] + jvm["stime"]) * clock_tick_ms()


def spark_driver(spec_path: str) -> int:
    """Inside spark-submit: idle RSS, then batches of one task at several frame counts, with CPU around each group."""
    from pyspark import SparkContext

    spec = json.loads(Path(spec_path).read_text())
    sc = SparkContext.getOrCreate()
    try:
        registered = job.wait_for_executors(sc, spec["executors"], 120.0)
        if registered < spec["executors"]:
            raise ProbeError(f"expected {spec['executors']} executors to register within 120 s, got {registered}")
        driver_jvm = os.getppid()
        time.sleep(spec["settleS"])
        pids = executor_pids(driver_jvm)
        if len(pids) != spec["executors"]:
            raise ProbeError(f"expected {spec['executors']} executor JVMs (CoarseGrainedExecutorBackend) under the driver JVM {driver_jvm}, found {len(pids)}")
        results: dict[str, Any] = {"executorPids": pids, "idleRssMib": sample_rss_mib(pids), "groups": []}
        store = spec["store"]
        task = job.TaskOptions(converter="opencv", output_format="video", codec=CODEC, fps=float(CLIP_FPS), threads=spec["threads"])
        clip = spec["clip"]

        def descriptors(frames: int, tasks: int) -> list[dict[str, Any]]:
            chunks = [chunk for chunk in job.list_chunks(Path(store)) if chunk["file"] == clip]
            return [{"firstFrame": 0, "segments": job.partition_segments(job.source_streams(chunks), 0, frames)} for _ in range(tasks)]

        out = Path(spec["outputDir"])
        # Warm-up: every executor starts its Python daemon and workers and loads cv2; left out.
        for i in range(spec["warmupBatches"]):
            sc.setJobGroup("warmup", "warm-up")
            job.run_batch(sc, descriptors(2, len(pids)), store, str(out / f"warmup-{i}"), task)
        # The executors' CPU while idle (heartbeats, timers), after the warm-up: subtracted from their CPU per task.
        idle_before, idle_start = executors_cpu_ms(pids), time.monotonic()
        time.sleep(spec["settleS"])
        idle_after, idle_s = executors_cpu_ms(pids), time.monotonic() - idle_start
        results["idleJvmCpuMsPerSecond"] = (idle_after["jvmMs"] - idle_before["jvmMs"]) / idle_s
        results["idleTreeCpuMsPerSecond"] = (idle_after["treeMs"] - idle_before["treeMs"]) / idle_s
        for repeat in range(spec["repeats"]):
            for frames in spec["framesPerTask"]:
                group = f"f{frames}-r{repeat}"
                sc.setJobGroup(group, group)
                cpu_before, driver_before = executors_cpu_ms(pids), driver_cpu_ms(driver_jvm)
                batches = []
                for b in range(spec["batchesPerGroup"]):
                    submit_ms, partitions, end_ms = job.run_batch(sc, descriptors(frames, spec["tasksPerBatch"]), store, str(out / f"{group}-{b}"), task)
                    batches.append({"submitMs": submit_ms, "jobEndMs": end_ms, "partitions": [{k: p[k] for k in ("frames", "startMs", "endMs", "readCpuMs", "convertCpuMs", "writeCpuMs", "pid")} for p in partitions]})
                # Driver first: scanning /proc for the executors' descendants is the probe's CPU, not the job's.
                driver_after = driver_cpu_ms(driver_jvm)
                cpu_after = executors_cpu_ms(pids)
                results["groups"].append(
                    {
                        "group": group,
                        "repeat": repeat,
                        "framesPerTask": frames,
                        "batches": batches,
                        "executorJvmCpuMs": cpu_after["jvmMs"] - cpu_before["jvmMs"],
                        "executorTreeCpuMs": cpu_after["treeMs"] - cpu_before["treeMs"],
                        "driverCpuMs": driver_after - driver_before,
                        "wallMs": batches[-1]["jobEndMs"] - batches[0]["submitMs"],
                    }
                )
        results["warmRssMib"] = sample_rss_mib(pids)
        workers = [pid for jvm in pids for pid in descendants_of(jvm)]
        results["pythonWorkerRssMib"] = sample_rss_mib(workers, samples=1) if workers else []
        results["pythonWorkerCommands"] = sorted({cmdline(pid).split(" -m ")[-1][:60] for pid in workers})
        Path(spec["resultsPath"]).write_text(json.dumps(results))
    finally:
        sc.stop()
    return 0


def read_event_log(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Tasks of each job group: launch/finish times and the task metrics Spark reports."""
    stage_group: dict[int, str] = {}
    tasks: dict[str, list[dict[str, Any]]] = {}
    with open(path) as log:
        for line in log:
            event = json.loads(line)
            kind = event.get("Event")
            if kind == "SparkListenerJobStart":
                group = (event.get("Properties") or {}).get("spark.jobGroup.id")
                for stage in event.get("Stage IDs", []):
                    stage_group[stage] = group
            elif kind == "SparkListenerTaskEnd":
                group = stage_group.get(event["Stage ID"])
                info, metrics = event["Task Info"], event.get("Task Metrics") or {}
                tasks.setdefault(group, []).append(
                    {
                        "launchMs": info["Launch Time"],
                        "finishMs": info["Finish Time"],
                        "runMs": metrics.get("Executor Run Time"),
                        "taskThreadCpuMs": (metrics.get("Executor CPU Time") or 0) / 1e6,
                        "deserializeCpuMs": (metrics.get("Executor Deserialize CPU Time") or 0) / 1e6,
                        "deserializeMs": metrics.get("Executor Deserialize Time") or 0,
                        "resultSerializationMs": metrics.get("Result Serialization Time") or 0,
                        "gettingResultMs": (info.get("Getting Result Time") or 0),
                    }
                )
    return tasks


def spark_quantities(main: dict[str, Any], event_tasks: dict[str, list[dict[str, Any]]], other: dict[str, Any], memories: tuple[int, int], settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    repeats = sorted({g["repeat"] for g in main["groups"]})
    shape = f"local-cluster[{settings['executors']},1,*], {settings['tasksPerBatch']} task per batch of 640x480 frames ({CODEC} in and out, {settings['threads']} OpenCV thread), {settings['batchesPerGroup']} batches per frame count {settings['framesPerTask']}, after {settings['warmupBatches']} warm-up batches"
    overhead, slope_ms, cpu_overhead, cpu_slope, jvm_per_task, thread_cpu, job_overhead, job_cpu = [], [], [], [], [], [], [], []
    breakdown: dict[int, list[dict[str, float]]] = {}
    for repeat in repeats:
        groups = [g for g in main["groups"] if g["repeat"] == repeat]
        xs, ys = [], []
        cpu_x, cpu_y, jvm = [], [], []
        job_gaps, driver = [], []
        for g in groups:
            tasks = event_tasks.get(g["group"], [])
            expected = settings["batchesPerGroup"] * settings["tasksPerBatch"]
            if len(tasks) != expected:
                raise ProbeError(f"expected {expected} tasks of job group {g['group']} in the event log, found {len(tasks)}")
            # The median task of the group: one task slowed by another engineer's burst on a shared machine moves it little.
            xs.append(float(g["framesPerTask"]))
            ys.append(statistics.median(float(t["finishMs"] - t["launchMs"]) for t in tasks))
            idle_s = g["wallMs"] / 1000.0
            cpu_x.append(float(g["framesPerTask"]))
            cpu_y.append((g["executorTreeCpuMs"] - main["idleTreeCpuMsPerSecond"] * idle_s) / expected)
            jvm.append((g["executorJvmCpuMs"] - main["idleJvmCpuMsPerSecond"] * idle_s) / expected)
            thread_cpu.extend(t["taskThreadCpuMs"] for t in tasks)
            # Tasks in launch order line up with batches in submission order (one job at a time).
            ordered = sorted(tasks, key=lambda t: t["launchMs"])
            per_batch = settings["tasksPerBatch"]
            for b, batch in enumerate(g["batches"]):
                batch_tasks = ordered[b * per_batch : (b + 1) * per_batch]
                span = max(t["finishMs"] for t in batch_tasks) - min(t["launchMs"] for t in batch_tasks)
                job_gaps.append((batch["jobEndMs"] - batch["submitMs"]) - span)
                if per_batch == 1:
                    t, partition = batch_tasks[0], batch["partitions"][0]
                    in_function = partition["endMs"] - partition["startMs"]
                    breakdown.setdefault(g["framesPerTask"], []).append(
                        {
                            "durationMs": t["finishMs"] - t["launchMs"],
                            "deserializeMs": t["deserializeMs"],
                            "runMs": t["runMs"],
                            "processPartitionMs": in_function,
                            "pythonOutsideFunctionMs": t["runMs"] - in_function,
                            "notRunningMs": t["finishMs"] - t["launchMs"] - t["runMs"] - t["deserializeMs"],
                            "processPartitionCpuMs": partition["readCpuMs"] + partition["convertCpuMs"] + partition["writeCpuMs"],
                        }
                    )
            driver.append(g["driverCpuMs"] / settings["batchesPerGroup"])
        intercept, slope = line_fit(xs, ys)
        overhead.append(intercept)
        slope_ms.append(slope)
        cpu_intercept, cpu_per_frame = line_fit(cpu_x, cpu_y)
        cpu_overhead.append(cpu_intercept)
        cpu_slope.append(cpu_per_frame)
        jvm_per_task.append(statistics.fmean(jvm))
        job_overhead.append(statistics.median(job_gaps))
        job_cpu.append(statistics.median(driver))
    low, high = memories
    # Where a task's wall time goes, median per frame count (event log and the job's own timings).
    main["taskBreakdownMedians"] = {str(frames): {key: statistics.median(row[key] for row in rows) for key in rows[0]} for frames, rows in sorted(breakdown.items())}
    return {
        "taskOverheadMs": quantity(overhead, "ms/task", f"intercept of the median task duration per frame count (event log: Finish Time - Launch Time) regressed on frames per task; {shape}; n = repeats"),
        "taskWallMsPerFrame640x480": quantity(slope_ms, "ms/frame", f"slope of that regression: a 640x480 frame's wall time inside a Spark task; {shape}"),
        "taskOverheadCpuMs": quantity(
            cpu_overhead,
            "ms/task",
            f"intercept of CPU per task (executor JVMs and their Python daemon and workers: /proc/<pid>/stat utime+stime(+cutime+cstime), before and after each group, less their idle CPU rate times the group's wall time, / tasks) regressed on frames per task; {shape}",
        ),
        "taskCpuMsPerFrame640x480": quantity(cpu_slope, "ms/frame", f"slope of that regression: a 640x480 frame's CPU inside a Spark task (Python + JVM); {shape}"),
        "executorCpuMsPerTask": quantity(
            jvm_per_task,
            "ms/task",
            f"the executor JVMs' own CPU (utime+stime of the JVM processes, all threads: task thread, RPC, the Python worker's socket I/O, GC) per task, less their idle CPU rate (heartbeats, timers: see executorIdleCpuMsPerSecond) times the group's wall time, mean over frame counts; {shape}",
        ),
        "executorIdleCpuMsPerSecond": quantity(
            [main["idleJvmCpuMsPerSecond"] / settings["executors"]], "ms/s", f"CPU an idle, warmed-up executor JVM burns per second, over {settings['settleS']} s after the warm-up (n = one window over {settings['executors']} executors)"
        ),
        "executorTaskThreadCpuMs": quantity(thread_cpu, "ms/task", f"Spark's Executor CPU Time task metric (the JVM task thread only; n = tasks); {shape}"),
        "jobOverheadMs": quantity(
            job_overhead, "ms/job", f"driver's wall time of rdd.collect() (job.run_batch) minus the span from its first task's launch to its last task's finish (event log), median per repeat; {shape}"
        ),
        "jobOverheadCpuMs": quantity(
            job_cpu,
            "ms/job",
            f"CPU of the Python driver and the driver JVM per batch (utime+stime); on local-cluster the driver JVM also hosts the master and workers, so this is an upper bound; {shape}",
        ),
        "jvmExecutorBaseRssMb": quantity(main["idleRssMib"], "MiB", f"VmRSS of each idle executor JVM (spark.executor.memory={low}m), after registration and {settings['settleS']} s settling, before any task (median of 3 samples each; n = executors)"),
        f"jvmExecutorBaseRssMb{high}m": quantity(other["idleRssMib"], "MiB", f"the same at spark.executor.memory={high}m"),
        "jvmExecutorWarmRssMb": quantity(main["warmRssMib"], "MiB", f"VmRSS of each executor JVM (spark.executor.memory={low}m) idle after the measured batches"),
    } | (
        {"pythonWorkerRssMbInSpark": quantity(main["pythonWorkerRssMib"], "MiB", "VmRSS of each Python process under the executor JVMs (pyspark.daemon and its forked workers; forked pages are shared, so each counts them) after the batches")}
        if main["pythonWorkerRssMib"]
        else {}
    )


# ---------------------------------------------------------------- document


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_total = None
    try:
        mem_total = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1]) // 1024
    except (OSError, StopIteration):
        pass
    return {"cpuModel": model, "cores": os.cpu_count(), "memTotalMib": mem_total, "kernel": platform.release(), "loadAverageAtStart": list(os.getloadavg())}


def versions() -> dict[str, str]:
    import cv2
    import numpy
    import pyspark

    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr.strip().splitlines()
    return {"python": platform.python_version(), "opencv": cv2.__version__, "numpy": numpy.__version__, "pyspark": pyspark.__version__, "java": next((l for l in java if "version" in l), "unknown")}


def speed_probe_ms(repeats: int) -> list[float]:
    """A fixed single-threaded workload, CPU ms: how fast this machine was. cvtColor over 8
    distinct 1920x1080 frames (50 MB, past the caches), 25 rounds, so that memory-bandwidth
    contention from other work shows, not only a busy core."""
    import cv2
    import numpy as np

    cv2.setNumThreads(1)
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 256, size=(1080, 1920, 3), dtype=np.uint8) for _ in range(8)]
    out = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(25):
            for frame in frames:
                cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        out.append((time.process_time() - start) * 1000.0)
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the JSON document to write (e.g. models/measurements/local-machine.json)")
    parser.add_argument("--quick", action="store_true", help="a few seconds: short clips, one repeat, no Spark (for tests)")
    parser.add_argument("--repeats", type=int, default=0, help="independent repeats of each measurement; 0 = 5 (1 with --quick)")
    parser.add_argument("--skip-spark", action="store_true", help="only the per-frame part (implied by --quick)")
    parser.add_argument("--executor-memory-mb", type=int, nargs=2, default=[512, 1024], metavar=("LOW", "HIGH"), help="spark.executor.memory of the two idle-RSS runs, MB")
    parser.add_argument("--work-dir", default="", help="keep clips, outputs and Spark logs here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    if args.repeats < 0:
        parser.error(f"expected a non-negative --repeats, got {args.repeats}")
    return args


def write_document(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n")
    os.replace(tmp, path)


def measure(args: argparse.Namespace, work: Path, argv: list[str]) -> dict[str, Any]:
    repeats = args.repeats or (1 if args.quick else 5)
    seconds = 0.4 if args.quick else 4.0
    frames_per_clip = max(1, round(CLIP_FPS * seconds))
    frame_counts = [frames_per_clip // 2, frames_per_clip] if args.quick else [frames_per_clip // 4, frames_per_clip // 2, frames_per_clip]
    started = time.monotonic()
    document: dict[str, Any] = {
        "schemaVersion": 1,
        "generator": "bridge/jobs/measure_frame_costs.py",
        "command": " ".join(shlex.quote(part) for part in [os.path.relpath(sys.executable, REPO) if sys.executable.startswith(str(REPO)) else sys.executable, os.path.relpath(Path(__file__).resolve(), REPO), *argv]),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine(),
        "versions": versions(),
        "settings": {"repeats": repeats, "clipSeconds": seconds, "clipFps": CLIP_FPS, "framesPerTask": frame_counts, "codec": CODEC, "sparkConf": fast_start_conf()},
        "quantities": {},
        "notMeasured": {},
        "detail": {},
    }
    log = lambda what: print(f"measure_frame_costs: {what} ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)  # noqa: E731
    speed = speed_probe_ms(3)
    store = work / "store"
    clips = make_store(store, SOURCES, seconds)
    document["settings"]["inputFormat"] = clips[SOURCES[0]]["format"]
    document["settings"]["resolutions"] = [f"{c['widthPx']}x{c['heightPx']}" for c in clips.values()]
    log("clips written")
    out_dir = work / "frames-out"
    run_task(store, out_dir, descriptor_for(store, clips[SOURCES[0]], 1), 1)  # imports and first-call costs, left out
    one: list[dict[str, Any]] = []
    two: list[dict[str, Any]] = []
    default: list[dict[str, Any]] = []
    # Thread settings interleaved per repeat, so that a change in the machine's load meanwhile hits them alike.
    for repeat in range(repeats):
        for results, threads in ((one, 1), (two, 2), (default, 0)):
            results.extend({**r, "repeat": repeat} for r in measure_steps(store, out_dir, clips, frame_counts, threads, 1))
    document["quantities"].update(frame_quantities(one, two, default, clips))
    document["detail"]["perFrameFits"] = {"oneThread": one, "twoThreads": two, "defaultThreads": default}
    log("per-frame costs measured")
    memory = measure_memory(store, clips, repeats if not args.quick else 1)
    document["quantities"].update(memory_quantities(memory))
    document["detail"]["memory"] = memory
    log("memory measured")

    spark_names = ["jvmExecutorBaseRssMb", f"jvmExecutorBaseRssMb{args.executor_memory_mb[1]}m", "taskOverheadMs", "taskOverheadCpuMs", "jobOverheadMs", "executorCpuMsPerTask"]
    if args.quick or args.skip_spark:
        for name in spark_names:
            document["notMeasured"][name] = "needs Spark: run without --quick / --skip-spark"
    else:
        settings = {
            "executors": 3,
            "tasksPerBatch": 1,
            "framesPerTask": [1, 10, 30],
            "batchesPerGroup": 12,
            "repeats": max(3, min(repeats, 4)),
            "warmupBatches": 3,
            "settleS": 3.0,
            "threads": 1,
        }
        cctv = make_store(work / "spark-store", ("cctv",), 3.0)["cctv"]
        spec = {**settings, "store": str(work / "spark-store"), "clip": cctv["file"], "outputDir": str(work / "spark-out")}
        low, high = args.executor_memory_mb
        main_results, main_log, main_command = spark_submit(work, f"spark-{low}m", settings["executors"], low, spec, 300)
        log(f"Spark run at {low}m done")
        other_spec = {**spec, "framesPerTask": [1, 10], "repeats": 1, "batchesPerGroup": 2, "outputDir": str(work / "spark-out-2")}
        other_results, _, other_command = spark_submit(work, f"spark-{high}m", settings["executors"], high, other_spec, 300)
        log(f"Spark run at {high}m done")
        document["quantities"].update(spark_quantities(main_results, read_event_log(main_log), other_results, (low, high), settings))
        document["settings"]["spark"] = {**settings, "commands": [" ".join(shlex.quote(c) for c in main_command), " ".join(shlex.quote(c) for c in other_command)]}
        document["detail"]["spark"] = {"main": main_results, "other": {k: v for k, v in other_results.items() if k != "groups"}}
    speed += speed_probe_ms(3)
    document["quantities"]["machineSpeedProbeCpuMs"] = quantity(speed, "ms", "CPU of a fixed single-threaded workload (cv2.cvtColor over 8 distinct random 1920x1080 BGR frames, 25 rounds), 3 times before and 3 after the rest: how fast this machine was meanwhile (compare runs by it)")
    document["machine"]["loadAverageAtEnd"] = list(os.getloadavg())
    document["elapsedS"] = round(time.monotonic() - started, 1)
    return document


def main(argv: list[str]) -> int:
    if argv[:1] == ["--memory-child"]:
        print(json.dumps(memory_child(argv[1], argv[2], int(argv[3]))))
        return 0
    if argv[:1] == ["--spark-driver"]:
        return spark_driver(argv[1])
    args = parse_args(argv)
    try:
        if args.work_dir:
            work = Path(args.work_dir).resolve()
            work.mkdir(parents=True, exist_ok=True)
            document = measure(args, work, argv)
        else:
            with tempfile.TemporaryDirectory(prefix="sspe-measure-") as tmp:
                document = measure(args, Path(tmp), argv)
    except (ProbeError, job.InputError) as error:
        print(f"measure_frame_costs: {error}", file=sys.stderr)
        return 1
    write_document(Path(args.out), document)
    print(f"measure_frame_costs: wrote {args.out} ({len(document['quantities'])} quantities, {document['elapsedS']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
