"""Switch JAX to float64 before any array is created.

The engine compares against float64 PyTorch to about 1e-10, which float32 cannot
reach. Importing any `toyopt` module runs this once; it changes the process-wide
JAX setting, so other JAX code in the same process also gets float64 defaults.
"""

import jax

jax.config.update("jax_enable_x64", True)
