# set_wakeup_fd: argument rules, the bytes written, and the reports of
# failed writes (one per failure).
import errno
import os
import signal
import sys
import threading
from _conf import outcome, VERSION, Log, line, attempt, done

reports = []
msgs = []
def hook(u):
    reports.append(errno.errorcode.get(getattr(u.exc_value, "errno", 0), type(u.exc_value).__name__))
    msgs.append(u.err_msg)
sys.unraisablehook = hook
log = Log()
U1, U2, ALRM = signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM

def nb_pipe():
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    return r, w

def drain(r):
    try:
        return os.read(r, 100)
    except BlockingIOError:
        return b""

res = []
t = threading.Thread(target=lambda: res.extend([outcome(lambda: signal.set_wakeup_fd(-1)),
                                                outcome(lambda: signal.set_wakeup_fd(-2)),
                                                outcome(lambda: signal.set_wakeup_fd(2**32 + 1))]))
t.start()
t.join()
line("set_wakeup_fd(-1) off the main thread", res[0])
line("set_wakeup_fd(-2) off the main thread", res[1])
line("set_wakeup_fd(2**32+1) off the main thread", res[2])

r1, w1 = nb_pipe()
r2, w2 = nb_pipe()
names = {-1: "-1", w1: "w1", w2: "w2"}
line("set_wakeup_fd(w1) old", names[signal.set_wakeup_fd(w1)])
line("set_wakeup_fd(w2) old", names[signal.set_wakeup_fd(w2)])
line("set_wakeup_fd(-1) old", names[signal.set_wakeup_fd(-1)])
line("set_wakeup_fd(-1) again old", names[signal.set_wakeup_fd(-1)])
closed_r, closed_w = os.pipe()
os.close(closed_r)
os.close(closed_w)
attempt("set_wakeup_fd(closed)", lambda: signal.set_wakeup_fd(closed_w))
attempt("set_wakeup_fd(-2)", lambda: signal.set_wakeup_fd(-2))
br, bw = os.pipe()
attempt("set_wakeup_fd(blocking)", lambda: signal.set_wakeup_fd(bw))
attempt("set_wakeup_fd(2**32+w1)", lambda: signal.set_wakeup_fd(2**32 + w1))
line("after refusals, old", names[signal.set_wakeup_fd(-1)])

# The bytes.
signal.signal(U1, log.make("a"))
signal.signal(U2, log.make("b"))
signal.signal(ALRM, log.make("c"))
signal.set_wakeup_fd(w1)
signal.raise_signal(U1)
signal.raise_signal(U2)
line("bytes after raising 10 then 12", drain(r1))
signal.pthread_sigmask(signal.SIG_BLOCK, [U1, U2, ALRM])
for s in (ALRM, U1, U2):
    signal.raise_signal(s)
signal.pthread_sigmask(signal.SIG_UNBLOCK, [U1, U2, ALRM])
line("bytes of three pending signals", drain(r1),
     differs="CPython's handlers nest (empty sa_mask) and write highest first; "
             "pysignal's full sa_mask delivers in order (design.md difference 1)")
line("handler runs", log.take())
import _thread
_thread.interrupt_main(U1)
signal.pthread_sigmask(signal.SIG_BLOCK, [])
line("bytes after interrupt_main(10)", drain(r1))
signal.signal(U1, signal.SIG_IGN)
signal.raise_signal(U1)
signal.signal(signal.SIGWINCH, signal.SIG_DFL)
signal.raise_signal(signal.SIGWINCH)
line("bytes after ignored signals", drain(r1))
line("handler runs", log.take())

# Failed writes: one report per failure.
signal.signal(U1, log.make("a"))
signal.set_wakeup_fd(r1)  # the read end: every write fails with EBADF
signal.raise_signal(U1)
line("reports of one failure", reports)
if VERSION < (3, 12):
    line("report message", msgs[0],
         differs="CPython before 3.12 prints the message itself and hands the hook err_msg None")
else:
    line("report message", msgs[0])
del reports[:]
signal.pthread_sigmask(signal.SIG_BLOCK, [U1, U2, ALRM])
for s in (U1, U2, ALRM):
    signal.raise_signal(s)
signal.pthread_sigmask(signal.SIG_UNBLOCK, [U1, U2, ALRM])
line("reports of three failures before one check", reports)
line("handler runs", log.take())
del reports[:]
# 100 queued real-time signals, 100 failed writes before one check.
signal.signal(34, lambda *a: None)
signal.pthread_sigmask(signal.SIG_BLOCK, [34])
for _ in range(100):
    signal.raise_signal(34)
signal.pthread_sigmask(signal.SIG_UNBLOCK, [34])
line("reports of 100 failures before one check", len(reports),
     differs="pysignal reports 64 one by one and one more that counts the other 36; "
             "CPython's pending-call queue holds about 32 and drops the rest silently (design.md difference 19)")
del reports[:]

# A full pipe.
for warn in (True, False):
    r, w = nb_pipe()
    try:
        while True:
            os.write(w, b"\0" * 4096)
    except BlockingIOError:
        pass
    signal.set_wakeup_fd(w, warn_on_full_buffer=warn)
    signal.raise_signal(U1)
    line("full pipe, warn_on_full_buffer=%s: reports" % warn, reports)
    line("handler runs", log.take())
    del reports[:]
signal.set_wakeup_fd(-1)
done()
