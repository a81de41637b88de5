# signal(), getsignal(), siginterrupt(): argument checks in CPython's order,
# old handlers, pending handlers first, handler order and errors.
import signal
import threading
from signal import SIGUSR1 as U1, SIGUSR2 as U2, SIGALRM as ALRM
from _conf import Log, line, attempt, err_class, done

RESERVED = ("the Go runtime needs this signal: taking it would break "
            "preemption, profiling or run-time panics (design.md difference 2)")

log = Log()
h1, h2, hf = log.make("h1"), log.make("h2"), log.make("hf", fail=True)

attempt("signal(0, h1)", lambda: signal.signal(0, h1))
attempt("signal(-1, h1)", lambda: signal.signal(-1, h1))
attempt("signal(65, h1)", lambda: signal.signal(65, h1))
attempt("signal(U1, None)", lambda: signal.signal(U1, None))
attempt("signal(0, None)", lambda: signal.signal(0, None))
attempt("signal(65, 'not callable')", lambda: signal.signal(65, "not callable"))
attempt("signal(SIGKILL, None)", lambda: signal.signal(signal.SIGKILL, None))
attempt("signal(SIGKILL, SIG_DFL)", lambda: signal.signal(signal.SIGKILL, signal.SIG_DFL))
attempt("signal(SIGSTOP, h1)", lambda: signal.signal(signal.SIGSTOP, h1))
attempt("signal(32, SIG_DFL)", lambda: signal.signal(32, signal.SIG_DFL), differs=RESERVED)
attempt("signal(SIGSEGV, SIG_DFL)", lambda: signal.signal(signal.SIGSEGV, signal.SIG_DFL), differs=RESERVED)
attempt("signal(SIGURG, SIG_IGN)", lambda: signal.signal(signal.SIGURG, signal.SIG_IGN), differs=RESERVED)
attempt("getsignal(0)", lambda: signal.getsignal(0))
attempt("getsignal(65)", lambda: signal.getsignal(65))

# Off the main thread: the thread check comes first.
res = {}
def worker():
    for label, fn in [("thread signal(0, None)", lambda: signal.signal(0, None)),
                      ("thread signal(U1, h1)", lambda: signal.signal(U1, h1)),
                      ("thread getsignal(U1)", lambda: signal.getsignal(U1)),
                      ("thread siginterrupt(U1, True)", lambda: signal.siginterrupt(U1, True))]:
        try:
            fn()
            res[label] = "ok"
        except BaseException as e:
            res[label] = err_class(e)
t = threading.Thread(target=worker)
t.start()
t.join()
for k in ["thread signal(0, None)", "thread signal(U1, h1)", "thread getsignal(U1)",
          "thread siginterrupt(U1, True)"]:
    line(k, res[k])

# The previous handler comes back.
signal.signal(U1, signal.SIG_DFL)
line("old of SIG_DFL", signal.signal(U1, h1))
line("old of h1", signal.signal(U1, signal.SIG_IGN))
line("old of SIG_IGN", signal.signal(U1, h2))
line("getsignal(U1)", signal.getsignal(U1))
line("getsignal(SIGKILL)", signal.getsignal(signal.SIGKILL))

# raise_signal runs the handler before it returns; its error is the result.
attempt("raise_signal(U1)", lambda: signal.raise_signal(U1))
line("runs", log.take())
signal.signal(U2, hf)
attempt("raise_signal(U2) failing", lambda: signal.raise_signal(U2))
line("runs", log.take())
signal.signal(U1, signal.SIG_IGN)
attempt("raise_signal(U1) ignored", lambda: signal.raise_signal(U1))
line("runs", log.take())

# signal() runs what is pending first, with the old handler; its error
# aborts the call.
signal.signal(U1, h1)
signal.pthread_sigmask(signal.SIG_BLOCK, [U1])
signal.raise_signal(U1)
signal.pthread_sigmask(signal.SIG_UNBLOCK, [U1])
line("pending then signal(U1, h2): old", signal.signal(U1, h2))
line("runs", log.take())

# Handlers run in ascending signal order; an error leaves the rest pending
# for the next check, each run once.
for s, h in ((U1, log.make("a")), (U2, log.make("b")), (ALRM, log.make("c"))):
    signal.signal(s, h)
signal.pthread_sigmask(signal.SIG_BLOCK, [U1, U2, ALRM])
for s in (ALRM, U2, U1):
    signal.raise_signal(s)
line("sigpending", signal.sigpending())
attempt("unblock three", lambda: None if signal.pthread_sigmask(signal.SIG_UNBLOCK, [U1, U2, ALRM]) else None)
line("runs", log.take())
signal.signal(U1, log.make("f", fail=True))
signal.pthread_sigmask(signal.SIG_BLOCK, [U1, U2, ALRM])
for s in (ALRM, U2, U1):
    signal.raise_signal(s)
attempt("unblock three, first fails", lambda: None if signal.pthread_sigmask(signal.SIG_UNBLOCK, [U1, U2, ALRM]) else None)
signal.pthread_sigmask(signal.SIG_BLOCK, [])  # a check
line("runs", log.take())

# default_int_handler.
line("old SIGINT handler", signal.signal(signal.SIGINT, signal.default_int_handler),
     differs="importing pysignal leaves SIGINT to the Go runtime (design.md difference 6)")
attempt("raise_signal(SIGINT)", lambda: signal.raise_signal(signal.SIGINT))

# siginterrupt's checks.
attempt("siginterrupt(0, True)", lambda: signal.siginterrupt(0, True))
attempt("siginterrupt(65, True)", lambda: signal.siginterrupt(65, True))
attempt("siginterrupt(SIGKILL, True)", lambda: signal.siginterrupt(signal.SIGKILL, True))
attempt("siginterrupt(32, True)", lambda: signal.siginterrupt(32, True), differs=RESERVED)
attempt("siginterrupt(U1, False)", lambda: signal.siginterrupt(U1, False))
attempt("siginterrupt(U1, True)", lambda: signal.siginterrupt(U1, True))
done()
