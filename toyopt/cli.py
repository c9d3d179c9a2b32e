"""Command line: `python -m toyopt run | figure1 | animate`.

Every subcommand runs one batch of trajectories. Its settings come from the
shared options (`add_run_options`), whose defaults reproduce Figure 1 of the
CAGrad paper, and optionally from a configuration file given with --config.
Options given on the command line override the file.

Only the requested output goes to stdout. Logging and errors go to stderr, and
an invalid argument ends the program with one line `toyopt: error: ...` and
exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from toyopt.config import (
    DEFAULT_CONFIG,
    LIMITS,
    MAX_CONFIG_FILE_SIZE,
    ConfigError,
    Interval,
    RunConfig,
    config_from_dict,
    config_to_dict,
    dump_config_file,
    format_starts,
    load_config_file,
    parse_integer,
    parse_methods,
    parse_number,
    parse_starts,
)
from toyopt.engine import METHOD_NAMES, NOT_DIVERGED, RunResult, run
from toyopt.methods import RESCALE_CHOICES
from toyopt.optimizers import OPTIMIZERS
from toyopt.problems import PROBLEMS

logger = logging.getLogger("toyopt.cli")

PROGRAM = "toyopt"
EXIT_USAGE = 2

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
ANIMATION_SUFFIXES = (".gif", ".mp4")
# These mirror toyopt.plots (STYLES, figures.DPI_RANGE and the animation ranges) so
# that --help and argument checks need no matplotlib import. A test keeps them equal.
STYLE_NAMES = ("light", "dark", "high-contrast")
DPI_RANGE = Interval(10, 1200)
FRAMES_RANGE = Interval(2, 2000)
FPS_RANGE = Interval(1, 60)
WIDTH_RANGE = Interval(160, 3840)
HEIGHT_RANGE = Interval(120, 2160)
DEFAULT_DPI = 150
DEFAULT_FRAMES = 200
DEFAULT_FPS = 20
DEFAULT_SIZE = (800, 600)

OPTION_OF_FIELD = {
    "problem": "--problem",
    "methods": "--methods",
    "starts": "--starts",
    "optimizer": "--optimizer",
    "lr": "--lr",
    "steps": "--steps",
    "c": "--c",
    "rescale": "--rescale",
    "record_every": "--record-every",
}
"""Command-line option of each configuration field, for error messages."""

# argparse reads a value that starts with '-' and is not a plain negative number,
# such as "-8.5,7.5;9,9" or "-1e-3", as an unknown option. These options get such
# values joined into "--option=value" before parsing.
_NUMERIC_OPTIONS = ("--starts", "--lr", "--c", "--steps", "--record-every")
_NEGATIVE_VALUE = re.compile(r"-[0-9.]")


class UsageError(Exception):
    """Invalid command-line input, reported as one error line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """Argument parser that reports errors on one line as `toyopt: error: ...`."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        self.exit(EXIT_USAGE, f"{PROGRAM}: error: {message}{hint}\n")


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    joined: list[str] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        follows = argv[index + 1] if index + 1 < len(argv) else ""
        if token in _NUMERIC_OPTIONS and _NEGATIVE_VALUE.match(follows):
            joined.append(f"{token}={follows}")
            index += 2
        else:
            joined.append(token)
            index += 1
    return joined


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that set a batch of runs, shared by every subcommand.

    Each option defaults to None so that only options given on the command line
    override a --config file. The help text shows the effective default.
    """
    group = parser.add_argument_group("run settings (defaults reproduce Figure 1 of CAGrad)")
    defaults = DEFAULT_CONFIG
    group.add_argument(
        "--problem",
        metavar="NAME",
        help=f"two-objective problem: {', '.join(PROBLEMS)} (default: {defaults.problem})",
    )
    group.add_argument(
        "--methods",
        metavar="LIST",
        help=(
            f"comma-separated methods, each at most once, from {', '.join(METHOD_NAMES)}; "
            f"one run per method and start (default: {','.join(defaults.methods)})"
        ),
    )
    group.add_argument(
        "--starts",
        metavar="POINTS",
        help=(
            "start points 'x1,x2;x1,x2;...', 1 to "
            f"{LIMITS.max_starts} points with coordinates in {LIMITS.coordinate}; a list "
            f"that begins with '-' also works without '=' "
            f"(default: '{format_starts(defaults.starts)}')"
        ),
    )
    group.add_argument(
        "--optimizer",
        metavar="NAME",
        help=(
            f"optimizer that follows each method's direction: {', '.join(OPTIMIZERS)}, "
            f"with PyTorch's default hyperparameters (default: {defaults.optimizer})"
        ),
    )
    group.add_argument(
        "--lr",
        metavar="RATE",
        help=f"learning rate, a number in {LIMITS.lr} (default: {defaults.lr})",
    )
    group.add_argument(
        "--steps",
        metavar="N",
        help=(f"optimizer steps per run, an integer in {LIMITS.steps} (default: {defaults.steps})"),
    )
    group.add_argument(
        "--c",
        metavar="C",
        help=(
            f"CAGrad's radius c, relative to the norm of the mean gradient, a number in "
            f"{LIMITS.c}; the other methods ignore it (default: {defaults.c})"
        ),
    )
    group.add_argument(
        "--rescale",
        metavar="NAME",
        help=(
            f"CAGrad output scaling: {', '.join(RESCALE_CHOICES)} (divide by 1 + c, by "
            f"1 + c^2, or not at all) (default: {defaults.rescale})"
        ),
    )
    group.add_argument(
        "--record-every",
        metavar="K",
        help=(
            "stride in steps between two recorded points of a trajectory, an integer "
            "from 1 to --steps; the final step is always recorded "
            f"(default: {defaults.record_every}, or --steps if fewer, raised if the batch "
            f"would record more than {LIMITS.max_points:,} points)"
        ),
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help=(
            "configuration file written by --save-config (JSON, at most "
            f"{MAX_CONFIG_FILE_SIZE:,} bytes); options given here override its settings"
        ),
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log progress to stderr (-v: info, -vv: debug)",
    )


