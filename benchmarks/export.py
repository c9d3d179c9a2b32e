"""Time GIF and MP4 export of Figure 1's runs against a full-redraw baseline.

Runs the default `RunConfig` (12 runs x 100,000 steps), then renders a 200-frame
800x600 GIF and MP4 with `toyopt.plots.render_animation`, which blits. The baseline
is `matplotlib.animation.FuncAnimation` without blitting, saved with Pillow, on the
same scene for a few frames: it redraws the whole figure, contours included, in every
frame. Prints times, sizes and the per-frame ratio; it asserts nothing.

Usage: python benchmarks/export.py [--frames 200] [--baseline-frames 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

# Run from a checkout without installing toyopt: put the repository root first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matplotlib
from matplotlib.animation import FuncAnimation, PillowWriter

from toyopt.engine import RunConfig, run
from toyopt.plots import render_animation
from toyopt.plots.animation import _prepare, frame_steps
from toyopt.plots.figures import make_scene
from toyopt.plots.styles import get_style

SIZE = (800, 600)


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def best_of(repeat: int, action) -> tuple[float, object]:
    """Run `action` `repeat` times and return the fastest time and the last output."""
    times = []
    output = None
    for _ in range(repeat):
        began = time.perf_counter()
        output = action()
        times.append(time.perf_counter() - began)
    return min(times), output


def baseline_seconds(result, frames: int) -> float:
    """Time FuncAnimation (no blitting) saving `frames` frames as a GIF with Pillow."""
    animator = _prepare(
        result, size=SIZE, style="light", view="parameter", layout="overlay", blit=False
    )
    steps = frame_steps(result, frames)

    def draw_step(index: int):
        animator.update(int(steps[index]))
        return []

    animation = FuncAnimation(
        animator.figure, draw_step, frames=len(steps), blit=False, repeat=False
    )
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        animation.save(Path(folder) / "baseline.gif", writer=PillowWriter(fps=20), dpi=100)
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="frames per animation")
    parser.add_argument(
        "--baseline-frames", type=int, default=20, help="frames rendered by the baseline"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per timing, of which the fastest is reported"
    )
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores (nproc), {cpu_model()}")
    print(f"python {platform.python_version()}, matplotlib {matplotlib.__version__}")
    print("load average before start (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    began = time.perf_counter()
    result = run(RunConfig())
    print(f"engine run, 12 runs x 100,000 steps: {time.perf_counter() - began:.2f} s")

    began = time.perf_counter()
    make_scene(result, get_style("light"))
    print(
        f"first scene (loss grid + Pareto set, compiled once per process): "
        f"{time.perf_counter() - began:.2f} s"
    )

    per_frame = {}
    for fmt in ("gif", "mp4"):
        seconds, data = best_of(
            args.repeat,
            lambda fmt=fmt: render_animation(result, fmt=fmt, frames=args.frames, size=SIZE),
        )
        per_frame[fmt] = seconds / args.frames
        print(
            f"{fmt}: {args.frames} frames {SIZE[0]}x{SIZE[1]} in {seconds:.2f} s "
            f"({1000 * per_frame[fmt]:.1f} ms/frame), {len(data) / 1e3:.0f} kB "
            f"(best of {args.repeat})"
        )

    baseline = baseline_seconds(result, args.baseline_frames)
    baseline_per_frame = baseline / args.baseline_frames
    print(
        f"baseline FuncAnimation(blit=False) + PillowWriter: {args.baseline_frames} frames "
        f"in {baseline:.2f} s ({1000 * baseline_per_frame:.1f} ms/frame), "
        f"{args.frames} frames scaled: {baseline_per_frame * args.frames:.1f} s"
    )
    print(f"per-frame ratio, baseline / blitted GIF: {baseline_per_frame / per_frame['gif']:.1f}x")
    print(f"per-frame ratio, baseline / blitted MP4: {baseline_per_frame / per_frame['mp4']:.1f}x")


if __name__ == "__main__":
    main()
