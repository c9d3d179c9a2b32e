"""Optimizers from optax, named and parametrised as the CLI and the app expose them.

The method's direction takes the place of the gradient: `update(direction, state)`.
Every optimizer is built from a learning rate that may be a traced JAX scalar, so
one compiled run serves every learning rate.
"""

from __future__ import annotations

from collections.abc import Callable

import optax

OPTIMIZERS: dict[str, Callable[[float], optax.GradientTransformation]] = {
    # PyTorch defaults: betas (0.9, 0.999), eps 1e-8 added to sqrt of the
    # bias-corrected second moment. optax.adam computes the same update.
    "adam": lambda lr: optax.adam(lr, b1=0.9, b2=0.999, eps=1e-8),
    "sgd": lambda lr: optax.sgd(lr),
    # Heavy-ball momentum as torch.optim.SGD(momentum=0.9): v = 0.9 v + g, x -= lr v.
    "momentum": lambda lr: optax.sgd(lr, momentum=0.9),
    # torch.optim.RMSprop defaults: alpha 0.99, eps 1e-8 added outside the sqrt.
    # optax.rmsprop adds eps inside the sqrt unless eps_in_sqrt=False.
    "rmsprop": lambda lr: optax.rmsprop(lr, decay=0.99, eps=1e-8, eps_in_sqrt=False),
}
"""Optimizer factories by name: each takes the learning rate."""


def make_optimizer(name: str, learning_rate: float) -> optax.GradientTransformation:
    """Build the named optimizer with the given learning rate.

    Raises:
        ValueError: If the name is not a key of OPTIMIZERS.
    """
    try:
        factory = OPTIMIZERS[name]
    except KeyError:
        choices = ", ".join(OPTIMIZERS)
        raise ValueError(f"unknown optimizer {name!r}; choose one of {choices}") from None
    return factory(learning_rate)
