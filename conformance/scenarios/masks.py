# pthread_sigmask, sigpending and the sigwait family.
import os
import signal
import threading
from _conf import outcome, line, attempt, done

U1, U2 = signal.SIGUSR1, signal.SIGUSR2
RESERVED = ("the Go runtime's signals are refused in a set (design.md difference 2); "
            "glibc drops its 32 and 33 silently")

def mask(how, sigs):
    return sorted(int(s) for s in signal.pthread_sigmask(how, sigs))

attempt("pthread_sigmask(7, [])", lambda: mask(7, []))
attempt("pthread_sigmask(BLOCK, [0])", lambda: mask(signal.SIG_BLOCK, [0]))
attempt("pthread_sigmask(BLOCK, [65])", lambda: mask(signal.SIG_BLOCK, [65]))
attempt("pthread_sigmask(BLOCK, [2**32+10])", lambda: mask(signal.SIG_BLOCK, [2**32 + 10]))
attempt("pthread_sigmask(BLOCK, [32])", lambda: mask(signal.SIG_BLOCK, [32]), differs=RESERVED)
attempt("pthread_sigmask(BLOCK, [SIGKILL, SIGSTOP])", lambda: mask(signal.SIG_BLOCK, [signal.SIGKILL, signal.SIGSTOP]))
line("old after blocking SIGKILL", mask(signal.SIG_BLOCK, [U1]))
line("old after blocking U1", mask(signal.SIG_BLOCK, [U2]))
line("old after blocking U2", mask(signal.SIG_SETMASK, []))
line("old after SETMASK []", mask(signal.SIG_UNBLOCK, [U1]))
t = threading.Thread(target=lambda: res.append(outcome(lambda: mask(signal.SIG_BLOCK, [U1]))))
res = []
t.start()
t.join()
line("pthread_sigmask off the main thread", res[0],
     differs="a goroutine's thread mask belongs to the Go runtime: main thread only (design.md difference 10)")

signal.signal(U1, signal.SIG_DFL)
signal.signal(U2, signal.SIG_DFL)
line("sigpending", signal.sigpending())
signal.pthread_sigmask(signal.SIG_BLOCK, [U1, U2, 34])
signal.raise_signal(U1)
# (kill(getpid()) is not used: a Go process has other threads, which
# take a process-directed signal the main thread blocks; design.md
# difference 10.)
signal.pthread_kill(threading.get_ident(), U2)
line("sigpending after raise U1, pthread_kill U2", signal.sigpending())
line("sigwait([U1, U2])", signal.sigwait([U1, U2]))
info = signal.sigwaitinfo([U1, U2])
me = (os.getpid(), os.getuid())
def show(label, info):
    if info is None:
        line(label, None)
        return
    line(label + " signo code errno", [info.si_signo, info.si_code, info.si_errno])
    line(label + " pid uid are mine", (info.si_pid, info.si_uid) == me)
    line(label + " status", info.si_status)
    line(label + " band is pid and uid", info.si_band == info.si_pid + (info.si_uid << 32))
show("sigwaitinfo after pthread_kill", info)
signal.raise_signal(U1)
show("sigwaitinfo after raise", signal.sigwaitinfo([U1]))
signal.raise_signal(U2)
show("sigtimedwait(0) after raise", signal.sigtimedwait([U2], 0))
show("sigtimedwait(0) nothing pending", signal.sigtimedwait([U1, U2], 0))
show("sigtimedwait(0.01) nothing pending", signal.sigtimedwait([U1, U2], 0.01))
attempt("sigtimedwait([U1], -1)", lambda: signal.sigtimedwait([U1], -1))
attempt("sigtimedwait([0], 0)", lambda: signal.sigtimedwait([0], 0))
attempt("sigtimedwait([2**32+10], 0)", lambda: signal.sigtimedwait([2**32 + 10], 0))
attempt("sigtimedwait([32], 0)", lambda: signal.sigtimedwait([32], 0), differs=RESERVED)
attempt("sigtimedwait([], 0)", lambda: signal.sigtimedwait([], 0))
# Real-time signals queue: three sent, three taken.
for _ in range(3):
    signal.raise_signal(34)
line("sigpending with three 34 queued", signal.sigpending())
line("34 taken", [signal.sigtimedwait([34], 0).si_signo for _ in range(3)])
line("then", signal.sigtimedwait([34], 0))
line("sigpending at the end", signal.sigpending())
signal.pthread_sigmask(signal.SIG_SETMASK, [])
done()
