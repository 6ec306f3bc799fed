"""Bytes: element sizes per dtype and the training-memory estimate.

Training memory = parameters + gradients + optimizer state + buffers + the activations kept for
backward (every layer's output) + the input. It is an estimate: frameworks free, fuse and
recompute tensors in ways a spec cannot know.
"""

from __future__ import annotations

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "float64": 8}

# Extra copies of the parameters each optimizer keeps: momentum and RMSprop one, Adam two.
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "rmsprop": 1, "adam": 2}


def training_bytes(
    param_bytes: int, buffer_bytes: int, activation_bytes: int, input_bytes: int, optimizer: str,
    trainable_bytes: int | None = None,
) -> int:
    """Weights, the trainable ones' gradients and optimizer state, buffers, saved activations and the input."""
    learned = param_bytes if trainable_bytes is None else trainable_bytes
    return param_bytes + learned * (1 + OPTIMIZER_STATES[optimizer]) + buffer_bytes + activation_bytes + input_bytes
