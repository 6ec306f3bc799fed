"""The spec format as a JSON Schema (draft 2020-12), generated from the registries the reader and
the engine use, so it cannot drift from them: every layer kind with its spellings, arguments,
aliases, types, defaults and docs (`convcalc.layers`), the graph constructs (`CONSTRUCTS`), the
repeat keys and top-level keys (`spec.from_yaml`), and the constraint keys (`check.constraints`).

What JSON Schema cannot say, and how this schema handles it:
- Kinds are matched case-insensitively with `_` and `-` ignored (`MaxPool2d`, `max_pool2d`): each
  kind has a `patternProperties` regex that matches exactly its spellings that way, and its
  lower-case spellings are listed as `properties` for editors to complete.
- Block names come from the document's own `define:`. A document without `define:` accepts only
  registered kinds (an unknown kind is refused, as the reader refuses it); with `define:`, any
  other key is taken as a block's use and arguments may be `$parameter` expressions.
- Numbers the reader checks against the input (a kernel larger than its input) are the engine's
  business, not the schema's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from convcalc.checks.amounts import BYTE_SUFFIXES, COUNT_SUFFIXES
from convcalc.checks.constraints import EXPECTATIONS, KEYS, SETTINGS
from convcalc.layers import args as A
from convcalc.layers.args import REQUIRED, UPSAMPLE_MODES, Check
from convcalc.layers.graph import CONSTRUCTS
from convcalc.layers.kind import KindBase
from convcalc.layers.registry import family_spellings, kinds
from convcalc.spec.from_yaml import REPEAT_KEYS, TOP_KEYS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]

_INT1: Schema = {"type": "integer", "minimum": 1}
_INT0: Schema = {"type": "integer", "minimum": 0}
_PARAM: Schema = {"type": "string", "pattern": r"\$", "description": "a $parameter of the enclosing block"}
_NAME: Schema = {"anyOf": [{"type": "string"}, {"type": "integer"}], "description": "the layer's name"}
_WORD = r"^[A-Za-z_]\w*$"
_TRAINABLE: Schema = {"type": "boolean", "description": "false freezes the parameters (counted as non-trainable)"}


def _axes(item: Schema) -> Schema:
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1}]}


def _nullable(inner: Schema) -> Schema:
    return {"anyOf": [inner, {"type": "null"}]}


# The schema of every argument check a kind may declare (layers/args.py); a test fails when a
# registered kind uses a check missing here.
CHECK_SCHEMAS: list[tuple[Check, Schema]] = [
    (A.positive_int, _INT1),
    (A.nonnegative_int, _INT0),
    (A.any_int, {"type": "integer"}),
    (A.positive_axes, _axes(_INT1)),
    (A.nonnegative_axes, _axes(_INT0)),
    (A.optional_positive_int, _nullable(_INT1)),
    (A.optional_positive_axes, _nullable(_axes(_INT1))),
    (A.output_size, _axes(_nullable(_INT1))),
    (A.boolean, {"type": "boolean"}),
    (A.optional_boolean, _nullable({"type": "boolean"})),
    (A.number, {"type": "number"}),
    (A.probability, {"type": "number", "minimum": 0, "maximum": 1}),
    (A.optional_scale, _nullable(_axes({"type": "number", "exclusiveMinimum": 0}))),
    (A.approximate, {"enum": ["none", "tanh"]}),
    (A.upsample_mode, {"enum": list(UPSAMPLE_MODES)}),
    (A.stochastic_depth_mode, {"enum": ["row", "batch"]}),
    (A.positive_number, {"type": "number", "exclusiveMinimum": 0}),
    (A.int_list, {"type": "array", "items": {"type": "integer"}, "minItems": 1}),
    (A.pad_sizes, {"anyOf": [_INT0, {"type": "array", "items": _INT0, "minItems": 2}]}),
    (A.pool_padding, {"anyOf": [_axes(_INT0), {"enum": ["valid", *A.SAME_MODES]}]}),
    (
        A.padding,
        {
            "anyOf": [
                _axes(_INT0),
                {"type": "array", "minItems": 1, "items": {"type": "array", "items": _INT0, "minItems": 2, "maxItems": 2}},
                {"enum": list(A.PADDING_MODES)},
            ]
        },
    ),
]


def check_schema(check: Check) -> Schema | None:
    return next((schema for known, schema in CHECK_SCHEMAS if known is check), None)


def _with_params(schema: Any) -> Any:
    """Inside blocks, every typed value may instead be a `$parameter` expression."""
    if isinstance(schema, list):
        return [_with_params(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "type" in schema and schema["type"] not in ("array", "object", "null") or "enum" in schema:
        return {"anyOf": [schema, _PARAM]}
    return {key: _with_params(value) for key, value in schema.items()}


def spelling_pattern(kind: type[KindBase]) -> str:
    """A regex matching the kind's spellings as the reader does: any case, `_` and `-` anywhere."""
    alternatives = ["[-_]*" + "".join(f"[{c.lower()}{c.upper()}][-_]*" if c.isalpha() else f"{c}[-_]*" for c in name)
                    for name in family_spellings(kind)]
    return "^(?:" + "|".join(alternatives) + ")$"


