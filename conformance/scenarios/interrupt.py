# _thread.interrupt_main (PyErr_SetInterrupt / PyErr_SetInterruptEx).
import _thread
import signal
import sys
from _conf import Log, line, attempt, done

reports = []
sys.unraisablehook = lambda u: reports.append(type(u.exc_value).__name__)
log = Log()

def check():
    # pthread_sigmask runs PyErr_CheckSignals: a check on demand.
    signal.pthread_sigmask(signal.SIG_BLOCK, [])

def interrupt_then_check(*args):
    _thread.interrupt_main(*args)
    check()

signal.signal(signal.SIGINT, signal.default_int_handler)
attempt("interrupt_main() with default_int_handler", lambda: interrupt_then_check())
signal.signal(signal.SIGUSR1, log.make("h1"))
attempt("interrupt_main(SIGUSR1) with a handler", lambda: interrupt_then_check(signal.SIGUSR1))
line("runs", log.take())
signal.signal(signal.SIGUSR1, log.make("hf", fail=True))
attempt("interrupt_main(SIGUSR1) failing", lambda: interrupt_then_check(signal.SIGUSR1))
line("runs", log.take())
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
attempt("interrupt_main(SIGUSR1) SIG_IGN", lambda: interrupt_then_check(signal.SIGUSR1))
signal.signal(signal.SIGUSR1, signal.SIG_DFL)
attempt("interrupt_main(SIGUSR1) SIG_DFL", lambda: interrupt_then_check(signal.SIGUSR1))
# SIGUSR2 was never set: SIG_DFL in CPython, the Go runtime's handler in Go.
attempt("interrupt_main(SIGUSR2) never set", lambda: interrupt_then_check(signal.SIGUSR2))
attempt("interrupt_main(SIGKILL)", lambda: interrupt_then_check(signal.SIGKILL))
line("reports", reports)
for sig in (0, -1, 65):
    attempt("interrupt_main(%d)" % sig, lambda: interrupt_then_check(sig))
attempt("interrupt_main(2**32+2)", lambda: interrupt_then_check(2**32 + 2))
attempt("interrupt_main(32)", lambda: interrupt_then_check(32),
        differs="glibc's 32 is reserved (design.md difference 2); CPython trips it and reports it ignored")
line("reports", reports, differs="CPython reports the tripped 32 as ignored; pysignal refused it (design.md difference 2)")
done()