def _add_run_command(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        allow_abbrev=False,
        help="run a batch and write its trajectories as JSON or CSV",
        description="Run a batch of trajectories and write the result as JSON or CSV.",
    )
    add_run_options(parser)
    output = parser.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=("json", "csv"),
        help="output format (default: from the --out suffix, .csv or .json, otherwise json)",
    )
    output.add_argument(
        "--out", metavar="FILE", type=Path, help="output file (default: standard output)"
    )
    output.add_argument(
        "--save-config",
        metavar="FILE",
        type=Path,
        help="also write the configuration file of this run, for --config",
    )
    parser.set_defaults(command=command_run)


def _add_figure_command(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "figure1",
        allow_abbrev=False,
        help="run a batch and draw Figure 1 of CAGrad as PNG, SVG or PDF",
        description=(
            "Run a batch and draw Figure 1 of the CAGrad paper: contours of L1 and L2, "
            "and one L0 contour panel per method with the trajectories coloured by step."
        ),
    )
    add_run_options(parser)
    output = parser.add_argument_group("output")
    output.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        required=True,
        help="image file; its suffix .png, .svg or .pdf sets the format",
    )
    output.add_argument(
        "--style",
        default="light",
        choices=STYLE_NAMES,
        help="figure style; high-contrast suits projectors (default: light)",
    )
    output.add_argument(
        "--dpi",
        metavar="N",
        default=str(DEFAULT_DPI),
        help=(
            f"resolution in dots per inch, an integer in {DPI_RANGE}; it sets the pixel "
            f"size of PNG output and of raster parts of SVG and PDF (default: {DEFAULT_DPI})"
        ),
    )
    output.add_argument(
        "--surface", action="store_true", help="add the 3-D surface of L0 to the top row"
    )
    parser.set_defaults(command=command_figure1)


def _add_animate_command(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "animate",
        allow_abbrev=False,
        help="run a batch and write an animation of the trajectories as GIF or MP4",
        description="Run a batch and write an animation of the trajectories as GIF or MP4.",
    )
    add_run_options(parser)
    output = parser.add_argument_group("output")
    output.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        required=True,
        help="animation file; its suffix .gif or .mp4 sets the format",
    )
    output.add_argument(
        "--frames",
        metavar="N",
        default=str(DEFAULT_FRAMES),
        help=(
            f"number of frames, an integer in {FRAMES_RANGE}; a run with fewer recorded "
            f"points gets fewer frames (default: {DEFAULT_FRAMES})"
        ),
    )
    output.add_argument(
        "--fps",
        metavar="F",
        default=str(DEFAULT_FPS),
        help=f"frames per second, a number in {FPS_RANGE} (default: {DEFAULT_FPS})",
    )
    output.add_argument(
        "--size",
        metavar="WxH",
        default=f"{DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}",
        help=(
            f"frame size WIDTHxHEIGHT in pixels, width in {WIDTH_RANGE} and height in "
            f"{HEIGHT_RANGE} (default: {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]})"
        ),
    )
    output.add_argument(
        "--style",
        default="light",
        choices=STYLE_NAMES,
        help="figure style; high-contrast suits projectors (default: light)",
    )
    parser.set_defaults(command=command_animate)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with the run, figure1 and animate subcommands."""
    parser = _Parser(
        prog=PROGRAM,
        description=(
            "Run GD, MGDA, PCGrad and CAGrad on a two-objective toy problem and export "
            "the trajectories, Figure 1 of the CAGrad paper, or an animation."
        ),
        allow_abbrev=False,
    )
    subparsers = parser.add_subparsers(
        title="commands", dest="command_name", required=True, metavar="COMMAND"
    )
    _add_run_command(subparsers)
    _add_figure_command(subparsers)
    _add_animate_command(subparsers)
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse command-line arguments, accepting option values that begin with '-'.

    Raises:
        SystemExit: With status 2 after printing one error line, on invalid
            arguments, or with status 0 after --help.
    """
    return build_parser().parse_args(_join_negative_values(argv))


