"""Tests of the command line `python -m toyopt`, in process through `cli.main` and by subprocess."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from toyopt import cli, engine
from toyopt.config import LIMITS, config_to_dict, dump_config_file
from toyopt.engine import RunConfig
from toyopt.io import CSV_COLUMNS, read_result_csv, read_result_json

REPOSITORY = Path(__file__).resolve().parent.parent
SHORT = ["--steps", "2000"]
"""Options of a quick batch: 2000 steps give 21 records with the default stride of 100."""

# Minimum of L0 of the CAGrad toy problem, where CAGrad ends from all three starts
# of Figure 1 of the CAGrad paper.
L0_MINIMUM = (0.0, -8.3551)


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    return subprocess.run(
        [sys.executable, "-m", "toyopt", *args],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        env=environment,
        timeout=300,
        check=False,
    )


# Output of `run`.


def test_run_json_to_stdout(capsys):
    status, out, err = run_main(["run", *SHORT], capsys)
    document = read_result_json(out)
    assert status == 0
    assert err == ""
    assert set(document) == {"config", "runs"}
    assert document["config"] == config_to_dict(dataclasses.replace(RunConfig(), steps=2000))
    assert len(document["runs"]) == 12
    assert [run["method"] for run in document["runs"][::3]] == ["gd", "mgda", "pcgrad", "cagrad"]
    assert document["runs"][0]["trajectory"]["step"][-1] == 2000


def test_run_csv_to_stdout(capsys):
    status, out, _ = run_main(["run", *SHORT, "--format", "csv"], capsys)
    lines = out.splitlines()
    assert status == 0
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert len(lines) == 1 + 12 * 21


def test_run_csv_chosen_by_suffix(tmp_path, capsys):
    path = tmp_path / "result.csv"
    status, out, _ = run_main(["run", *SHORT, "--out", str(path)], capsys)
    assert status == 0
    assert out == ""
    assert len(read_result_csv(path.read_text())) == 12 * 21


@pytest.mark.parametrize(
    "starts_arguments",
    [["--starts=-8.5,7.5;9,9"], ["--starts", "-8.5,7.5;9,9"]],
    ids=["equals", "separate"],
)
def test_run_starts_with_leading_dash(starts_arguments, capsys):
    status, out, err = run_main(["run", *SHORT, *starts_arguments], capsys)
    assert status == 0, err
    assert json.loads(out)["config"]["starts"] == [[-8.5, 7.5], [9.0, 9.0]]


def test_run_verbose_logs_to_stderr(capsys):
    status, out, err = run_main(["run", *SHORT, "-v", "--format", "csv"], capsys)
    assert status == 0
    assert out.startswith("method,")
    assert err
    assert all(line.startswith("toyopt: info: ") for line in err.splitlines())


def test_run_default_reproduces_figure1(tmp_path, capsys):
    path = tmp_path / "figure1.json"
    status, _, _ = run_main(["run", "--out", str(path)], capsys)
    document = read_result_json(path.read_text())
    finals = {(r["method"], tuple(r["start"])): r["final"] for r in document["runs"]}
    assert status == 0
    assert document["config"]["steps"] == 100_000

    # CAGrad reaches the minimum of L0 from every start.
    for start in RunConfig().starts:
        final = finals[("cagrad", start)]
        assert np.allclose(final["x"], L0_MINIMUM, atol=1e-2), (start, final["x"])
        assert final["diverged_at"] is None

    # MGDA and PCGrad stop on the Pareto set. GD gets stuck far from it from two starts.
    for method in ("mgda", "pcgrad"):
        for start in RunConfig().starts:
            assert finals[(method, start)]["pareto_distance"] < 1e-2, (method, start)
    assert finals[("gd", (-8.5, 7.5))]["pareto_distance"] > 5
    assert finals[("gd", (9.0, 9.0))]["pareto_distance"] > 5


def test_run_reports_divergence(monkeypatch, capsys):
    def run_with_divergence(config: RunConfig) -> engine.RunResult:
        result = engine.run(config)
        diverged_at = result.diverged_at.copy()
        final_step = result.final_step.copy()
        diverged_at[3, 2] = 512
        final_step[3, 2] = 511
        return dataclasses.replace(result, diverged_at=diverged_at, final_step=final_step)

    monkeypatch.setattr(cli, "run", run_with_divergence)
    status, out, err = run_main(["run", *SHORT], capsys)
    lines = err.splitlines()
    assert status == 0
    assert len(lines) == 1
    assert lines[0].startswith(
        "toyopt: warning: cagrad from start index 2 at (9,9) diverged at step 512"
    )
    assert json.loads(out)["runs"][11]["final"]["diverged_at"] == 512


# Configuration files.

CUSTOM_ARGUMENTS = [
    *SHORT,
    "--methods",
    "cagrad,gd",
    "--starts",
    "-8.5,7.5;0.25,-3",
    "--optimizer",
    "momentum",
    "--lr",
    "0.0005",
    "--c",
    "0.25",
    "--rescale",
    "none",
    "--record-every",
    "50",
]


def test_config_round_trip_same_trajectories(tmp_path, capsys):
    config_path = tmp_path / "run.json"
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    saved = ["run", *CUSTOM_ARGUMENTS, "--save-config", str(config_path), "--out", str(first)]
    status_saved, _, _ = run_main(saved, capsys)
    status_loaded, _, _ = run_main(
        ["run", "--config", str(config_path), "--out", str(second)], capsys
    )
    document = read_result_json(first.read_text())
    assert status_saved == 0
    assert status_loaded == 0
    assert document["config"]["optimizer"] == "momentum"
    assert document["config"]["record_every"] == 50
    assert first.read_text() == second.read_text()


def config_of(argv: list[str]) -> RunConfig:
    args = cli.parse_args(argv)
    return cli.config_from_args(args)


def test_config_file_overridden_by_options(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(dump_config_file(config_of(["run", *CUSTOM_ARGUMENTS])))
    config = config_of(["run", "--config", str(path), "--lr", "0.02", "--methods", "mgda"])
    assert config.lr == 0.02
    assert config.methods == ("mgda",)
    assert config.c == 0.25
    assert config.optimizer == "momentum"
    assert config.starts == ((-8.5, 7.5), (0.25, -3.0))


def test_config_file_stride_longer_than_steps(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(dump_config_file(RunConfig()))
    with pytest.raises(cli.UsageError, match="argument --record-every: invalid record_every 100"):
        config_of(["run", "--config", str(path), "--steps", "50"])


def test_defaults_are_figure1():
    assert config_of(["run"]) == RunConfig()


# Invalid input: one error line, exit status 2, nothing on stdout.

BAD_ARGUMENTS = [
    # (arguments, text that the error line must contain)
    (["run", "--methods", "gd,adam"], "'adam'"),
    (["run", "--methods", "gd,gd"], "'gd,gd'"),
    (["run", "--lr", "nan"], "--lr: invalid lr 'nan'"),
    (["run", "--lr", "-1e-3"], "'-1e-3'"),
    (["run", "--lr", "1000"], "(0, 100]"),
    (["run", "--c", "inf"], "--c: invalid c 'inf'"),
    (["run", "--steps", "0"], "--steps: invalid steps '0'"),
    (["run", "--steps", "1000001"], "[1, 1000000]"),
    (["run", "--steps", "1e5"], "'1e5'"),
    (["run", "--record-every", "0"], "--record-every"),
    (["run", "--starts", "-8.5,7.5;9"], "point 2 is '9'"),
    (["run", "--starts", "1,2,3"], "'1,2,3'"),
    (["run", "--starts=2000,0"], "[-1000, 1000]"),
    (["run", "--problem", "rosenbrock"], "'rosenbrock'"),
    (["run", "--optimizer", "adagrad"], "'adagrad'"),
    (["run", "--rescale", "2"], "'2'"),
    (["run", "--format", "xml"], "'xml'"),
    (["run", "--bogus"], "--bogus"),
    (["run", "--out", "{tmp}/missing/result.json"], "not found"),
    (["run", "--out", "{tmp}"], "is a directory"),
    (["run", "--save-config", "{tmp}/missing/run.json"], "--save-config"),
    (["run", "--save-config", "{tmp}/r.json", "--out", "{tmp}/./r.json"], "same file as --out"),
    (["run", "--config", "{tmp}/not-json.json"], "not valid JSON"),
    (["run", "--config", "{tmp}/foreign.json"], "not a toyopt configuration file"),
    (["run", "--config", "{tmp}/newer.json"], "version 9 is newer"),
    (["run", "--config", "{tmp}/missing.json"], "missing.json"),
    (["figure1"], "--out"),
    (["figure1", "--out", "{tmp}/figure.jpg"], "figure.jpg"),
    (["figure1", "--out", "{tmp}/figure.png", "--dpi", "abc"], "'abc'"),
    (["figure1", "--out", "{tmp}/figure.png", "--style", "neon"], "'neon'"),
    (["animate", "--out", "{tmp}/animation.png"], "animation.png"),
    (["animate", "--out", "{tmp}/a.gif", "--frames", "1"], "'1'"),
    (["animate", "--out", "{tmp}/a.gif", "--fps", "nan"], "'nan'"),
    (["animate", "--out", "{tmp}/a.gif", "--size", "100"], "'100'"),
    ([], "COMMAND"),
]


@pytest.mark.parametrize(("arguments", "shown"), BAD_ARGUMENTS)
def test_bad_argument_one_error_line(arguments, shown, tmp_path, capsys):
    (tmp_path / "not-json.json").write_text("{format: toyopt")
    (tmp_path / "foreign.json").write_text('{"format": "other", "version": 1}')
    (tmp_path / "newer.json").write_text('{"format": "toyopt-config", "version": 9}')
    argv = [a.replace("{tmp}", str(tmp_path)) for a in arguments]

    status, out, err = run_main(argv, capsys)
    lines = err.splitlines()
    assert status == 2
    assert out == ""
    assert len(lines) == 1, err
    assert lines[0].startswith("toyopt: error: ")
    assert shown.replace("{tmp}", str(tmp_path)) in lines[0]


# Help.

RUN_OPTIONS = [
    "--problem",
    "--methods",
    "--starts",
    "--optimizer",
    "--lr",
    "--steps",
    "--c",
    "--rescale",
    "--record-every",
    "--config",
    "--verbose",
]

COMMAND_OPTIONS = {
    "run": ["--format", "--out", "--save-config"],
    "figure1": ["--out", "--style", "--dpi", "--surface"],
    "animate": ["--out", "--frames", "--fps", "--size", "--style"],
}


@pytest.mark.parametrize("command", list(COMMAND_OPTIONS))
def test_help_lists_options_and_ranges(command, capsys):
    status, out, _ = run_main([command, "--help"], capsys)
    text = " ".join(out.split())
    assert status == 0
    for option in RUN_OPTIONS + COMMAND_OPTIONS[command]:
        assert option in text, option
    for limit in (LIMITS.lr, LIMITS.c, LIMITS.steps, LIMITS.coordinate):
        assert str(limit) in text, limit
    assert f"1 to {LIMITS.max_starts} points" in text
    assert "-8.5,7.5;-8.5,-5;9,9" in text


def test_mirrored_plot_ranges():
    from toyopt.plots import STYLES, animation, figures

    assert tuple(STYLES) == cli.STYLE_NAMES
    assert (cli.DPI_RANGE.low, cli.DPI_RANGE.high) == figures.DPI_RANGE
    assert (cli.FRAMES_RANGE.low, cli.FRAMES_RANGE.high) == animation.FRAMES_RANGE
    assert (cli.FPS_RANGE.low, cli.FPS_RANGE.high) == animation.FPS_RANGE
    assert (cli.WIDTH_RANGE.low, cli.WIDTH_RANGE.high) == animation.WIDTH_RANGE
    assert (cli.HEIGHT_RANGE.low, cli.HEIGHT_RANGE.high) == animation.HEIGHT_RANGE
    assert cli.DEFAULT_SIZE == animation.REFERENCE_SIZE


# Figures and animations.


def test_figure1_writes_png(tmp_path, capsys):
    path = tmp_path / "figure1.png"
    argv = ["figure1", *SHORT, "--out", str(path), "--style", "dark", "--dpi", "40"]
    status, out, err = run_main([*argv, "--surface"], capsys)
    assert status == 0, err
    assert out == ""
    with Image.open(path) as image:
        assert image.format == "PNG"
        pixels = np.asarray(image.convert("L"), dtype=float)
    assert pixels.std() > 10


def test_figure1_writes_svg(tmp_path, capsys):
    path = tmp_path / "figure1.svg"
    status, _, err = run_main(["figure1", *SHORT, "--out", str(path)], capsys)
    assert status == 0, err
    assert path.read_text().lstrip().startswith("<?xml")


def test_animate_writes_gif(tmp_path, capsys):
    path = tmp_path / "paths.gif"
    argv = ["animate", *SHORT, "--out", str(path), "--frames", "8", "--size", "320x240"]
    status, out, err = run_main([*argv, "--fps", "10"], capsys)
    assert status == 0, err
    assert out == ""
    with Image.open(path) as image:
        assert image.format == "GIF"
        assert image.size == (320, 240)
        assert 2 <= image.n_frames <= 8


# The installed entry point.


def test_module_csv_end_to_end():
    completed = run_module("run", *SHORT, "--starts", "-8.5,7.5;9,9", "--format", "csv")
    lines = completed.stdout.splitlines()
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert lines[0] == "method,start_index,step,x1,x2,L1,L2,L0"
    assert len(lines) == 1 + 4 * 2 * 21


def test_module_bad_argument_no_traceback():
    completed = run_module("run", "--lr", "nan")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        "toyopt: error: argument --lr: invalid lr 'nan': expected a number in (0, 100]"
    ]
