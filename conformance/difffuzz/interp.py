"""The Python interpreter of the differential fuzzer's program language.

It reads programs from standard input (the format is in lang.go, whose Go
interpreter prints the same trace) and prints each one's trace, then "== end".
Between programs it puts the signal state back: every signal of the universe
handled by the recording handler h0, nothing blocked or pending, no wakeup fd,
no timer.

Handlers raise their errors where CPython raises them, which may be any
bytecode that checks the eval breaker. Every error is collected by walking
__context__ chains (an error raised while another is being handled carries it),
so none is lost whatever bytecode it interrupts; each has a sequence number, so
they are reported in the order they were raised.
"""
import errno
import os
import signal
import sys
import threading
import _thread
import faulthandler
faulthandler.register(signal.SIGQUIT, all_threads=True)

UNIVERSE = [1, 10, 12, 14, 15, 17, 28, 34, 40, 64]
MAIN = threading.main_thread().ident
MAIN_TID = threading.get_native_id()

trace = []
depth = 0
_seq = [0]
_seen = {}           # id -> exception, every error collected so far (keeps them alive)


class HandlerError(Exception):
    def __init__(self, name):
        Exception.__init__(self, name)
        self.name = name
        _seq[0] += 1
        self.seq = _seq[0]


def err_class(e):
    if isinstance(e, HandlerError):
        return "E(%s)" % e.name
    if isinstance(e, OSError) and e.errno:
        return "OSError " + errno.errorcode.get(e.errno, str(e.errno))
    if isinstance(e, OSError) and "race condition" in str(e):
        return "IgnoredRace"
    if isinstance(e, ValueError):
        return "ValueError"
    return type(e).__name__


def _order(e):
    return getattr(e, "seq", 0)


class Rec(object):
    """One op's record: its result, and every error raised while it ran."""
    __slots__ = ("phase", "res", "errs", "start")

    def __init__(self):
        self.phase = 0
        self.res = None
        self.errs = []
        self.start = _seq[0]   # errors numbered up to here belong to outer ops


_recs = []   # the records of the ops under way, innermost last


def collect(e):
    """Files e and every uncollected error of its __context__ chain with the
    innermost op under way."""
    rec = _recs[-1]
    while e is not None and id(e) not in _seen and getattr(e, "seq", rec.start + 1) > rec.start:
        _seen[id(e)] = e
        if rec.phase == 0:
            rec.phase = 1
        rec.errs.append(e)
        e = e.__context__


def _probe():
    """PyErr_CheckSignals, as the Go interpreter's CheckSignals: the eval
    breaker alone would not do, since after a handler's error CPython keeps
    the rest tripped but does not always re-arm the eval breaker (the rest
    then run at whatever next sets it: another signal, a thread's GIL
    request, a pending call), and pthread_sigmask checks."""
    signal.pthread_sigmask(signal.SIG_BLOCK, ())


def execute(fn):
    """Runs fn (phase 0), then runs whatever is still tripped (phase 1).
    Returns (result or None, failed, errors in the order raised)."""
    rec = Rec()
    _recs.append(rec)
    try:
        while rec.phase < 2:
            try:
                try:
                    if rec.phase == 0:
                        rec.res = fn()
                        rec.phase = 1
                        rec.res = ("ok", rec.res)
                    _probe()
                    _probe()
                    rec.phase = 2
                except BaseException as e:
                    if rec.phase == 0:
                        rec.phase = 1
                    collect(e)
            except BaseException as e:
                collect(e)
    finally:
        _recs.pop()
    errs = sorted(rec.errs, key=_order)
    ok = isinstance(rec.res, tuple)
    return (rec.res[1] if ok else None), ok, errs


def fmt(v):
    if v is None:
        return "None"
    if v is True or v is False:
        return str(v).lower()
    if isinstance(v, (list, tuple, set, frozenset)):
        items = sorted(int(x) for x in v) if isinstance(v, (set, frozenset)) else v
        return ",".join(fmt(x) for x in items) if items else "-"
    if isinstance(v, signal.Signals):
        return str(int(v))
    if isinstance(v, bytes):
        return ",".join(str(b) for b in v) if v else "-"
    if isinstance(v, signal.Handlers):
        return {signal.SIG_DFL: "DFL", signal.SIG_IGN: "IGN"}[v]
    if isinstance(v, Handler):
        return v.name
    return str(v)


def emit(text, v, ok, errs):
    if ok:
        s = "ok" if v is None else "ok " + fmt(v)
    elif errs:
        s = err_class(errs[0])
        errs = errs[1:]
    else:
        s = "lost"   # an error this interpreter failed to collect
    if errs:
        s += " late " + " ".join(err_class(e) for e in errs)
    trace.append("%s%s -> %s" % ("." * depth, text, s))


