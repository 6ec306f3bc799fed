"""What a composed YAML document must satisfy before convcalc reads a value from it.

Specs and answer files come from other people. PyYAML's composer already refuses nothing: a tag
(`!!python/object/apply:os.system`, `!custom`, `!!binary`) rides on any node, an alias may point
at its own ancestor (`p: &a [1, *a]`, which recursion would follow forever), and a few aliases
can stand for billions of nodes (the "billion laughs" bomb). One iterative pass over the node
graph refuses all three, with the node's position, before any value is constructed.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import yaml

from convcalc.errors import SpecError
from convcalc.limits import DIGITS, FILE_BYTES, YAML_NODES
from convcalc.source import Source, Span

_STANDARD = ("str", "int", "float", "bool", "null", "seq", "map")
STANDARD_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in _STANDARD)
_ENTERING, _DONE = 1, 2
_INT = "tag:yaml.org,2002:int"
_STR = "tag:yaml.org,2002:str"
_TYPED = frozenset(f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null"))
_COLLECTIONS = {"tag:yaml.org,2002:seq": yaml.SequenceNode, "tag:yaml.org,2002:map": yaml.MappingNode}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def spans_in(source: Source) -> Callable[[yaml.Node], Span]:
    """Where a composed node of `source` was written: 1-based line and column, and its width on
    its line (every reader of YAML — specs, constraints — points at values this way). One
    function per document: a spec's reader asks it for every key and value (340,000 times for a
    100k-layer graph), so the source and the class are bound once, not passed in each call."""

    def span(node: yaml.Node, source: Source = source, make: type[Span] = Span) -> Span:
        start, end = node.start_mark, node.end_mark
        line, column = start.line, start.column
        width = end.column - column if end.line == line else 1
        return make(source, line + 1, column + 1, width if width > 1 else 1)  # noqa: FURB136  (max() is a call: this runs per node)

    return span


def _span(source: Source, node: yaml.Node) -> Span:
    return Span(source, node.start_mark.line + 1, node.start_mark.column + 1)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _tag_name(tag: str) -> str:
    """A tag as it is written: `!!binary` for YAML's own namespace, `!custom` for a local tag."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def check_document(root: yaml.Node | None, source: Source) -> bool:
    """Refuse non-standard tags, over-long integers, recursive aliases and alias expansion past
    the YAML_NODES limit; True when aliases share some list or mapping (the nodes are no tree).

    One cheap pass checks every node's tag and notices whether any list or mapping is reached
    twice (only an alias can do that). Most documents have no aliases: then the nodes form a tree,
    which can neither loop nor explode. Otherwise `_check_aliases` measures the expanded size of
    each node once (memoised by identity), so an alias bomb is measured without being expanded.
    Both passes use an explicit stack: nesting depth alone never raises RecursionError here.
    """
    if root is None:
        return False
    digits = DIGITS.value()
    seen: set[int] = set()
    implicit: dict[str, str] = {}  # a value's tag if written untagged: the resolver (regexes) asked once per value
    shared = False
    stack = [root]
    while stack:
        node = stack.pop()
        tag = node.tag
        value = node.value
        if type(value) is str and (tag == _STR or tag in _TYPED):
            # A scalar with a standard scalar tag (nearly every node): only numbers have more to check.
            if tag != _STR:
                if tag == _INT and len(value) > digits and len(value.lstrip("+-0").replace("_", "")) > digits:
                    # Python refuses to convert past 4,300 digits, and no size or count needs 19
                    DIGITS.check(len(value.lstrip("+-0")), _span(source, node), f"the number {value[:20]}…", "has")
                own = implicit.get(value)
                if own is None:
                    own = implicit[value] = _implicit_tag(value)
                if own != tag:
                    _check_typed_scalar(node, source)
            continue
        if tag not in STANDARD_TAGS:
            raise SpecError(
                f"YAML tag '{_tag_name(tag)}' is not allowed",
                _span(source, node),
                "specs hold plain strings, numbers, booleans, nulls, lists and mappings: remove the tag "
                "(quote a value such as a date to keep it as text)",
            )
        if not isinstance(node, _COLLECTIONS.get(tag, yaml.ScalarNode)):
            written = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            written = "a single value" if isinstance(node, yaml.ScalarNode) else written
            raise SpecError(f"YAML tag '{_tag_name(tag)}' does not fit {written}", _span(source, node), "remove the tag")
        if type(value) is str:
            continue  # a scalar with a standard tag not checked above: none is left
        key = id(node)
        if key in seen:
            shared = True
            continue
        seen.add(key)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SpecError(
                        "a key must be a name or a number, not a list or mapping",
                        _span(source, key_node),
                        "is a ':' missing after a value, or a '-' before it?",
                    )
                if key_node.tag != _STR:  # a key that is a plain string (nearly every one) has nothing to check
                    stack.append(key_node)
                stack.append(value_node)
        else:
            stack.extend(value)
    if shared:
        _check_aliases(root, source)
    return shared


