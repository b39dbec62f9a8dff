"""The case study's Spark "video grayscale" service, as one spark-submit run.

The input directory is the shared video store (an NFS volume in the case
study, mounted at the same path on the driver and on every executor). Its
video chunks (any file OpenCV reads: .mp4 .avi .mkv .mov) and .npy stacks of
BGR frames (frames, height, width, 3) form one stream per resolution (the
chunks of one resolution in name order; the streams in the order their first
chunk appears). The frames arriving at --fps are dealt from those streams
round-robin, one frame at a time: frame i of the run is frame i // S of
stream i mod S (S streams), so every batch and every partition sees the same
mix of resolutions, whatever --partitions and --frames-per-partition are
(exactly when a partition's frame count is a multiple of S, within one frame
of it otherwise). The driver cuts that stream into micro-batches of
--partitions partitions of --frames-per-partition frames each and submits
them to Spark, each batch one Spark job. With --concurrent-jobs N (default 1)
it keeps up to N of those jobs in Spark at once, each collected from a driver
thread of its own, as the simulator's job queue does: a stored video (the
default) keeps N batches in flight, the next submitted as soon as one ends;
with --realtime each batch is submitted once its frames have arrived, at most
N run at once and the rest wait, first come first served. With N = 1 the
driver's main thread runs the batches one after the other. Each task reads
its own frames from the store (the driver sends only where they lie),
converts them to grayscale and writes its partition out:
  video  (default) one video file per resolution in the partition,
         part-NNNNN-<W>x<H>.mp4, encoded with OpenCV's VideoWriter (--video-codec:
         mp4v, MPEG-4 part 2 in .mp4, or MJPG in .avi; both are in the FFmpeg that
         the opencv-python-headless wheel bundles, H.264 is not);
  pgm    one PGM file per partition (a sequence of binary P5 images), grouped
         by resolution.

Per-frame processing time is measured as the simulator defines it: from the
moment the frame's batch is submitted to Spark (driver clock) to the moment
its partition's output files are in place (executor clock; the nodes' clocks
are assumed NTP-synchronised). All frames of a partition share that time.
A batch that waits for an earlier one (--realtime, all N jobs running) is
submitted when a job slot frees, so its wait is not part of its frames' time.

--metrics-out receives a JSON document (camelCase, times in epoch ms, schema
below in `run`); it is written even when a batch fails, with "error" set, and
the process then exits non-zero. summary.megapixelsPerFrame is the mean frame
size of the measured frames, from the frames each task actually read.

On a local-cluster master the workers keep the executors' work folders
(stdout, stderr) in $SPARK_HOME/work, and Spark 4 has no setting that moves
them elsewhere (LocalSparkCluster gives its workers no work dir; SPARK_WORKER_DIR
is read only by a standalone worker's own command line). When SPARK_HOME is
a pip-installed pyspark package (a plain spark-submit from the venv), the
job moves its app's folder to <output-dir>/<run-id>/executor-logs after
the run and removes an emptied work folder, so nothing is left in the venv.
bridge/spark/launcher.ts instead gives each run a SPARK_HOME of its own.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import socket
import shutil
import sys
import threading
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import numpy as np

SCHEMA_VERSION = 1
VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".mov"}
FRAME_STACK_SUFFIX = ".npy"
# ITU-R BT.601 luma weights (0.114 B + 0.587 G + 0.299 R) in fixed point with
# 15 fractional bits: the rounding OpenCV's cvtColor(BGR2GRAY) uses for 8-bit
# images, so the numpy fallback writes the same bytes (checked against 5.0).
GRAY_SHIFT = 15
GRAY_WEIGHTS_BGR = np.array([3735, 19235, 9798], dtype=np.uint32)
OUTPUT_FORMATS = ("video", "pgm")
# fourcc -> the container suffix FFmpeg picks its muxer by. Both encoders are in
# the FFmpeg of the opencv-python-headless 5.0 wheel; avc1 (H.264) is not (it
# finds only h264_v4l2m2m, which needs a device).
VIDEO_CODECS = {"mp4v": ".mp4", "MJPG": ".avi"}
FRAME_DEALING = "round-robin over resolution streams, one frame at a time"


class InputError(Exception):
    """Bad arguments or input directory: reported as one line, exit code 2."""


def now_ms() -> float:
    return time.time() * 1000.0


def positive_int(text: str) -> int:
    """An argparse type: a bad value is argparse's usage error (exit code 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Grayscale video frames on Spark, with per-frame timings.")
    parser.add_argument("--input-dir", required=True, help="shared video store: video chunks and/or .npy frame stacks")
    parser.add_argument("--output-dir", required=True, help="where <run-id>/batch-NNNNN/part-NNNNN.pgm files go")
    parser.add_argument("--partitions", type=int, required=True, help="partitions (tasks) per micro-batch")
    parser.add_argument("--frames-per-partition", type=int, required=True, help="frames each partition collects")
    parser.add_argument("--fps", type=float, required=True, help="arrival rate of the stream, frames per second")
    parser.add_argument("--run-id", required=True, help="name of this run (output subdirectory, metrics)")
    parser.add_argument("--metrics-out", required=True, help="path of the metrics JSON to write")
    parser.add_argument("--warmup-batches", type=int, default=0, help="first batches run but left out of the summary")
    parser.add_argument("--max-batches", type=int, default=0, help="stop after this many batches; 0 = every full batch")
    parser.add_argument("--realtime", action="store_true", help="submit each batch only once its frames would have arrived at --fps")
    parser.add_argument("--concurrent-jobs", type=positive_int, default=1, help="batch jobs kept in Spark at once, each from a driver thread of its own (the concurrentJobs knob); 1 = one after the other")
    parser.add_argument("--expected-executors", type=int, default=0, help="wait for this many executors before the first batch; 0 = no wait")
    parser.add_argument("--executor-wait-s", type=float, default=120.0, help="longest wait for --expected-executors, seconds")
    parser.add_argument("--converter", choices=["auto", "opencv", "numpy"], default="auto", help="grayscale implementation on the executors")
    parser.add_argument("--output-format", choices=list(OUTPUT_FORMATS), default="video", help="video: encode each partition as video (one file per resolution); pgm: raw P5 images")
    parser.add_argument("--video-codec", choices=list(VIDEO_CODECS), default="mp4v", help="VideoWriter fourcc for --output-format video: mp4v (.mp4) or MJPG (.avi)")
    parser.add_argument("--opencv-threads", type=int, default=0, help="threads OpenCV may use in a task (decoder and cv2 functions); 0 = OpenCV's default (one per CPU)")
    parser.add_argument("--kill-executor-at-batch", type=int, default=-1, help="fault injection for tests: the first attempt of partition 0 of this batch kills its executor JVM; -1 = never")
    args = parser.parse_args(argv)
    for name in ("partitions", "frames_per_partition"):
        value = getattr(args, name)
        if value < 1:
            raise InputError(f"expected a positive integer --{name.replace('_', '-')}, got {value}")
    for name in ("warmup_batches", "max_batches", "expected_executors", "opencv_threads"):
        value = getattr(args, name)
        if value < 0:
            raise InputError(f"expected a non-negative integer --{name.replace('_', '-')}, got {value}")
    if not (args.fps > 0 and math.isfinite(args.fps)):
        raise InputError(f"expected a positive --fps, got {args.fps}")
    if not args.run_id or "/" in args.run_id or args.run_id in (".", ".."):
        raise InputError(f"expected a --run-id usable as a directory name, got {args.run_id!r}")
    return args


