# alarm and the interval timers: rounding, previous values, errors.
import signal
from _conf import line, attempt, done

line("ITIMER_*", [signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF])
signal.signal(signal.SIGALRM, signal.SIG_IGN)
line("alarm(5) previous", signal.alarm(5))
line("alarm(0) previous", signal.alarm(0))
attempt("alarm(2**32+1)", lambda: signal.alarm(2**32 + 1))
line("alarm(0) after the refusal", signal.alarm(0))
for left in (2.4, 2.6, 0.2, 0.0000015):
    signal.setitimer(signal.ITIMER_REAL, left)
    line("alarm(0) with %g s left" % left, signal.alarm(0))

def us(d):
    return round(d * 1e6)

# Intervals are kept exactly, in whole microseconds, rounded up.
for iv in (1e-9, 1e-6, 1.5e-6, 0.25, 3.0000001):
    signal.setitimer(signal.ITIMER_REAL, 100, iv)
    _, got = signal.getitimer(signal.ITIMER_REAL)
    line("interval %r getitimer µs" % iv, us(got))
old = signal.setitimer(signal.ITIMER_REAL, 0)
line("setitimer(0) old interval µs", us(old[1]))
line("setitimer(0) old value in (99.9, 100]", 99.9 < old[0] <= 100)
line("getitimer after disarm", signal.getitimer(signal.ITIMER_REAL))
# A tiny value still arms the timer (bpo-30807).
signal.setitimer(signal.ITIMER_VIRTUAL, 1e-9)
v, _ = signal.getitimer(signal.ITIMER_VIRTUAL)
line("setitimer(VIRTUAL, 1ns) armed", v > 0)
signal.setitimer(signal.ITIMER_VIRTUAL, 0)
for which in (-1, 3, 7):
    attempt("setitimer(%d, 1)" % which, lambda: signal.setitimer(which, 1))
    attempt("getitimer(%d)" % which, lambda: signal.getitimer(which))
attempt("setitimer(REAL, -1)", lambda: signal.setitimer(signal.ITIMER_REAL, -1))
attempt("setitimer(REAL, 1, -1)", lambda: signal.setitimer(signal.ITIMER_REAL, 1, -1))
line("getitimer after refusals", signal.getitimer(signal.ITIMER_REAL))

# Huge timeouts on a ready fd: they mean "that long", never a truncation.
LONG = ("a time.Duration timeout means what it says: beyond the kernel's int "
        "milliseconds Poll and EpollWait wait again; CPython raises OverflowError "
        "(design.md difference 18)")
import os
import select
r, w = os.pipe()
os.write(w, b"x")
attempt("select([r], 9.2e9 s)", lambda: len(select.select([r], [], [], 9.2e9)[0]))
p = select.poll()
p.register(r, select.POLLIN)
attempt("poll(2**31-1 ms)", lambda: len(p.poll(2**31 - 1)))
attempt("poll(2**31 ms)", lambda: len(p.poll(2**31)), differs=LONG)
ep = select.epoll()
ep.register(r, select.EPOLLIN)
attempt("epoll.poll(9.2e9 s)", lambda: len(ep.poll(9.2e9)), differs=LONG)
done()