def _check_aliases(root: yaml.Node, source: Source) -> None:
    """Recursive aliases and the expanded size of a document whose nodes are shared by aliases."""
    limit = YAML_NODES.value()
    state: dict[int, int] = {}
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            total = 1 + sum(size[id(child)] for child in _children(node))
            if total > limit:
                raise SpecError(
                    f"this YAML expands to more than {limit:,} nodes (aliases counted at each use)",
                    _span(source, node),
                    f"an alias bomb? if the file is genuine, raise the limit: {YAML_NODES.env}={total * 10}",
                )
            size[key], state[key] = total, _DONE
            continue
        if state.get(key) == _DONE:
            continue
        state[key] = _ENTERING
        stack.append((node, True))
        for child in _children(node):
            if state.get(id(child)) == _ENTERING:  # entered and not left: an ancestor
                raise SpecError(
                    "this alias refers to a list or mapping that contains it (a recursive alias)",
                    _span(source, child),
                    "YAML aliases in a spec must not contain themselves",
                )
            stack.append((child, False))


def _implicit_tag(value: str) -> str:
    """The tag a plain scalar gets when written without one."""
    return str(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]


def _check_typed_scalar(node: yaml.Node, source: Source) -> None:
    """A standard tag written on a value it does not fit (`!!bool 7`, `!!float mix`) is refused
    here; PyYAML's constructor would raise KeyError or ValueError on it later. Called only where
    the tag is not the one the value would have untagged (`check_document` asks the resolver)."""
    try:
        _CONSTRUCTOR.construct_object(node)
    except (ValueError, KeyError, TypeError, OverflowError, yaml.YAMLError):
        name = _tag_name(node.tag)
        raise SpecError(
            f"'{node.value[:40]}' is not a valid {name.removeprefix('!!')} (YAML tag '{name}')",
            _span(source, node),
            "remove the tag",
        ) from None


def _reader_error(problem: yaml.reader.ReaderError, source: Source) -> SpecError:
    """PyYAML's reader reports a character it refuses by its offset: give the line and column."""
    at = max(0, min(problem.position, len(source.text)))
    line = source.text.count("\n", 0, at) + 1
    column = at - (source.text.rfind("\n", 0, at) + 1) + 1
    code = problem.character if isinstance(problem.character, int) else ord(str(problem.character)[:1] or "\0")
    hint = "is the file UTF-16? save it as UTF-8" if code == 0 else "remove the character, or write it as an escape in a quoted string"
    return SpecError(f"invalid YAML: control character U+{code:04X} is not allowed", Span(source, line, column), hint)


def yaml_error(problem: yaml.YAMLError, source: Source) -> SpecError:
    """A YAML syntax error as a SpecError at its line and column (any YAML file convcalc reads)."""
    if isinstance(problem, yaml.reader.ReaderError):
        return _reader_error(problem, source)
    if not isinstance(problem, yaml.MarkedYAMLError):
        return SpecError(f"{source.name}: invalid YAML: {problem}")
    mark = problem.problem_mark or problem.context_mark
    span = Span(source, mark.line + 1, mark.column + 1) if mark else None
    detail = problem.problem or "invalid YAML"
    context = ""
    if problem.context:
        opened = problem.context_mark
        where = f" that starts at {opened.line + 1}:{opened.column + 1}" if opened and opened is not mark else ""
        context = f" ({problem.context}{where})"
    hint = "check indentation, colons and brackets"
    if mark is not None and source.line(mark.line + 1)[: mark.column + 1].lstrip(" ").startswith("\t"):
        hint = "YAML indents with spaces, never tabs: replace the tab at the start of the line with spaces"
    return SpecError(f"invalid YAML: {detail}{context}", span, hint)