# ---------------------------------------------------------------- input store


def list_chunks(input_dir: Path) -> list[dict[str, Any]]:
    """The store's chunks in stream order, with their frame counts."""
    if not input_dir.is_dir():
        raise InputError(f"expected --input-dir to be a directory, got {input_dir}")
    chunks = []
    for path in sorted(input_dir.iterdir()):
        suffix = path.suffix.lower()
        if suffix == FRAME_STACK_SUFFIX:
            stack = np.load(path, mmap_mode="r")
            if stack.ndim != 4 or stack.shape[3] != 3 or stack.dtype != np.uint8:
                raise InputError(f"expected {path} to hold uint8 BGR frames (frames, height, width, 3), got {stack.dtype} {stack.shape}")
            chunks.append({"file": path.name, "kind": "npy", "frames": int(stack.shape[0]), "widthPx": int(stack.shape[2]), "heightPx": int(stack.shape[1])})
        elif suffix in VIDEO_SUFFIXES:
            chunks.append({"file": path.name, "kind": "video", **probe_video(path)})
    if not chunks:
        raise InputError(f"expected video chunks ({', '.join(sorted(VIDEO_SUFFIXES))}) or .npy frame stacks in {input_dir}, found none")
    return chunks


def probe_video(path: Path) -> dict[str, int]:
    try:
        import cv2
    except ImportError as error:
        raise InputError(f"expected OpenCV (opencv-python-headless) to read video {path}; install it or use .npy frame stacks") from error
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputError(f"expected OpenCV to open video {path}, it could not")
        frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if frames <= 0:
            # Some containers carry no frame count: decode to count.
            frames = 0
            while capture.grab():
                frames += 1
        return {"frames": frames, "widthPx": width, "heightPx": height}
    finally:
        capture.release()


