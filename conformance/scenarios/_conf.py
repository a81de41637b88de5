"""Output helpers shared by the Python side of the conformance scenarios.

Every line is "label: value". A line that is expected to differ from the Go
side ends with " ## differs: <reason>"; the runner then requires the values
to differ, so a fixed difference shows up. The Go side prints the same lines
(conformance/out_test.go).
"""
import errno
import signal
import sys

VERSION = sys.version_info[:2]
_lines = []


def line(label, value, differs=None):
    s = "%s: %s" % (label, fmt(value))
    if differs:
        s += " ## differs: " + differs
    _lines.append(s)


def fmt(v):
    if v is None:
        return "None"
    if v is True or v is False:
        return str(v).lower()
    if isinstance(v, (list, tuple, set, frozenset)):
        items = sorted(v) if isinstance(v, (set, frozenset)) else v
        return " ".join(fmt(x) for x in items) if items else "(none)"
    if isinstance(v, signal.Signals):
        return str(int(v))
    if isinstance(v, bytes):
        return " ".join(str(b) for b in v) if v else "(none)"
    if isinstance(v, signal.Handlers):
        return v.name
    if callable(v) and hasattr(v, "__name__"):
        return v.__name__
    return str(v)


def err_class(e):
    """The error's class as both sides spell it."""
    if e is None:
        return "ok"
    if isinstance(e, signal.ItimerError):
        return "ItimerError " + errno.errorcode[e.errno]
    if isinstance(e, OSError) and e.errno:
        return "OSError " + errno.errorcode[e.errno]
    if isinstance(e, ValueError):
        # Which check refused it: the order of the checks shows here.
        msg = str(e)
        for key, kind in (("main thread", "main thread"), ("out of range", "signal range"),
                          ("non-blocking", "blocking fd"), ("non-negative", "negative timeout")):
            if key in msg:
                return "ValueError (%s)" % kind
    return type(e).__name__


def outcome(fn):
    """Calls fn and returns "ok" or its error's class, printing nothing
    (for a call made off the main thread, whose line the main thread prints)."""
    try:
        fn()
        return "ok"
    except BaseException as e:
        return err_class(e)


def attempt(label, fn, differs=None):
    """Calls fn and prints "ok", "ok <result>" or the error class."""
    try:
        r = fn()
    except BaseException as e:  # KeyboardInterrupt too
        line(label, err_class(e), differs)
        return None
    line(label, "ok" if r is None else "ok " + fmt(r), differs)
    return r


def done():
    sys.stdout.write("".join(s + "\n" for s in _lines))
    sys.stdout.flush()


class HandlerError(Exception):
    """What a failing handler raises (the Go side's errHandler)."""


class Log:
    """Records handler runs; make(name) gives a handler that logs name:sig."""

    def __init__(self):
        self.runs = []

    def make(self, name, fail=False):
        def h(sig, frame):
            self.runs.append("%s:%d" % (name, sig))
            if fail:
                raise HandlerError(name)
        h.__name__ = name
        return h

    def take(self):
        r, self.runs = self.runs, []
        return r
