# A check made inside a handler (signal(), pthread_sigmask(), raise_signal():
# every call that checks) runs nothing unless a signal arrived after the
# outer pass began; if one did, it runs every tripped signal, older ones
# too. After a handler error or a failing unraisable hook, what is left
# (signal 64, queued wakeup-write errors) runs at the next check.
import errno
import os
import signal
import sys
from signal import SIGUSR1 as U1, SIGUSR2 as U2, SIGALRM as ALRM, SIGHUP as HUP
from _conf import HandlerError, line, attempt, done

runs = []
reports = []


def report(u):
    """An errno's name, or the class of an error without one."""
    return errno.errorcode.get(getattr(u.exc_value, "errno", None) or 0, type(u.exc_value).__name__)


def hook(u):
    reports.append(report(u))


sys.unraisablehook = hook


def rec(name, fail=False):
    def h(sig, frame):
        runs.append("%s:%d" % (name, sig))
        if fail:
            raise HandlerError(name)
    return h


def take():
    global runs
    r, runs = runs, []
    return r


def check():
    """A check and nothing else (CPython has no bare PyErr_CheckSignals)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, [])


def pending_together(*sigs):
    """Raises sigs (in this order) while blocked, then unblocks them together:
    the unblock's check runs their handlers, and its error is the result."""
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    for s in sigs:
        signal.raise_signal(s)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, sigs)


def nesting(label, inner):
    """U2 and U1 pending together; U1's handler 'a' calls inner() between
    a-start and a-end; U2's handler is 'b'."""
    def a(sig, frame):
        runs.append("a-start")
        line(label + ": inner call", attempt_quiet(inner))
        runs.append("a-end")
    signal.signal(U1, a)
    signal.signal(U2, rec("b"))
    attempt(label + ": unblock", lambda: pending_together(U2, U1))
    check()
    line(label + ": runs", take())


def attempt_quiet(fn):
    try:
        fn()
        return "ok"
    except BaseException as e:
        return type(e).__name__


# A nested check with nothing new runs nothing, whichever call makes it.
nesting("pthread_sigmask inside", lambda: signal.pthread_sigmask(signal.SIG_BLOCK, []))
nesting("signal(HUP) inside", lambda: signal.signal(HUP, signal.SIG_IGN))
nesting("raise_signal(0) inside", lambda: signal.raise_signal(0))

# A signal that arrives inside the handler makes the nested check run
# everything tripped: the older U2 too, in ascending order.
signal.signal(ALRM, rec("c"))
nesting("raise_signal(ALRM) inside", lambda: signal.raise_signal(ALRM))

# A handler that sets a still-pending signal to SIG_IGN: that signal is
# reported as ignored, its old handler never runs.
nesting("signal(U2, SIG_IGN) inside", lambda: signal.signal(U2, signal.SIG_IGN))
line("signal(U2, SIG_IGN) inside: reports", reports)
reports.clear()

# A failing handler still pending does not fail the inner call: the inner
# signal() succeeds, the outer check returns the error.
signal.signal(HUP, signal.SIG_DFL)
signal.signal(U1, rec("a"))


def a_sets_hup(sig, frame):
    runs.append("a-start")
    line("failing U2 pending: inner signal(HUP)", attempt_quiet(lambda: signal.signal(HUP, signal.SIG_IGN)))
    runs.append("a-end")


signal.signal(U1, a_sets_hup)
signal.signal(U2, rec("f", fail=True))
attempt("failing U2 pending: unblock", lambda: pending_together(U2, U1))
check()
line("failing U2 pending: runs", take())
line("failing U2 pending: getsignal(HUP)", signal.getsignal(HUP))

# Signal 64 pending behind a failing handler runs at the next check.
signal.signal(U1, rec("f", fail=True))
signal.signal(64, rec("r"))
attempt("64 behind a failing U1: unblock", lambda: pending_together(64, U1))
attempt("64 behind a failing U1: next check", check)
line("64 behind a failing U1: runs", take())

# Three failed wakeup writes before one check, and a hook that fails on the
# first: all three are reported (CPython's pending calls run on; pysignal's
# hook panics, and the other two come at the next check).
failing_hook_calls = []


def failing_hook(u):
    failing_hook_calls.append(report(u))
    if len(failing_hook_calls) == 1:
        raise RuntimeError("hook fails")


for s, name in ((U1, "a"), (U2, "b"), (ALRM, "c")):
    signal.signal(s, rec(name))
r, w = os.pipe()
os.set_blocking(r, False)
os.set_blocking(w, False)
signal.set_wakeup_fd(r)  # the read end: every write fails with EBADF
sys.unraisablehook = failing_hook
try:
    pending_together(U1, U2, ALRM)
except RuntimeError:
    pass
try:
    check()
except RuntimeError:
    pass
sys.unraisablehook = hook
signal.set_wakeup_fd(-1)
line("three failed wakeup writes, hook fails on the first: reports", failing_hook_calls)
line("three failed wakeup writes, hook fails on the first: runs", take())
done()