def _required(kind: type[KindBase]) -> list[str]:
    return [f.name for f in dataclasses.fields(kind) if f.default is REQUIRED]  # type: ignore[arg-type]  # kinds are dataclasses


def _arguments(kind: type[KindBase], params: bool) -> Schema:
    """What may follow a kind's key: its arguments as a mapping, its first positional argument, or nothing."""
    properties: Schema = {"name": _NAME, "shared": {"type": "string", "description": "share the weights of this layer"},
                          "trainable": _TRAINABLE}
    need = []
    for f in dataclasses.fields(kind):  # type: ignore[arg-type]  # kinds are dataclasses
        check: Check = f.metadata["check"]
        default = "required" if f.default is REQUIRED else f"default {A.describe(f.default)}"
        value = dict(check_schema(check) or {})
        value["description"] = f"{f.metadata['doc']}: {check.expectation} ({default})"
        value = _with_params(value) if params else value
        aliases = f.metadata.get("aliases", ())
        properties[f.name] = value
        for alias in aliases:
            properties[alias] = {**value, "description": f"alias of {f.name}: {value.get('description', '')}"}
        if f.default is REQUIRED:
            need.append({"anyOf": [{"required": [name]} for name in (f.name, *aliases)]})
    mapping: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if need:
        mapping["allOf"] = need
    forms: list[Schema] = [mapping]
    if kind.positional:
        first = next(f for f in dataclasses.fields(kind) if f.name == kind.positional[0])  # type: ignore[arg-type]
        positional = dict(check_schema(first.metadata["check"]) or {})
        forms.append(_with_params(positional) if params else positional)
    if not need:
        forms.append({"type": "null"})
    doc = " ".join((kind.__doc__ or "").split())
    return {"anyOf": forms, "description": f"{doc} Example: {kind.example}"}


def _layers(mode: str, *, nonempty: bool) -> Schema:
    listed: Schema = {"type": "array", "items": {"$ref": f"#/$defs/{mode}.layer"}}
    return {**listed, "minItems": 1} if nonempty else listed


def _constructs(mode: str) -> Schema:
    found: Schema = {}
    for key, join in CONSTRUCTS.items():
        if join.listed:
            first: Schema = {"type": "array", "minItems": join.min_paths, "items": _layers(mode, nonempty=False)}
            paths = {join.keys[0]: first}
        else:
            first = _layers(mode, nonempty=True)
            paths = {k: _layers(mode, nonempty=index == 0) for index, k in enumerate(join.keys)}
        mapping = {"type": "object", "properties": {**paths, "name": _NAME}, "required": [join.keys[0]],
                   "additionalProperties": False}
        found[key] = {"anyOf": [first, mapping], "description": f"{(join.__doc__ or '').strip()} {join.hint}"}
    return found


def _layer(mode: str) -> Schema:
    blocks = mode == "blocks"
    args = "params" if blocks else "args"
    spellings: Schema = {}
    patterns: Schema = {}
    bare = []
    for kind in kinds():
        ref = {"$ref": f"#/$defs/{args}.{kind.family}"}
        for name in family_spellings(kind):
            spellings[name] = ref
        patterns[spelling_pattern(kind)] = ref
        if not _required(kind):
            bare.append(spelling_pattern(kind))
    strings: list[Schema] = [{"enum": [n for k in kinds() if not _required(k) for n in family_spellings(k)]}]
    strings += [{"pattern": pattern} for pattern in bare]
    if blocks:
        strings.append({"pattern": _WORD, "description": "a block from define:"})
        strings.append({"pattern": r"^\s*\$[A-Za-z_]\w*\s*$", "description": "a $parameter naming a layer kind"})
    repeat = {
        "type": "object",
        "properties": {
            "repeat": _with_params(_INT0) if blocks else _INT0,
            "layers": _layers(mode, nonempty=True),
            "first": _layers(mode, nonempty=True),
            "name": _NAME,
            "trainable": _with_params(_TRAINABLE) if blocks else _TRAINABLE,
        },
        "required": ["repeat", "layers"],
        "additionalProperties": False,
        "description": "the layers N times; first: replaces the first step; name: scopes each step",
    }
    single = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {**spellings, **_constructs(mode)},
        "patternProperties": patterns,
        "additionalProperties": {"type": ["object", "null"], "description": "a block from define:"} if blocks else False,
    }
    return {"anyOf": [{"type": "string", "anyOf": strings}, repeat, single]}