# Turning options into a configuration.


def _read_config_file(path: Path) -> dict[str, object]:
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_FILE_SIZE:
            raise UsageError(
                f"invalid --config {str(path)!r}: {size} bytes, "
                f"more than the maximum {MAX_CONFIG_FILE_SIZE}"
            )
        with path.open("rb") as file:
            data = file.read(MAX_CONFIG_FILE_SIZE + 1)
    except OSError as error:
        raise UsageError(f"failed to read --config {str(path)!r}: {error.strerror}") from None

    try:
        return config_to_dict(load_config_file(data))
    except ConfigError as error:
        raise UsageError(f"invalid --config {str(path)!r}: {error}") from None


def _option_overrides(args: argparse.Namespace) -> dict[str, object]:
    """Convert the run options given on the command line to configuration values."""
    overrides: dict[str, object] = {}
    if args.problem is not None:
        overrides["problem"] = args.problem
    if args.methods is not None:
        overrides["methods"] = list(parse_methods(args.methods))
    if args.starts is not None:
        # The coordinate range is checked again against the final problem.
        overrides["starts"] = [list(point) for point in parse_starts(args.starts, LIMITS)]
    if args.optimizer is not None:
        overrides["optimizer"] = args.optimizer
    if args.lr is not None:
        overrides["lr"] = parse_number("lr", args.lr, LIMITS.lr)
    if args.steps is not None:
        overrides["steps"] = parse_integer("steps", args.steps, LIMITS.steps)
    if args.c is not None:
        overrides["c"] = parse_number("c", args.c, LIMITS.c)
    if args.rescale is not None:
        overrides["rescale"] = args.rescale
    if args.record_every is not None:
        overrides["record_every"] = parse_integer(
            "record_every", args.record_every, Interval(1, LIMITS.steps.high)
        )
    return overrides


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Build the configuration from --config (if given) and the explicit run options.

    Raises:
        UsageError: If the file or an option is invalid; the message names the
            option and its value.
    """
    settings = _read_config_file(args.config) if args.config is not None else {}
    try:
        settings.update(_option_overrides(args))
        return config_from_dict(settings, LIMITS)
    except ConfigError as error:
        option = OPTION_OF_FIELD.get(error.field or "")
        raise UsageError(f"argument {option}: {error}" if option else str(error)) from None


# Output files.


def check_output_path(path: Path, option: str, suffixes: Sequence[str] | None = None) -> None:
    """Check that `path` can be written and has an accepted suffix, before any work.

    Raises:
        UsageError: If the suffix is not in `suffixes` (when given), the path is a
            directory, or its directory is missing or not writable.
    """
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise UsageError(
            f"invalid {option} {str(path)!r}: expected a file name ending in "
            + ", ".join(suffixes[:-1])
            + f" or {suffixes[-1]}"
        )
    directory = path.parent
    if path.is_dir():
        raise UsageError(f"invalid {option} {str(path)!r}: is a directory")
    if not directory.is_dir():
        raise UsageError(f"invalid {option} {str(path)!r}: directory {str(directory)!r} not found")
    if not os.access(directory, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"invalid {option} {str(path)!r}: permission denied")


def _write_text(path: Path, text: str, option: str) -> None:
    data = text.encode("utf-8")
    try:
        path.write_bytes(data)
    except OSError as error:
        raise UsageError(f"failed to write {option} {str(path)!r}: {error.strerror}") from None
    logger.info("wrote %s (%d bytes)", path, len(data))


def report_divergence(result: RunResult) -> None:
    """Log one warning per run that stopped because an update was not finite."""
    config = result.config
    for m, method in enumerate(config.methods):
        for s, start in enumerate(config.starts):
            diverged_at = int(result.diverged_at[m, s])
            if diverged_at == NOT_DIVERGED:
                continue
            logger.warning(
                "%s from start index %d at (%s) diverged at step %d: the update was not finite, "
                "so the run stopped at step %d",
                method,
                s,
                format_starts([start]),
                diverged_at,
                diverged_at - 1,
            )


def _run_batch(config: RunConfig) -> RunResult:
    n_runs = len(config.methods) * len(config.starts)
    logger.info("running %d trajectories of %d steps", n_runs, config.steps)
    result = run(config)
    report_divergence(result)
    return result


# Subcommands. Each returns the exit status.


def command_run(args: argparse.Namespace, config: RunConfig) -> int:
    """Run the batch and write JSON or CSV to --out or stdout, and --save-config if given."""
    from toyopt.io import result_to_csv, result_to_json

    output_format = args.format
    if output_format is None:
        is_csv = args.out is not None and args.out.suffix.lower() == ".csv"
        output_format = "csv" if is_csv else "json"
    if args.out is not None:
        check_output_path(args.out, "--out")
    if args.save_config is not None:
        check_output_path(args.save_config, "--save-config")
        if args.out is not None and args.out.resolve() == args.save_config.resolve():
            raise UsageError(f"invalid --save-config {str(args.save_config)!r}: same file as --out")

    result = _run_batch(config)
    text = result_to_csv(result) if output_format == "csv" else result_to_json(result)
    if args.save_config is not None:
        _write_text(args.save_config, dump_config_file(config), "--save-config")
    if args.out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _write_text(args.out, text, "--out")
    return 0


def command_figure1(args: argparse.Namespace, config: RunConfig) -> int:
    """Run the batch and save Figure 1 to --out in the format of its suffix."""
    dpi = _parse_option(parse_integer, "--dpi", args.dpi, DPI_RANGE)
    check_output_path(args.out, "--out", FIGURE_SUFFIXES)

    from toyopt.plots import figure1

    result = _run_batch(config)
    figure = figure1(result, style=args.style, surface=args.surface)
    fmt = args.out.suffix.lower().lstrip(".")
    # SVG and PDF metadata would otherwise contain the creation time.
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    try:
        figure.savefig(
            args.out, format=fmt, dpi=dpi, facecolor=figure.get_facecolor(), metadata=metadata
        )
    except OSError as error:
        raise UsageError(f"failed to write --out {str(args.out)!r}: {error.strerror}") from None
    logger.info("wrote %s", args.out)
    return 0


def _parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*([0-9]{1,6})\s*[xX]\s*([0-9]{1,6})\s*", text)
    valid = match is not None and int(match[1]) in WIDTH_RANGE and int(match[2]) in HEIGHT_RANGE
    if not valid:
        raise UsageError(
            f"argument --size: invalid size {text!r}: expected WIDTHxHEIGHT in pixels "
            f"with width in {WIDTH_RANGE} and height in {HEIGHT_RANGE}"
        )
    return int(match[1]), int(match[2])


def command_animate(args: argparse.Namespace, config: RunConfig) -> int:
    """Run the batch and save an animation to --out as GIF or MP4, by its suffix."""
    frames = _parse_option(parse_integer, "--frames", args.frames, FRAMES_RANGE)
    fps = _parse_option(parse_number, "--fps", args.fps, FPS_RANGE)
    size = _parse_size(args.size)
    check_output_path(args.out, "--out", ANIMATION_SUFFIXES)

    from toyopt.plots import save_animation

    result = _run_batch(config)
    try:
        save_animation(result, args.out, frames=frames, fps=fps, size=size, style=args.style)
    except OSError as error:
        raise UsageError(f"failed to write --out {str(args.out)!r}: {error.strerror}") from None
    except ValueError as error:
        # For example a GIF whose frames exceed the encoder's pixel budget.
        raise UsageError(f"failed to write --out {str(args.out)!r}: {error}") from None
    logger.info("wrote %s", args.out)
    return 0


def _parse_option(
    parse: Callable[[str, str, Interval], float], option: str, text: str, interval: Interval
):
    try:
        return parse(option.lstrip("-"), text, interval)
    except ConfigError as error:
        raise UsageError(f"argument {option}: {error}") from None


# Entry point.


class _StderrFormatter(logging.Formatter):
    """Format records as `toyopt: warning: message`, like the error line."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{PROGRAM}: {record.levelname.lower()}: {record.getMessage()}"


def _attach_stderr_handler(verbosity: int) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_StderrFormatter())
    package_logger = logging.getLogger("toyopt")
    package_logger.addHandler(handler)
    levels = {0: logging.WARNING, 1: logging.INFO}
    package_logger.setLevel(levels.get(verbosity, logging.DEBUG))
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (default: `sys.argv[1:]`), run the subcommand, return the exit status.

    Returns:
        0 on success, 2 on invalid arguments (one error line on stderr), and the
        status of `--help` (0).
    """
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_request:
        code = exit_request.code
        if code is None:
            return 0
        return code if isinstance(code, int) else EXIT_USAGE

    package_logger = logging.getLogger("toyopt")
    previous_level = package_logger.level
    handler = _attach_stderr_handler(args.verbose)
    try:
        config = config_from_args(args)
        return args.command(args, config)
    except UsageError as error:
        sys.stderr.write(f"{PROGRAM}: error: {error}\n")
        return EXIT_USAGE
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(previous_level)