def source_streams(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The store as one stream per resolution: streams in the order their first
    chunk appears, each stream's chunks in name order."""
    streams: list[dict[str, Any]] = []
    by_size: dict[tuple[int, int], dict[str, Any]] = {}
    for chunk in chunks:
        key = (chunk["widthPx"], chunk["heightPx"])
        if key not in by_size:
            by_size[key] = {"widthPx": key[0], "heightPx": key[1], "frames": 0, "files": [], "chunks": []}
            streams.append(by_size[key])
        stream = by_size[key]
        stream["frames"] += chunk["frames"]
        stream["files"].append(chunk["file"])
        stream["chunks"].append(chunk)
    return streams


def dealt_frames_available(streams: list[dict[str, Any]]) -> int:
    """Length of the dealt stream: frame i is frame i // S of stream i mod S, so
    it ends at the first frame its stream cannot supply."""
    count = len(streams)
    return min(s + stream["frames"] * count for s, stream in enumerate(streams))


def chunk_pieces(chunks: list[dict[str, Any]], first_frame: int, count: int) -> list[dict[str, Any]]:
    """Where frames [first_frame, first_frame + count) of one stream lie: (file, start, frames) pieces."""
    pieces = []
    offset = 0
    for chunk in chunks:
        lo = max(first_frame, offset)
        hi = min(first_frame + count, offset + chunk["frames"])
        if lo < hi:
            pieces.append({"file": chunk["file"], "kind": chunk["kind"], "start": lo - offset, "frames": hi - lo})
        offset += chunk["frames"]
    return pieces


def partition_segments(streams: list[dict[str, Any]], first_frame: int, count: int) -> list[dict[str, Any]]:
    """Where frames [first_frame, first_frame + count) of the dealt stream lie:
    per resolution stream, the contiguous run of its frames they take, as
    (file, start, frames, widthPx, heightPx) pieces in stream order."""
    total = len(streams)
    segments = []
    for s, stream in enumerate(streams):
        # Stream frames k with first_frame <= s + k * total < first_frame + count.
        lo = max(0, -((s - first_frame) // total))
        hi = (first_frame + count - 1 - s) // total + 1
        if hi <= lo:
            continue
        size = {"widthPx": stream["widthPx"], "heightPx": stream["heightPx"]}
        segments.extend({**piece, **size} for piece in chunk_pieces(stream["chunks"], lo, hi - lo))
    return segments


def segments_megapixels(segments: list[dict[str, Any]]) -> float:
    return sum(segment["widthPx"] * segment["heightPx"] * segment["frames"] for segment in segments) / 1e6


# ------------------------------------------------------------ executor side


def read_segment(input_dir: str, segment: dict[str, Any], threads: int = 0) -> list[np.ndarray]:
    """Decodes a segment's frames (BGR). threads > 0 caps the decoder's threads
    (OpenCV's FFmpeg decoder otherwise starts one per CPU, whatever
    cv2.setNumThreads says)."""
    path = os.path.join(input_dir, segment["file"])
    if segment["kind"] == "npy":
        stack = np.load(path, mmap_mode="r")
        return [np.asarray(frame) for frame in stack[segment["start"] : segment["start"] + segment["frames"]]]
    import cv2

    capture = cv2.VideoCapture(path, cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, threads]) if threads > 0 else cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            raise RuntimeError(f"expected OpenCV to open {path} on {socket.gethostname()}, it could not")
        if segment["start"] > 0:
            capture.set(cv2.CAP_PROP_POS_FRAMES, segment["start"])
        frames = []
        for _ in range(segment["frames"]):
            ok, frame = capture.read()
            if not ok:
                raise RuntimeError(f"expected frame {segment['start'] + len(frames)} of {path}, the video ended")
            frames.append(frame)
        return frames
    finally:
        capture.release()


def resolve_converter(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        import cv2  # noqa: F401
    except ImportError:
        return "numpy"
    return "opencv"


def to_gray(frame: np.ndarray, converter: str) -> np.ndarray:
    if converter == "opencv":
        import cv2

        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    weighted = frame.astype(np.uint32) @ GRAY_WEIGHTS_BGR
    return ((weighted + (1 << (GRAY_SHIFT - 1))) >> GRAY_SHIFT).astype(np.uint8)


def set_opencv_threads(threads: int) -> None:
    """threads > 0: at most that many threads in cv2 functions; 0: OpenCV's default."""
    try:
        import cv2
    except ImportError:
        return
    cv2.setNumThreads(threads if threads > 0 else -1)


def write_video(path: str, frames: list[np.ndarray], fps: float, codec: str) -> None:
    """Encodes grayscale frames of one size as a video file with OpenCV's VideoWriter."""
    import cv2

    if not frames:
        raise ValueError(f"expected at least one frame to encode into {path}, got none")
    height, width = frames[0].shape
    # Write then rename, as for PGM; the temporary name keeps the suffix FFmpeg picks its container by.
    stem, suffix = os.path.splitext(path)
    tmp = f"{stem}.tmp-{os.getpid()}{suffix}"
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*codec), fps, (width, height), isColor=False)
    try:
        if not writer.isOpened():
            raise RuntimeError(f"expected OpenCV to open a {codec} VideoWriter for {tmp} on {socket.gethostname()}, it did not")
        for gray in frames:
            if gray.shape != (height, width):
                raise ValueError(f"expected every frame of {path} to be {width}x{height}, got {gray.shape[1]}x{gray.shape[0]}")
            writer.write(gray)
    finally:
        writer.release()
    os.replace(tmp, path)


def write_outputs(batch_dir: str, index: int, grays: list[np.ndarray], output_format: str, codec: str, fps: float) -> list[str]:
    """A partition's output files: one PGM sequence, or one video per frame size (in order of appearance)."""
    os.makedirs(batch_dir, exist_ok=True)
    if output_format == "pgm":
        path = os.path.join(batch_dir, f"part-{index:05d}.pgm")
        write_pgm_sequence(path, grays)
        return [path]
    by_size: dict[tuple[int, int], list[np.ndarray]] = {}
    for gray in grays:
        by_size.setdefault((gray.shape[1], gray.shape[0]), []).append(gray)
    paths = []
    for (width, height), frames in by_size.items():
        path = os.path.join(batch_dir, f"part-{index:05d}-{width}x{height}{VIDEO_CODECS[codec]}")
        write_video(path, frames, fps, codec)
        paths.append(path)
    return paths


def write_pgm_sequence(path: str, frames: Iterable[np.ndarray]) -> None:
    # Write then rename, so "output written" is one atomic step a reader never sees half done.
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as out:
        for gray in frames:
            height, width = gray.shape
            out.write(f"P5\n{width} {height}\n255\n".encode("ascii"))
            out.write(np.ascontiguousarray(gray).tobytes())
    os.replace(tmp, path)


def kill_own_executor() -> None:
    """Kills the executor JVM that runs this task: worker -> pyspark.daemon -> JVM (Linux /proc)."""
    daemon_pid = os.getppid()
    with open(f"/proc/{daemon_pid}/stat") as stat:
        # Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after its ')'.
        jvm_pid = int(stat.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{jvm_pid}/comm") as comm:
        name = comm.read().strip()
    if name != "java":
        raise RuntimeError(f"expected the grandparent of the Python worker to be the executor JVM, found {name!r} (pid {jvm_pid})")
    os.kill(jvm_pid, signal.SIGKILL)
    time.sleep(60)  # the JVM is gone; never report a result from this attempt


def process_partition(
    index: int,
    descriptors: Iterator[dict[str, Any]],
    input_dir: str,
    batch_dir: str,
    converter: str,
    kill_executor: bool = False,
    output_format: str = "video",
    codec: str = "mp4v",
    fps: float = 10.0,
    threads: int = 0,
) -> Iterator[dict[str, Any]]:
    """One task: read its frames from the store, convert, write its output files.
    Wall times (ms) and this Python worker's CPU time (ms, all its threads) per step."""
    from pyspark import TaskContext

    context = TaskContext.get()
    if kill_executor and index == 0 and context is not None and context.attemptNumber() == 0:
        kill_own_executor()
    set_opencv_threads(threads)
    for descriptor in descriptors:
        start_ms, start_cpu = now_ms(), time.process_time()
        frames = [frame for segment in descriptor["segments"] for frame in read_segment(input_dir, segment, threads)]
        read_end_ms, read_cpu = now_ms(), time.process_time()
        used = resolve_converter(converter)
        grays = [to_gray(frame, used) for frame in frames]
        convert_end_ms, convert_cpu = now_ms(), time.process_time()
        outputs = write_outputs(batch_dir, index, grays, output_format, codec, fps)
        end_ms, end_cpu = now_ms(), time.process_time()
        megapixels = sum(frame.shape[0] * frame.shape[1] for frame in frames) / 1e6
        yield {
            "index": index,
            "frames": len(frames),
            "firstFrame": descriptor["firstFrame"],
            "segments": descriptor["segments"],
            "startMs": start_ms,
            "endMs": end_ms,
            "readMs": read_end_ms - start_ms,
            "convertMs": convert_end_ms - read_end_ms,
            "writeMs": end_ms - convert_end_ms,
            "readCpuMs": (read_cpu - start_cpu) * 1000.0,
            "convertCpuMs": (convert_cpu - read_cpu) * 1000.0,
            "writeCpuMs": (end_cpu - convert_cpu) * 1000.0,
            "megapixels": megapixels,
            "megapixelsPerFrame": megapixels / len(frames) if frames else None,
            # The first output file, for readers of schema 1; outputPaths has them all.
            "outputPath": outputs[0],
            "outputPaths": outputs,
            "outputBytes": sum(os.path.getsize(path) for path in outputs),
            "outputFormat": output_format,
            "videoCodec": codec if output_format == "video" else None,
            "converter": used,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "attempt": context.attemptNumber() if context is not None else 0,
            "stageId": context.stageId() if context is not None else -1,
        }


# --------------------------------------------------------------- driver side


class TaskOptions(NamedTuple):
    """How each task processes its partition (see process_partition)."""

    converter: str = "auto"
    output_format: str = "video"
    codec: str = "mp4v"
    fps: float = 10.0
    threads: int = 0


def run_batch(
    sc: Any,
    descriptors: list[dict[str, Any]],
    input_dir: str,
    batch_dir: str,
    task: TaskOptions,
    kill_executor: bool = False,
    before_submit: Callable[[], None] | None = None,
) -> tuple[float, list[dict[str, Any]], float]:
    """One micro-batch as one Spark job, a task per descriptor: (submit ms, partitions, job end ms).
    Each partition gets perFrameMs, from the submission to its output written.
    before_submit runs just before the job is handed to Spark (SubmissionOrder)."""
    rdd = sc.parallelize(descriptors, len(descriptors)).mapPartitionsWithIndex(
        lambda index, it: process_partition(index, it, input_dir, batch_dir, task.converter, kill_executor, task.output_format, task.codec, task.fps, task.threads)
    )
    if before_submit is not None:
        before_submit()
    submit_ms = now_ms()
    partitions = rdd.collect()
    job_end_ms = now_ms()
    for partition in partitions:
        partition["perFrameMs"] = partition["endMs"] - submit_ms
    return submit_ms, partitions, job_end_ms


def schedule_batches(
    batch_count: int,
    concurrent_jobs: int,
    wait_for_arrival: Callable[[int], None],
    run_one: Callable[[int], Any],
    record: Callable[[int, Any], None],
    in_thread: Callable[[Callable[[int], Any]], Callable[[int], Any]] = lambda target: target,
) -> None:
    """Runs run_one(batch id) for batches 0 .. batch_count - 1, at most
    concurrent_jobs at once, started in id order, each once
    wait_for_arrival(id) has returned (first come first served: a batch that
    has arrived waits for a free slot, the ones behind it wait for it). Each
    result goes to record(id, result), on the calling thread, in id order.

    concurrent_jobs = 1 is the plain loop on the calling thread. Above it,
    each batch runs on a pool thread, through in_thread(run_one) made when it
    is submitted. After a failure no further batch is started; the running
    ones are waited for, every batch that succeeded is recorded (in id order),
    then the first failure is raised."""
    if concurrent_jobs == 1:
        for batch_id in range(batch_count):
            wait_for_arrival(batch_id)
            record(batch_id, run_one(batch_id))
        return
    running: dict[Future[Any], int] = {}
    succeeded: dict[int, Any] = {}
    failures: list[BaseException] = []
    next_to_record = 0

    def settle(timeout_s: float | None) -> None:
        """Takes in the batches that have ended (waiting up to timeout_s for one; None = until one does)."""
        nonlocal next_to_record
        if not running:
            return
        ended, _ = wait(list(running), timeout=timeout_s, return_when=FIRST_COMPLETED)
        for future in sorted(ended, key=lambda f: running[f]):
            batch_id = running.pop(future)
            error = future.exception()
            if error is not None:
                failures.append(error)
            else:
                succeeded[batch_id] = future.result()
        while next_to_record in succeeded:
            record(next_to_record, succeeded.pop(next_to_record))
            next_to_record += 1

    with ThreadPoolExecutor(max_workers=concurrent_jobs, thread_name_prefix="batch-job") as pool:
        for batch_id in range(batch_count):
            while len(running) >= concurrent_jobs and not failures:
                settle(None)
            if failures:
                break
            wait_for_arrival(batch_id)
            settle(0)  # a batch that failed while this one was arriving stops the run before it
            if failures:
                break
            running[pool.submit(in_thread(run_one), batch_id)] = batch_id
        while running:
            settle(None)
    for batch_id in sorted(succeeded):
        record(batch_id, succeeded[batch_id])
    if failures:
        raise failures[0]


class SubmissionOrder:
    """Batch k's Spark job reaches the scheduler after batch k-1's.

    Handing batches to pool threads in order is not enough: the threads race
    to the JVM, and Spark numbers jobs as they arrive and gives task slots to
    the lowest job id first (FIFO scheduling), while calibration from event
    logs takes the first --warmup-batches jobs as the warm-up batches. So each
    batch's job runs under a job group of its own, and a batch is collected
    only once its predecessor's job is known to Spark (its status tracker) or
    the predecessor has ended without one."""

    def __init__(self, sc: Any, prefix: str, poll_s: float = 0.002) -> None:
        self.sc = sc
        self.prefix = prefix
        self.poll_s = poll_s
        self.lock = threading.Lock()
        self.ended: dict[int, threading.Event] = {}

    def group(self, batch_id: int) -> str:
        return f"{self.prefix}-batch-{batch_id:05d}"

    def ended_event(self, batch_id: int) -> threading.Event:
        with self.lock:
            return self.ended.setdefault(batch_id, threading.Event())

    def before_submit(self, batch_id: int) -> None:
        """On the batch's thread, just before its job: join its group, wait for the predecessor's job."""
        self.sc.setJobGroup(self.group(batch_id), f"batch {batch_id}")
        if batch_id == 0:
            return
        previous = self.group(batch_id - 1)
        previous_ended = self.ended_event(batch_id - 1)
        while not previous_ended.is_set() and len(self.sc.statusTracker().getJobIdsForGroup(previous)) == 0:
            time.sleep(self.poll_s)

    def after(self, batch_id: int) -> None:
        self.ended_event(batch_id).set()


def launched_by(executor_dir: Path, driver_port: str) -> bool:
    """Whether an executor folder's stderr names this driver: app ids are a local
    master's start second plus a counter, so two runs started in the same second
    share one; their drivers' ports differ."""
    try:
        with open(executor_dir / "stderr", "rb") as stderr:
            head = stderr.read(16384).decode(errors="replace")
    except OSError:
        return False
    # The executor command line Spark logs first: "--driver-url" "spark://CoarseGrainedScheduler@<host>:<port>"
    return re.search(rf'CoarseGrainedScheduler@[^:"\s]+:{re.escape(driver_port)}"', head) is not None


def move_work_out_of_pyspark(master: str, app_id: str, driver_port: str | None, destination: Path) -> str | None:
    """Moves a local-cluster app's executor folders out of $SPARK_HOME/work when
    SPARK_HOME is a pip-installed pyspark package (a plain spark-submit from a
    venv) and they are this run's; returns where they went, None when there was
    nothing to move."""
    spark_home = os.environ.get("SPARK_HOME")
    if not master.startswith("local-cluster") or not spark_home or not app_id:
        return None
    # The installed package (in a Python environment's site-packages), not a Spark download nor
    # the launcher's per-run SPARK_HOME of links. (pyspark.__file__ cannot tell: spark-submit puts
    # $SPARK_HOME/python/lib/pyspark.zip first on the driver's path.)
    if Path(spark_home).resolve().parent.name not in ("site-packages", "dist-packages"):
        return None
    work = Path(spark_home) / "work"
    source = work / app_id
    if not source.is_dir() or driver_port is None:
        return None
    executors = [entry for entry in source.iterdir() if entry.is_dir()]
    if not executors or not all(launched_by(entry, driver_port) for entry in executors):
        return None  # another run's folder of the same name (or not one of ours): left alone
    if destination.exists():
        shutil.rmtree(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(destination))
    try:
        work.rmdir()  # only when empty: another run's folder stays where its own job will move it from
    except OSError:
        pass
    return str(destination)


def registered_executors(sc: Any) -> int:
    # The block-manager map holds the driver too; PySpark has no executor list of its own.
    return max(0, int(sc._jsc.sc().getExecutorMemoryStatus().size()) - 1)


def wait_for_executors(sc: Any, expected: int, wait_s: float) -> int:
    deadline = time.monotonic() + wait_s
    count = registered_executors(sc)
    while count < expected and time.monotonic() < deadline:
        time.sleep(0.1)
        count = registered_executors(sc)
    return count


def quantiles(values_with_weights: list[tuple[float, int]]) -> dict[str, float] | None:
    """Frame-weighted mean, nearest-rank p50/p95/p99 and max; None without frames."""
    total = sum(weight for _, weight in values_with_weights)
    if total == 0:
        return None
    ordered = sorted(values_with_weights)

    def rank(q: float) -> float:
        target = max(1, math.ceil(q * total))
        seen = 0
        for value, weight in ordered:
            seen += weight
            if seen >= target:
                return value
        return ordered[-1][0]

    mean = sum(value * weight for value, weight in ordered) / total
    return {"mean": mean, "p50": rank(0.5), "p95": rank(0.95), "p99": rank(0.99), "max": ordered[-1][0]}


def summarise(batches: list[dict[str, Any]]) -> dict[str, Any]:
    measured = [batch for batch in batches if not batch["warmup"]]
    per_frame = [(p["perFrameMs"], p["frames"]) for batch in measured for p in batch["partitions"]]
    frames = sum(weight for _, weight in per_frame)
    megapixels = sum(p["megapixels"] for batch in measured for p in batch["partitions"])
    summary: dict[str, Any] = {
        "measuredBatches": len(measured),
        "measuredFrames": frames,
        "perFrameMs": quantiles(per_frame),
        "throughputFps": None,
        # Mean size of the frames the measured tasks read, megapixels (None without frames).
        "megapixelsPerFrame": megapixels / frames if frames > 0 else None,
    }
    if measured:
        span_ms = max(p["endMs"] for batch in measured for p in batch["partitions"]) - measured[0]["submitMs"]
        summary["throughputFps"] = frames / (span_ms / 1000.0) if span_ms > 0 else None
    return summary


TRACEBACK = "Traceback (most recent call last):"
PYTHON_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b(:.*)?$")


def one_line(error: BaseException) -> str:
    """A failure in one line: the exception's first line, with the cause a
    Python worker's traceback gives when one travels inside a JVM exception."""
    java = getattr(error, "java_exception", None)
    text = str(java) if java is not None else f"{type(error).__name__}: {error}"
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    first = lines[0].strip() if lines else type(error).__name__
    cause = None
    starts = [i for i, line in enumerate(lines) if TRACEBACK in line]
    if starts:
        # The traceback's last exception line, before the JVM stack ("\tat ...") resumes.
        for line in lines[starts[-1] + 1 :]:
            if line.startswith("\tat "):
                break
            if PYTHON_EXCEPTION_LINE.match(line):
                cause = line.strip()
    if cause is not None:
        head = first[: -len(TRACEBACK)].rstrip() if first.endswith(TRACEBACK) else first
        first = f"{head} {cause}" if head.endswith(":") else f"{head}: {cause}"
    return first[:1000]


def with_driver_properties(target: Callable[[int], Any]) -> Callable[[int], Any]:
    """target for a pool thread, with the submitting thread's Spark local
    properties. PySpark's pinned-thread mode (on by default since 3.2, and in
    4.3) gives each Python thread a JVM thread of its own, which inherits
    nothing from the thread that started it; pyspark.inheritable_thread_target
    copies them (a fresh copy at each call, so threads never share one). Its
    warning that Spark Connect tags are not inherited does not apply here."""
    from pyspark import inheritable_thread_target

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return inheritable_thread_target(target)


def write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    driver_start_ms = now_ms()
    input_dir = Path(args.input_dir).resolve()
    chunks = list_chunks(input_dir)
    streams = source_streams(chunks)
    frames_available = dealt_frames_available(streams)
    batch_frames = args.partitions * args.frames_per_partition
    full_batches = frames_available // batch_frames
    if full_batches == 0:
        raise InputError(f"expected at least one full batch of {args.partitions}x{args.frames_per_partition} = {batch_frames} frames in {input_dir}, found {frames_available}")
    batch_count = min(full_batches, args.max_batches) if args.max_batches > 0 else full_batches
    run_dir = Path(args.output_dir).resolve() / args.run_id
    run_dir.mkdir(parents=True, exist_ok=True)

    from pyspark import SparkContext

    sc = SparkContext.getOrCreate()
    spark_ready_ms = now_ms()
    executors_at_start = wait_for_executors(sc, args.expected_executors, args.executor_wait_s) if args.expected_executors > 0 else registered_executors(sc)
    executors_ready_ms = now_ms()
    conf = sc.getConf()
    metrics: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "runId": args.run_id,
        "appId": sc.applicationId,
        "appName": sc.appName,
        "master": sc.master,
        "sparkVersion": sc.version,
        "settings": {
            "partitions": args.partitions,
            "framesPerPartition": args.frames_per_partition,
            "fps": args.fps,
            "warmupBatches": args.warmup_batches,
            "realtime": args.realtime,
            "concurrentJobs": args.concurrent_jobs,
            "converter": args.converter,
            "outputFormat": args.output_format,
            "videoCodec": args.video_codec if args.output_format == "video" else None,
            "opencvThreads": args.opencv_threads,
            "executorCores": conf.get("spark.executor.cores"),
            "executorMemory": conf.get("spark.executor.memory"),
            "executorInstances": conf.get("spark.executor.instances"),
            "serializer": conf.get("spark.serializer"),
        },
        "inputDir": str(input_dir),
        "outputDir": str(run_dir),
        "inputChunks": chunks,
        # How frames are drawn from the store (see the module's doc): one stream per resolution.
        "frameDealing": FRAME_DEALING,
        "sourceStreams": [{key: stream[key] for key in ("widthPx", "heightPx", "frames", "files")} for stream in streams],
        "storeFrames": sum(chunk["frames"] for chunk in chunks),
        # Frames of the dealt stream: past its end, some resolution stream has no frame left.
        "framesAvailable": frames_available,
        "framesProcessed": 0,
        # Frames of the stream left out: the incomplete last batch, or past --max-batches.
        "framesNotBatched": frames_available - batch_count * batch_frames,
        "driverHost": socket.gethostname(),
        "driverStartMs": driver_start_ms,
        "sparkReadyMs": spark_ready_ms,
        "expectedExecutors": args.expected_executors,
        "executorsAtStart": executors_at_start,
        "executorsReadyMs": executors_ready_ms,
        "streamStartMs": executors_ready_ms,
        "endMs": None,
        "batches": [],
        "summary": None,
        "error": None,
    }
    metrics_path = Path(args.metrics_out)
    task = TaskOptions(converter=args.converter, output_format=args.output_format, codec=args.video_codec, fps=args.fps, threads=args.opencv_threads)
    stream_start_ms = executors_ready_ms
    frame_ms = 1000.0 / args.fps
    order = SubmissionOrder(sc, args.run_id) if args.concurrent_jobs > 1 else None

    def wait_for_arrival(batch_id: int) -> None:
        if args.realtime:
            # The batch is full when its last frame has arrived.
            capture_end_ms = stream_start_ms + (batch_id * batch_frames + batch_frames - 1) * frame_ms
            delay_s = (capture_end_ms + frame_ms - now_ms()) / 1000.0
            if delay_s > 0:
                time.sleep(delay_s)

    def run_one(batch_id: int) -> dict[str, Any]:
        first = batch_id * batch_frames
        descriptors = [
            {"firstFrame": first + p * args.frames_per_partition, "segments": partition_segments(streams, first + p * args.frames_per_partition, args.frames_per_partition)}
            for p in range(args.partitions)
        ]
        batch_dir = str(run_dir / f"batch-{batch_id:05d}")
        try:
            submit_ms, partitions, job_end_ms = run_batch(
                sc,
                descriptors,
                str(input_dir),
                batch_dir,
                task,
                kill_executor=batch_id == args.kill_executor_at_batch,
                before_submit=None if order is None else lambda: order.before_submit(batch_id),
            )
        finally:
            if order is not None:
                order.after(batch_id)
        return {
            "id": batch_id,
            "warmup": batch_id < args.warmup_batches,
            "frames": sum(p["frames"] for p in partitions),
            "megapixels": sum(p["megapixels"] for p in partitions),
            "captureStartMs": stream_start_ms + first * frame_ms,
            "captureEndMs": stream_start_ms + (first + batch_frames - 1) * frame_ms,
            "submitMs": submit_ms,
            "jobEndMs": job_end_ms,
            "executorsRegistered": registered_executors(sc),
            "partitions": sorted(partitions, key=lambda p: p["index"]),
        }

    def record(batch_id: int, batch: dict[str, Any]) -> None:
        metrics["batches"].append(batch)
        metrics["framesProcessed"] += batch["frames"]

    try:
        schedule_batches(batch_count, args.concurrent_jobs, wait_for_arrival, run_one, record, in_thread=with_driver_properties)
    except Exception as error:  # noqa: BLE001 - reported in the metrics and re-raised
        metrics["error"] = one_line(error)
        raise
    finally:
        metrics["endMs"] = now_ms()
        metrics["summary"] = summarise(metrics["batches"])
        driver_port = sc.getConf().get("spark.driver.port")
        try:
            sc.stop()
        finally:
            # After the stop: the local cluster's workers and executors are gone, their logs complete.
            metrics["executorLogDir"] = move_work_out_of_pyspark(metrics["master"], metrics["appId"], driver_port, run_dir / "executor-logs")
            write_json_atomically(metrics_path, metrics)
    return 0


def main(argv: list[str]) -> int:
    try:
        return run(parse_args(argv))
    except InputError as error:
        print(f"video_grayscale: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        # One line the launcher can quote; the traceback follows for people.
        print(f"video_grayscale: failed: {one_line(error)}", file=sys.stderr)
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