def _amount(suffixes: dict[str, int], unit: str) -> Schema:
    names = "|".join(sorted((s for s in suffixes if s), key=len, reverse=True))
    pattern = rf"^[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9]+)?\s*({names})?$"
    return {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": pattern}],
            "description": EXPECTATIONS[unit]}


def _constraints() -> Schema:
    shape = {"anyOf": [_INT1, {"type": "array", "items": _INT1, "minItems": 1},
                       {"type": "string", "pattern": r"^[0-9]+([xX][0-9]+)*$"}]}
    values = {"count": _amount(COUNT_SUFFIXES, "count"), "bytes": _amount(BYTE_SUFFIXES, "bytes"),
              "shape": shape, "rf": _axes(_INT1)}
    limits = {name: {**values[key.unit], "description": f"{key.doc}: {EXPECTATIONS[key.unit]}"}
              for name, key in KEYS.items()}
    settings = {name: {"enum": list(choices)} if choices else _INT1 for name, choices in SETTINGS.items()}
    per_layer = {name: schema for name, schema in limits.items() if KEYS[name].per_layer}
    layers = {"type": "object", "additionalProperties": {"type": "object", "properties": per_layer,
                                                         "additionalProperties": False},
              "description": "limits per named layer or block"}
    return {"type": "object", "properties": {**limits, **settings, "layers": layers}, "additionalProperties": False}


def spec_schema() -> Schema:
    """The JSON Schema of a spec file."""
    defs: Schema = {}
    for kind in kinds():
        defs[f"args.{kind.family}"] = _arguments(kind, params=False)
        defs[f"params.{kind.family}"] = _arguments(kind, params=True)
    for mode in ("strict", "blocks"):
        defs[f"{mode}.layer"] = _layer(mode)
    define = {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "properties": {
                "params": {"anyOf": [{"type": "array", "items": {"type": "string", "pattern": _WORD}},
                                     {"type": "object", "propertyNames": {"pattern": _WORD}}]},
                "layers": _layers("blocks", nonempty=True),
            },
            "required": ["layers"],
            "additionalProperties": False,
        },
        "description": "reusable blocks with parameters, used like layer kinds",
    }
    properties: Schema = {
        "name": {"type": ["string", "number"], "description": "the network's name (default: the file name)"},
        "input": {"anyOf": [_INT1, {"type": "array", "items": _INT1, "minItems": 1, "maxItems": 4},
                            {"type": "string", "pattern": r"^[0-9]+([xX][0-9]+)*$"}],
                  "description": "per-sample input shape, channels first: [3, 224, 224]"},
        "batch": {**_INT1, "description": "batch size (default 1)"},
        "define": define,
        "layers": {"type": "array", "minItems": 1, "description": "the layers, in order"},
        "constraints": {**_constraints(), "description": "limits `convcalc check` enforces"},
    }
    assert set(properties) == set(TOP_KEYS), "the schema's top-level keys are the reader's"
    assert set(REPEAT_KEYS) == {"repeat", "layers", "first", "name", "trainable"}, "the repeat schema lists the reader's keys"
    return {
        "$schema": DRAFT,
        "title": "convcalc spec",
        "description": "A CNN architecture spec for convcalc (generated by `convcalc schema`).",
        "type": "object",
        "properties": properties,
        "required": ["input", "layers"],
        "additionalProperties": False,
        "if": {"required": ["define"]},
        "then": {"properties": {"layers": _layers("blocks", nonempty=True)}},
        "else": {"properties": {"layers": _layers("strict", nonempty=True)}},
        "$defs": defs,
    }