class Handler(object):
    def __init__(self, name, fail, lim, body):
        self.name, self.fail, self.lim, self.body = name, fail, lim, body
        self.runs = 0

    def __call__(self, signum, frame):
        global depth
        trace.append("%srun %s %d" % ("." * depth, self.name, signum))
        self.runs += 1
        if self.runs <= self.lim:
            depth += 1
            try:
                for op in self.body:
                    run_op(op, signum)
            finally:
                depth -= 1
        if self.fail:
            raise HandlerError(self.name)


handlers = {}
H0 = Handler("h0", False, 0, [])


def sigs(tok, self_sig):
    if tok == "-":
        return []
    return [self_sig if t == "self" else int(t) for t in tok.split(",")]


def mask_of(old):
    return sorted(int(s) for s in old if int(s) in UNIVERSE)


def disposition(name):
    if name == "DFL":
        return signal.SIG_DFL
    if name == "IGN":
        return signal.SIG_IGN
    return handlers[name]


# Wakeup pipes A and B (non-blocking), each write end with a spare dup so
# that "wbreak" can put a read-only fd over it and reset can put it back.
pipes = {}
RDONLY = os.open("/dev/null", os.O_RDONLY)
for _n in "AB":
    _r, _w = os.pipe()
    os.set_blocking(_r, False)
    os.set_blocking(_w, False)
    pipes[_n] = (_r, _w, os.dup(_w))
data_r, data_w = os.pipe()


def drain(name):
    r = pipes[name][0]
    out = b""
    while True:
        try:
            b = os.read(r, 4096)
        except BlockingIOError:
            break
        if not b:
            break
        out += b
    return out


def wait_itimer():
    """A one-shot 1 us ITIMER_REAL, its expiry waited for (the eval breaker
    runs the handler in the loop). SIGALRM is process-directed: while the
    main thread blocks it, a Go program's other threads take it and CPython
    holds it (design.md difference 10), so then it is not armed."""
    if signal.SIGALRM in signal.pthread_sigmask(signal.SIG_BLOCK, []):
        return "skip"
    signal.setitimer(signal.ITIMER_REAL, 1e-6)
    while signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        pass
    _probe()


def _spawn(fn):
    """Runs fn on a new thread; returns a lock held until fn has returned,
    and a list that holds True once it has. A bare _thread and a lock
    rather than threading.Thread: a handler's error raised inside
    threading's own bookkeeping (start, join) leaves it inconsistent (a
    RuntimeError at the next join, an unraisable report)."""
    lock = _thread.allocate_lock()
    lock.acquire()
    finished = [False]

    def run():
        try:
            fn()
        finally:
            finished[0] = True
            lock.release()
    _thread.start_new_thread(run, ())
    return lock, finished


def _wait(spawned):
    """Waits for the thread (an interruptible acquire: a handler's error may
    come out of it, before or after it took the lock) and, whatever
    happens, for the thread to have finished."""
    lock, finished = spawned
    try:
        lock.acquire()
    except BaseException:
        if not finished[0]:
            lock.acquire()
        raise


def tkill(s):
    res = []

    def send():
        try:
            signal.pthread_kill(MAIN, s)
            res.append("ok")
        except BaseException as e:
            res.append(err_class(e))
    _wait(_spawn(send))
    _probe()
    return None if res[0] == "ok" else res[0]


def _main_task(name):
    with open("/proc/self/task/%d/%s" % (MAIN_TID, name)) as f:
        return f.read()


def _main_in_syscall():
    """The main thread's syscall number while it sleeps in one, else None."""
    w = _main_task("syscall").split()
    return None if w[0] == "running" else int(w[0])


def _main_holds(s):
    """Whether signal s is pending on the main thread and not blocked there."""
    st = dict(l.split(":\t", 1) for l in _main_task("status").splitlines() if ":\t" in l)
    bit = 1 << (s - 1)
    return bool(int(st["SigPnd"], 16) & bit) and not int(st["SigBlk"], 16) & bit


def rblock(s):
    """A wrapped read of 1 byte from the empty data pipe on the main thread;
    a helper thread sends s to it once it sleeps in read(2), waits until the
    signal has been taken (or is held blocked) and the main thread sleeps
    again, then writes the byte."""
    done = [False]

    def helper():
        while _main_in_syscall() != 0:
            if done[0]:
                return
        signal.pthread_kill(MAIN, s)
        while _main_holds(s) or _main_in_syscall() is None:
            pass
        os.write(data_w, b"y")
    spawned = _spawn(helper)
    try:
        return len(os.read(data_r, 1))
    finally:
        done[0] = True
        _wait(spawned)


