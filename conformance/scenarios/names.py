# Names, numbers and descriptions: NSIG, SIGRTMIN/MAX, Signals, strsignal,
# valid_signals.
import signal
from _conf import VERSION, line, attempt, done

RT_NAMES = ("Go names them SIGRTMIN+n (as glibc and kill -l do); CPython's "
            "Signals has no member for them (design.md difference 16)")

line("NSIG", signal.NSIG)
line("SIGRTMIN", int(signal.SIGRTMIN))
line("SIGRTMAX", int(signal.SIGRTMAX))
for sig in list(range(1, 35)) + [64]:
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = "(none)"
    if sig == 16 and VERSION < (3, 11):
        line("name %d" % sig, name, differs="CPython 3.10 has no SIGSTKFLT constant")
    else:
        line("name %d" % sig, name)
rt = []
for sig in range(35, 64):
    try:
        rt.append(signal.Signals(sig).name)
    except ValueError:
        pass
line("names 35..63", rt, differs=RT_NAMES)
for name in ["SIGINT", "SIGIOT", "SIGPOLL", "SIGCLD", "SIGRTMIN", "SIGRTMAX",
             "SIGABRT", "SIGIO", "SIGCHLD", "INT", "SIGFOO", "", "sigint"]:
    try:
        v = int(signal.Signals[name])
    except KeyError:
        v = "KeyError"
    line("by name %r" % name, v)
try:
    v = int(signal.Signals["SIGRTMIN+1"])
except KeyError:
    v = "KeyError"
line("by name 'SIGRTMIN+1'", v, differs=RT_NAMES)
for sig in range(-1, 67):
    attempt("strsignal %d" % sig, lambda: signal.strsignal(sig))
valid = signal.valid_signals()
line("valid_signals count", len(valid))
line("valid_signals missing", sorted(set(range(1, 65)) - {int(s) for s in valid}))
done()
