"""toyopt: two-objective toy problems, multi-task descent directions and a compiled engine."""

from toyopt import _jax_setup  # noqa: F401
from toyopt.problems import PROBLEMS, Problem, get_problem

__all__ = ["PROBLEMS", "Problem", "get_problem"]