def compose_checked(text: str, source: Source, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> yaml.Node | None:
    """`yaml.compose` with the checks above; a syntax error is a SpecError at its line and column."""
    return compose_tree(text, source, loader)[0]


def compose_tree(
    text: str, source: Source, loader: type[yaml.SafeLoader] = yaml.SafeLoader
) -> tuple[yaml.Node | None, bool]:
    """`compose_checked`, and whether the nodes form a tree (no alias shares a list or mapping):
    then a reader holds the only reference to each node, and may let go of one it has read."""
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as problem:
        raise yaml_error(problem, source) from None
    except RecursionError:  # PyYAML's pure-Python composer recurses once per level of nesting
        raise SpecError(
            f"{source.name}: the YAML is nested too deeply to read (lists or mappings hundreds of levels deep)",
            hint="no spec or answer file needs that: check the brackets",
        ) from None
    return root, not check_document(root, source)


def load_plain(text: str, source: Source) -> object:
    """A YAML document as plain data (answer and key files), checked as specs are, then built with
    PyYAML's safe constructor: only the standard scalar, list and mapping types come out."""
    root = compose_checked(text, source)
    if root is None:
        return None
    return yaml.SafeLoader("").construct_document(root)


def read_source(path: str, what: str) -> Source:
    """A file's text as a Source; unreadable files and invalid UTF-8 are SpecErrors, the latter at
    the line and column of the first bad byte (not a byte offset)."""
    doing = f"reading {what} file '{path}'"
    try:
        with open(path, "rb") as stream:  # bytes: positions of bad UTF-8 are needed
            FILE_BYTES.check(os.fstat(stream.fileno()).st_size, None, doing)  # a regular file: refused unread
            data = stream.read(FILE_BYTES.value() + 1)  # a device or a pipe (/dev/zero): one byte past the limit at most
    except OSError as problem:
        raise SpecError(f"cannot read {what} file '{path}': {problem.strerror or problem}", hint="check the path") from None
    if len(data) > FILE_BYTES.value():
        raise SpecError(f"{doing}: it holds more than {FILE_BYTES.value():,} bytes, the limit",
                        hint=f"a spec or answer file is far smaller; if this is intended, raise the limit: {FILE_BYTES.env}")
    try:
        return Source(path, data.decode("utf-8"))
    except UnicodeDecodeError as problem:
        before = data[: problem.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        text = data.decode("utf-8", errors="replace")
        raise SpecError(
            f"{what} file is not valid UTF-8 (byte 0x{data[problem.start]:02x})",
            Span(Source(path, text), line, column),
            "save the file as UTF-8",
        ) from None


def load_located(text: str, source: Source) -> tuple[object, yaml.Node | None]:
    """`load_plain`, and the composed root too, so that a value found wrong later (an answer id
    that is no question, a key entry without `given`) is reported at its line and column."""
    root = compose_checked(text, source)
    return (None if root is None else yaml.SafeLoader("").construct_document(root)), root


def span_at(source: Source, root: yaml.Node | None, path: tuple[object, ...], *, key: bool = False) -> Span | None:
    """Where the value at `path` (mapping keys as constructed, list indices) was written; with
    `key`, where its key was. None when the path is not in the document."""
    node, key_node = root, None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if _constructed(k) == step]
            if not found:
                return None
            key_node, node = found[-1]  # a repeated key: the last one is the value PyYAML keeps
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            key_node, node = None, node.value[step]
        else:
            return None
    target = key_node if key and key_node is not None else node
    return None if target is None else _span(source, target)


def _constructed(node: yaml.Node) -> object:
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        return yaml.SafeLoader("").construct_object(node)
    except yaml.YAMLError:
        return None
