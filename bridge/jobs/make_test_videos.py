"""Writes a small, deterministic set of test video chunks for video_grayscale.py.

One chunk file per source and chunk index, named
``<source>-<width>x<height>-<chunk>.<ext>``, so that sorting the names gives
the stream order the job uses. The sources are the case study's cameras
(traffic camera 1280x720, CCTV 640x480, drone 1920x1080), scaled down by
``--scale`` to keep CI fast.

The frames are a pure function of (seed, source, frame index). How they are
stored depends on what this machine has:
  h264  the ffmpeg command line with libx264 (bit-exact flags, one thread),
  mp4v  OpenCV's VideoWriter (MPEG-4 part 2, from the FFmpeg in its wheel),
  npy   uint8 stacks of BGR frames, shape (frames, height, width, 3).
``--format auto`` picks the first that works, and writes videos only when
OpenCV is importable, because the job needs it to read them back.
A manifest.json next to the chunks records what was written, with a SHA-256
of each chunk's raw frames (the same on every machine, whatever the codec).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

# Full-size resolutions of the case study's sources (width, height).
SOURCES = {
    "camera": (1280, 720),
    "cctv": (640, 480),
    "drone": (1920, 1080),
}
MANIFEST = "manifest.json"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", required=True, help="directory to write the chunks into (created)")
    parser.add_argument("--seed", type=int, default=7, help="seed of every random choice")
    parser.add_argument("--fps", type=int, default=10, help="frame rate of each chunk")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each chunk, seconds")
    parser.add_argument("--chunks", type=int, default=1, help="chunks per source")
    parser.add_argument("--scale", type=float, default=0.125, help="resolution scale against the full-size source")
    parser.add_argument("--sources", default="camera,cctv,drone", help="comma-separated subset of " + ",".join(SOURCES))
    parser.add_argument("--format", choices=["auto", "h264", "mp4v", "npy"], default="auto", help="how to store frames")
    args = parser.parse_args(argv)
    for name in ("fps", "chunks"):
        if getattr(args, name) < 1:
            parser.error(f"expected a positive integer --{name}, got {getattr(args, name)}")
    if not args.seconds > 0:
        parser.error(f"expected a positive --seconds, got {args.seconds}")
    if not 0 < args.scale <= 1:
        parser.error(f"expected --scale in (0, 1], got {args.scale}")
    unknown = [s for s in args.sources.split(",") if s not in SOURCES]
    if unknown:
        parser.error(f"expected --sources among {','.join(SOURCES)}, got {','.join(unknown)}")
    return args


def scaled_size(source: str, scale: float) -> tuple[int, int]:
    # Even sizes: yuv420p (what players and OpenCV expect from H.264) halves both axes.
    width, height = SOURCES[source]
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))


def source_seed(seed: int, source: str) -> int:
    # A stable per-source seed (Python's hash() of a str changes between runs).
    return int.from_bytes(hashlib.sha256(f"{seed}:{source}".encode()).digest()[:8], "little")


def render_frames(seed: int, source: str, width: int, height: int, first: int, count: int) -> np.ndarray:
    """BGR frames ``first .. first+count-1`` of a source: a smooth coloured
    background, a box moving across it and light per-frame noise."""
    rng = np.random.default_rng(source_seed(seed, source))
    coarse = rng.integers(40, 200, size=(max(1, height // 16), max(1, width // 16), 3), dtype=np.uint8)
    background = np.repeat(np.repeat(coarse, 16, axis=0), 16, axis=1)
    background = np.pad(
        background, ((0, max(0, height - background.shape[0])), (0, max(0, width - background.shape[1])), (0, 0)), mode="edge"
    )[:height, :width]
    colour = rng.integers(0, 256, size=3, dtype=np.uint8)
    box = max(2, min(width, height) // 5)
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    for i in range(count):
        index = first + i
        frame = background.copy()
        x = (index * 7) % max(1, width - box)
        y = (index * 3) % max(1, height - box)
        frame[y : y + box, x : x + box] = colour
        noise = np.random.default_rng([source_seed(seed, source), index]).integers(0, 8, size=frame.shape, dtype=np.uint8)
        frames[i] = np.minimum(frame.astype(np.uint16) + noise, 255).astype(np.uint8)
    return frames


def has_cv2() -> bool:
    try:
        import cv2  # noqa: F401
    except ImportError:
        return False
    return True


def has_libx264() -> bool:
    if shutil.which("ffmpeg") is None:
        return False
    encoders = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, check=False)
    return encoders.returncode == 0 and " libx264 " in encoders.stdout


def pick_format(requested: str) -> str:
    if requested != "auto":
        return requested
    if not has_cv2():
        return "npy"
    return "h264" if has_libx264() else "mp4v"


def write_h264(path: Path, frames: np.ndarray, fps: int) -> None:
    _, height, width, _ = frames.shape
    command = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
        # One keyframe a second and no B-frames keep frame-accurate seeking cheap for the job.
        "-c:v", "libx264", "-preset", "veryfast", "-g", str(fps), "-bf", "0", "-pix_fmt", "yuv420p",
        "-threads", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
        str(path),
    ]
    result = subprocess.run(command, input=frames.tobytes(), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"expected ffmpeg to write {path}, it exited with {result.returncode}: {result.stderr.decode().strip()}")


def write_mp4v(path: Path, frames: np.ndarray, fps: int) -> None:
    import cv2

    _, height, width, _ = frames.shape
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"expected OpenCV to open a mp4v writer for {path}, it did not")
    for frame in frames:
        writer.write(frame)
    writer.release()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    fmt = pick_format(args.format)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames_per_chunk = max(1, round(args.fps * args.seconds))
    entries = []
    for source in args.sources.split(","):
        width, height = scaled_size(source, args.scale)
        for chunk in range(args.chunks):
            frames = render_frames(args.seed, source, width, height, chunk * frames_per_chunk, frames_per_chunk)
            stem = f"{source}-{width}x{height}-{chunk:03d}"
            if fmt == "npy":
                path = out / f"{stem}.npy"
                np.save(path, frames)
            elif fmt == "h264":
                path = out / f"{stem}.mp4"
                write_h264(path, frames, args.fps)
            else:
                path = out / f"{stem}.mp4"
                write_mp4v(path, frames, args.fps)
            entries.append(
                {
                    "file": path.name,
                    "source": source,
                    "widthPx": width,
                    "heightPx": height,
                    "frames": frames_per_chunk,
                    "fps": args.fps,
                    "rawSha256": hashlib.sha256(frames.tobytes()).hexdigest(),
                }
            )
    manifest = {"generator": "make_test_videos.py", "seed": args.seed, "format": fmt, "chunks": entries}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"make_test_videos: wrote {len(entries)} {fmt} chunks of {frames_per_chunk} frames to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
