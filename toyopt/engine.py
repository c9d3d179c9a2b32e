"""Compiled engine: many (method, start) trajectories in one JAX program.

One call to `run` traces a single program that advances every (method, start) pair
together: `vmap` over the pairs, `lax.scan` over the recorded points and an inner
loop over the steps between two records. The method is a traced index into
`methods.METHODS`, and the learning rate, c, the number of steps and the record
stride are traced scalars. A program is therefore compiled once per (problem,
optimizer, batch size, number of records) and reused for every other setting.

A run whose update would produce a non-finite direction or position stops at that
step: its state stays at the last finite point and the failing step is reported.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass, field, fields

import jax
import jax.numpy as jnp
import numpy as np
import optax

from toyopt import _jax_setup  # noqa: F401
from toyopt.methods import METHODS, rescale_divisor
from toyopt.optimizers import make_optimizer
from toyopt.problems import PROBLEMS, get_problem

logger = logging.getLogger(__name__)

METHOD_NAMES: tuple[str, ...] = tuple(METHODS)
NOT_DIVERGED = -1
"""Value of `diverged_at` for a run that stayed finite."""
NOT_REACHED = -1
"""Value of `reached_at` for a run that never came within REACH_TOLERANCE of L0's minimum."""
REACH_TOLERANCE = 1e-2
"""Distance to the problem's `l0_minimum` below which a run counts as having reached it."""


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a batch of trajectories. Defaults reproduce Figure 1
    of the CAGrad paper: Adam, learning rate 0.001, 100,000 steps, c = 0.5.

    Attributes:
        problem: Name of a problem in `problems.PROBLEMS`.
        methods: Method names from `methods.METHODS`, in output order.
        starts: Start points (x1, x2), in output order.
        optimizer: Name of an optimizer in `optimizers.OPTIMIZERS`.
        lr: Learning rate.
        steps: Number of optimizer steps per run.
        c: CAGrad's radius; ignored by the other methods.
        rescale: CAGrad output scaling, one of `methods.RESCALE_CHOICES`.
        record_every: Stride, in steps, between two recorded points.
    """

    problem: str = "cagrad-toy"
    methods: tuple[str, ...] = ("gd", "mgda", "pcgrad", "cagrad")
    starts: tuple[tuple[float, float], ...] = ((-8.5, 7.5), (-8.5, -5.0), (9.0, 9.0))
    optimizer: str = "adam"
    lr: float = 0.001
    steps: int = 100_000
    c: float = 0.5
    rescale: str = "1+c"
    record_every: int = 100

    @property
    def n_records(self) -> int:
        """Number of recorded points per run: step 0, every stride, and the last step."""
        return math.ceil(self.steps / self.record_every) + 1

    def record_steps(self) -> np.ndarray:
        """Return the step number of each recorded point."""
        steps = np.arange(self.n_records, dtype=np.int64) * self.record_every
        return np.minimum(steps, self.steps)


@dataclass
class RunResult:
    """Trajectories of every (method, start) pair of a `RunConfig`.

    Array axes are (method, start, ...) in the order of `config.methods` and
    `config.starts`.

    Attributes:
        config: The configuration that produced this result.
        record_steps: Step number of each record, shape (R,).
        x: Recorded positions, shape (M, S, R, 2).
        losses: Recorded (L1, L2), shape (M, S, R, 2).
        final_step: Number of updates applied, shape (M, S).
        final_x: Exact final position, shape (M, S, 2).
        final_losses: (L1, L2) at the final position, shape (M, S, 2).
        diverged_at: Step whose update was non-finite, or NOT_DIVERGED, shape (M, S).
        reached_at: First step (0 for the start) whose position is within
            REACH_TOLERANCE of L0's minimum, or NOT_REACHED, shape (M, S).
        seconds: Wall time of the run, compilation included.
    """

    config: RunConfig
    record_steps: np.ndarray
    x: np.ndarray
    losses: np.ndarray
    final_step: np.ndarray
    final_x: np.ndarray
    final_losses: np.ndarray
    diverged_at: np.ndarray
    reached_at: np.ndarray
    seconds: float = field(default=0.0)

    def run_index(self, method: str, start: int) -> tuple[int, int]:
        """Return the (method, start) array index for a method name and start index."""
        return self.config.methods.index(method), start


RUN_ARRAYS: tuple[str, ...] = tuple(
    f.name for f in fields(RunResult) if f.name not in ("config", "record_steps", "seconds")
)
"""Names of the RunResult arrays whose leading axes are (method, start)."""


def _batch_size_bucket(n: int) -> int:
    """Round a batch size up to a multiple of 4 so fewer distinct programs get compiled.

    Four is the number of built-in methods, so one start with every method, and
    Figure 1's 12 runs, need no padding.
    """
    return -(-n // 4) * 4


@functools.lru_cache(maxsize=32)
def _compiled_program(problem_name: str, optimizer_name: str):
    """Build the jitted batch program for one problem and optimizer.

    `jax.jit` caches one executable per input shape, that is per batch size and
    number of records; everything else is a traced argument.
    """
    problem = get_problem(problem_name)
    branches = tuple(METHODS[name] for name in METHOD_NAMES)
    minimum = jnp.asarray(problem.l0_minimum)

    def one_run(method_index, x0, lr, c, divisor, steps, stride, n_records):
        optimizer = make_optimizer(optimizer_name, lr)

        def direction(x):
            jacobian = problem.jacobian(x)
            return jax.lax.switch(method_index, branches, jacobian[0], jacobian[1], c, divisor)

        def step(k, state):
            x, opt_state, diverged_at, reached_at = state
            d = direction(x)
            updates, new_opt_state = optimizer.update(d, opt_state, x)
            new_x = optax.apply_updates(x, updates)

            # A non-finite direction makes every optimizer here produce a non-finite
            # position, so checking the position alone catches both.
            finite = jnp.all(jnp.isfinite(new_x))
            alive = diverged_at == NOT_DIVERGED
            x = jnp.where(alive & finite, new_x, x)
            diverged_at = jnp.where(alive & ~finite, k + 1, diverged_at)
            arrived = (reached_at == NOT_REACHED) & (jnp.linalg.norm(x - minimum) < REACH_TOLERANCE)
            reached_at = jnp.where(arrived, k + 1, reached_at)
            # After divergence the optimizer state may fill with NaN, but it only
            # feeds positions that are no longer accepted.
            return x, new_opt_state, diverged_at, reached_at

        def record(state, r):
            lo = r * stride
            hi = jnp.minimum(lo + stride, steps)
            state = jax.lax.fori_loop(lo, hi, step, state)
            return state, (state[0], problem.losses(state[0]))

        at_start = jnp.linalg.norm(x0 - minimum) < REACH_TOLERANCE
        state = (
            x0,
            optimizer.init(x0),
            jnp.asarray(NOT_DIVERGED, dtype=jnp.int64),
            jnp.where(at_start, 0, NOT_REACHED).astype(jnp.int64),
        )
        record_indices = jnp.arange(n_records - 1)
        state, (xs, losses) = jax.lax.scan(record, state, record_indices)

        xs = jnp.concatenate([x0[None], xs])
        losses = jnp.concatenate([problem.losses(x0)[None], losses])
        return xs, losses, state[0], state[2], state[3]

    batched = jax.vmap(one_run, in_axes=(0, 0, None, None, None, None, None, None))
    return jax.jit(batched, static_argnums=7)


def validate_config(config: RunConfig) -> None:
    """Check the names and numbers of a configuration before it reaches JAX.

    Raises:
        ValueError: On the first invalid field, naming it and its value.
    """
    if config.problem not in PROBLEMS:
        known = ", ".join(sorted(PROBLEMS))
        raise ValueError(f"unknown problem {config.problem!r}; choose one of {known}")
    if not config.methods:
        raise ValueError("no methods given; choose at least one of " + ", ".join(METHOD_NAMES))
    for name in config.methods:
        if name not in METHODS:
            choices = ", ".join(METHOD_NAMES)
            raise ValueError(f"unknown method {name!r}; choose from {choices}")
    if not config.starts:
        raise ValueError("no start points given")
    for start in config.starts:
        if len(start) != 2 or not all(math.isfinite(v) for v in start):
            raise ValueError(f"invalid start point {start!r}; expected two finite numbers")
    make_optimizer(config.optimizer, config.lr)
    rescale_divisor(config.c, config.rescale)
    if not (config.steps >= 1 and config.record_every >= 1):
        raise ValueError(
            f"steps ({config.steps}) and record_every ({config.record_every}) must be >= 1"
        )
    if not (config.lr > 0 and math.isfinite(config.lr)):
        raise ValueError(f"invalid learning rate {config.lr!r}; expected a positive number")
    if not (config.c >= 0 and math.isfinite(config.c)):
        raise ValueError(f"invalid c {config.c!r}; expected a number >= 0")


def run(config: RunConfig) -> RunResult:
    """Run every (method, start) pair of `config` in one compiled program.

    Raises:
        ValueError: If the configuration is invalid (see `validate_config`).
    """
    validate_config(config)
    began = time.perf_counter()

    n_methods, n_starts = len(config.methods), len(config.starts)
    n_runs = n_methods * n_starts
    bucket = _batch_size_bucket(n_runs)

    method_index = np.repeat([METHOD_NAMES.index(m) for m in config.methods], n_starts)
    x0 = np.tile(np.asarray(config.starts, dtype=np.float64), (n_methods, 1))
    # Padding rows repeat the first run; their results are dropped below.
    method_index = np.concatenate([method_index, np.full(bucket - n_runs, method_index[0])])
    x0 = np.concatenate([x0, np.repeat(x0[:1], bucket - n_runs, axis=0)])

    program = _compiled_program(config.problem, config.optimizer)
    xs, losses, final_x, diverged_at, reached_at = program(
        jnp.asarray(method_index),
        jnp.asarray(x0),
        config.lr,
        config.c,
        rescale_divisor(config.c, config.rescale),
        config.steps,
        config.record_every,
        config.n_records,
    )
    xs, losses, final_x, diverged_at, reached_at = jax.device_get(
        (xs, losses, final_x, diverged_at, reached_at)
    )

    problem = get_problem(config.problem)
    final_losses = np.asarray(jax.vmap(problem.losses)(final_x))

    def unflatten(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a)[:n_runs]
        return a.reshape((n_methods, n_starts, *a.shape[1:]))

    diverged_at = unflatten(diverged_at)
    final_step = np.where(diverged_at == NOT_DIVERGED, config.steps, diverged_at - 1)
    seconds = time.perf_counter() - began
    logger.info(
        "ran %d trajectories x %d steps (%s, %s) in %.3f s",
        n_runs,
        config.steps,
        config.problem,
        config.optimizer,
        seconds,
    )
    return RunResult(
        config=config,
        record_steps=config.record_steps(),
        x=unflatten(xs),
        losses=unflatten(losses),
        final_step=final_step,
        final_x=unflatten(final_x),
        final_losses=unflatten(final_losses),
        diverged_at=diverged_at,
        reached_at=unflatten(reached_at),
        seconds=seconds,
    )
