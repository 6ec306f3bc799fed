"""Ending the process without the interpreter's teardown once a command has finished.

After a 100k-layer analysis CPython spends 0.1–0.2 s freeing millions of objects (the network,
the report, its rows) one at a time, when the command returns or in the interpreter's shutdown,
just before the process hands all of its memory back to the system in one go. `exits_quickly`
wraps a whole program (`convcalc.cli.run`, the bench's fresh-process child): when the program
has finished with an exit status, the process ends with `os._exit` after the last atexit hook,
and the objects given to `keep_until_exit` are never freed one by one (clang's -disable-free,
Instagram's "Dismissing Python GC"). What the program says and does is unchanged:

- Every atexit hook still runs: the quick exit is itself an atexit hook, registered when the
  program starts and only if no hook was registered before it (coverage's, a sitecustomize's),
  so it runs last (atexit runs hooks last in, first out). Threads are joined before atexit
  hooks run, as in a plain exit.
- stdout and stderr are flushed first. If a flush fails (a reader that closed the pipe with
  output still buffered), the quick exit is not taken: the interpreter's shutdown flushes again
  and reports it as it always has. (Output a C extension leaves in C's own stdio buffers would
  be lost; convcalc writes through Python's streams.)
- The exit status is the one the interpreter would use: 0 when the program returns, a
  `SystemExit`'s code when it is None (0) or an int of 0-255. Any other code (a message, which
  CPython prints), any other exception (KeyboardInterrupt, a traceback) goes the usual way.
- Files are closed by their writers (convcalc writes with `with`, atomically); nothing else
  that the teardown does (freeing objects, clearing modules) is seen from outside.

The quick exit assumes the program is the whole process: code that runs on after it (catching
its `SystemExit`) would still end with its status. So only the entry points that are the whole
process use it (`convcalc.cli.run`: the console script and `python -m convcalc`; the bench's
child); `convcalc.cli.main`, which another program may call and go on, does not.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_armed: list[int] = []  # the exit status, once the program has finished with one
_kept: list[object] = []  # objects the process ends with, never freed one by one
_installed: list[bool] = []  # [True] once the atexit hook is registered, as the first one


def _exit() -> None:
    """The last atexit hook: flush stdout and stderr, then end the process with the armed status."""
    if not _armed:
        return
    try:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):  # the originals, if replaced
            if stream is not None:
                stream.flush()
    except Exception:  # noqa: BLE001  # the shutdown's own flush reports it, as without the quick exit
        return
    os._exit(_armed[-1])


def _install() -> None:
    if _installed:
        return
    count = getattr(atexit, "_ncallbacks", None)  # CPython's: hooks registered so far
    if count is not None and count() == 0:
        atexit.register(_exit)
        _installed.append(True)


def keep_until_exit(*objects: object) -> None:
    """Hold `objects` until the process ends, so the quick exit hands their memory back whole
    instead of CPython freeing them when the command returns. Nothing is held where there is
    no quick exit (a command called in process, a test)."""
    if _installed:
        _kept.extend(objects)


@contextmanager
def exits_quickly() -> Iterator[None]:
    """Run the body as the whole program: once it has finished with an exit status, the process
    ends after the last atexit hook, without the interpreter's teardown (see the module)."""
    _install()
    _armed.clear()
    try:
        yield
    except SystemExit as done:
        code = 0 if done.code is None else done.code
        if isinstance(code, int) and 0 <= code <= 255:
            _armed.append(int(code))
        raise
    _armed.append(0)