def run_op(op, self_sig):
    words = op.split()
    k = words[0]
    a = words[1:]
    if k == "sig":
        s = sigs(a[0], self_sig)[0]
        h = disposition(a[1])
        fn = lambda: signal.signal(s, h)
    elif k == "get":
        s = sigs(a[0], self_sig)[0]
        fn = lambda: signal.getsignal(s)
    elif k in ("block", "unblock", "setmask"):
        how = {"block": signal.SIG_BLOCK, "unblock": signal.SIG_UNBLOCK,
               "setmask": signal.SIG_SETMASK}[k]
        ss = sigs(a[0], self_sig)
        fn = lambda: mask_of(signal.pthread_sigmask(how, ss))
    elif k == "raise":
        s = sigs(a[0], self_sig)[0]
        fn = lambda: signal.raise_signal(s)
    elif k == "tkill":
        s = sigs(a[0], self_sig)[0]
        fn = lambda: tkill(s)
    elif k == "check":
        fn = _probe
    elif k == "wake":
        fd = -1 if a[0] == "off" else pipes[a[0]][1]
        names = {-1: "off", pipes["A"][1]: "A", pipes["B"][1]: "B"}
        fn = lambda: names.get(signal.set_wakeup_fd(fd), "?")
    elif k == "wbreak":
        fn = lambda: os.dup2(RDONLY, pipes[a[0]][1]) and None
    elif k == "drain":
        fn = lambda: drain(a[0])
    elif k == "pending":
        fn = lambda: mask_of(signal.sigpending())
    elif k == "tw":
        ss = sigs(a[0], self_sig)

        def fn():
            r = signal.sigtimedwait(ss, 0)
            return None if r is None else r.si_signo
    elif k == "sigint":
        s = sigs(a[0], self_sig)[0]
        flag = a[1] == "1"
        fn = lambda: signal.siginterrupt(s, flag)
    elif k == "itimer":
        fn = wait_itimer
    elif k == "rblock":
        s = sigs(a[0], self_sig)[0]
        fn = lambda: rblock(s)
    elif k == "read":
        n = int(a[0])

        def fn():
            os.write(data_w, b"x" * n)
            return len(os.read(data_r, 1))
    else:
        raise SystemExit("unknown op %r" % op)
    v, ok, errs = execute(fn)
    emit(op, v, ok, errs)


def unraisable(u):
    trace.append("%sunraisable %s" % ("." * depth, err_class(u.exc_value)))


def reset():
    """Back to the initial state, printing nothing."""
    global depth
    depth = 0
    for n, (r, w, spare) in pipes.items():
        os.dup2(spare, w)
    signal.set_wakeup_fd(-1)
    signal.pthread_sigmask(signal.SIG_SETMASK, UNIVERSE)
    signal.setitimer(signal.ITIMER_REAL, 0)
    while signal.sigtimedwait(UNIVERSE, 0) is not None:
        pass
    for s in UNIVERSE:
        signal.signal(s, H0)
        signal.siginterrupt(s, True)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for n in pipes:
        drain(n)
    os.set_blocking(data_r, False)
    try:
        while os.read(data_r, 4096):
            pass
    except BlockingIOError:
        pass
    os.set_blocking(data_r, True)


def main():
    global handlers
    sys.unraisablehook = unraisable
    out = sys.stdout
    inp = sys.stdin
    reset()
    del trace[:]
    while True:
        line = inp.readline()
        if not line:
            return
        line = line.strip()
        if line == "quit":
            return
        if line != "prog":
            raise SystemExit("expected prog, got %r" % line)
        handlers = {"h0": H0}
        ops = []
        while True:
            line = inp.readline().strip()
            if line == "end":
                break
            if line.startswith("h "):
                head, _, body = line.partition(":")
                _, name, fail, lim = head.split()
                handlers[name] = Handler(name, fail == "1", int(lim),
                                         [b.strip() for b in body.split(";") if b.strip()])
            else:
                ops.append(line)
        for op in ops:
            try:
                run_op(op, 0)
            except BaseException as e:
                # An error raised after the op's checks: the interpreter
                # lost track of a tripped handler (a bug here or in CPython).
                trace.append("stray %s" % err_class(e))
        try:
            reset()
        except BaseException as e:
            trace.append("stray at reset %s" % err_class(e))
            reset()
        out.write("".join(l + "\n" for l in trace))
        out.write("== end\n")
        out.flush()
        del trace[:]
        _seen.clear()


main()
