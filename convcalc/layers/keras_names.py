"""Keras' spellings of layers and arguments, for a did-you-mean that names the convention.

People who learnt CNNs in Keras write `filters`, `pool_size`, `MaxPooling2D`; the reader
refuses them (PyTorch's names are the format's) but says which name PyTorch uses instead.
Keys of `KERAS_KINDS` are normalised like registry spellings (lower case, no underscores).
"""

from __future__ import annotations

KERAS_ARGUMENTS: dict[str, str] = {
    "filters": "out_channels",
    "units": "out_features",
    "pool_size": "kernel_size",
    "strides": "stride",
    "dilation_rate": "dilation",
    "use_bias": "bias",
    "rate": "p",
    "epsilon": "eps",
    "scale": "affine",
    "center": "affine",
}

# Keras arguments with no PyTorch counterpart on the layer: what to write instead.
KERAS_ONLY_ARGUMENTS: dict[str, str] = {
    "activation": "PyTorch layers take no activation argument: add the activation as the next layer ('- relu')",
    "data_format": "convcalc reads channels first, as PyTorch does: write the input C first and drop 'data_format'",
    "input_shape": "the input shape goes in the spec's 'input:' (or -i), channels first",
    "kernel_initializer": "initialisation changes no shape or count: drop it",
    "kernel_regularizer": "regularisation changes no shape or count: drop it",
}

_RANKED = {
    "maxpooling": "maxpool",
    "averagepooling": "avgpool",
    "conv{}dtranspose": "convtranspose",
    "upsampling": "upsample",
    "zeropadding": "zeropad",
    "cropping": "crop",
    "spatialdropout": "dropout",
    "globalaveragepooling": "globalavgpool",
    "globalmaxpooling": "globalmaxpool",
    "separableconv": "separable",
}


def _ranked() -> dict[str, str]:
    names: dict[str, str] = {}
    for keras, torch in _RANKED.items():
        for rank in (1, 2, 3):
            key = keras.format(rank) if "{}" in keras else f"{keras}{rank}d"
            ranked = torch if torch in ("upsample", "crop", "globalavgpool", "globalmaxpool", "separable") else f"{torch}{rank}d"
            names[key] = f"'{ranked}'"
    return names


KERAS_KINDS: dict[str, str] = {
    **_ranked(),
    "batchnormalization": "'batchnorm'",
    "layernormalization": "'layernorm'",
    "groupnormalization": "'groupnorm'",
    "depthwiseconv2d": "'conv' with groups equal to its input channels (groups: C)",
    "add": "the 'residual' construct (its join row is 'add')",
    "concatenate": "the 'concat' construct",
    "multiply": "the 'gate' construct",
    "activation": "the activation itself, as a layer of its own ('- relu')",
    "inputlayer": "the spec's 'input:' (channels first)",
    "input": "the spec's 'input:' (channels first)",
}


def keras_kind_hint(written: str, normalized: str) -> str | None:
    """'MaxPooling2D is Keras' name; PyTorch's is 'maxpool2d'', or None for a non-Keras name."""
    torch = KERAS_KINDS.get(normalized)
    if torch is None:
        return None
    return f"'{written}' is a Keras layer; in PyTorch's terms write {torch}"


def keras_argument_hint(key: str, accepted: dict[str, str]) -> str | None:
    """A hint for a Keras argument name given to a kind whose arguments are `accepted`
    (every spelling -> PyTorch name), or None when `key` is not Keras' or maps to nothing here."""
    if key in KERAS_ONLY_ARGUMENTS:
        return f"'{key}' is a Keras argument; {KERAS_ONLY_ARGUMENTS[key]}"
    target = KERAS_ARGUMENTS.get(key)
    if target is None or target not in accepted.values():
        return None
    aliases = [name for name, canonical in accepted.items() if canonical == target and name != target]
    also = f" (or '{aliases[0]}')" if aliases else ""
    return f"'{key}' is Keras' name; PyTorch's is '{target}'{also}"
