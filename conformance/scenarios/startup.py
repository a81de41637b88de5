# The dispositions a program starts with, as getsignal reports them.
import signal
from _conf import line, done

IMPORT = ("importing pysignal changes nothing; CPython installs "
          "default_int_handler and ignores SIGPIPE/SIGXFSZ at start-up (design.md difference 6)")
RUNTIME = ("the Go runtime's own handler, not set through the package, reads "
           "as None: CPython's reading of a foreign handler (design.md difference 4)")

line("getsignal SIGINT", signal.getsignal(signal.SIGINT), differs=IMPORT)
line("getsignal SIGPIPE", signal.getsignal(signal.SIGPIPE), differs=IMPORT)
line("getsignal SIGXFSZ", signal.getsignal(signal.SIGXFSZ), differs=IMPORT)
for s in (signal.SIGUSR1, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM, signal.SIGCHLD):
    line("getsignal %d" % s, signal.getsignal(s), differs=RUNTIME)
line("getsignal SIGKILL", signal.getsignal(signal.SIGKILL))
line("getsignal SIGSTOP", signal.getsignal(signal.SIGSTOP))
line("getsignal 32", signal.getsignal(32))
line("getsignal 34", signal.getsignal(34))
line("sigpending", signal.sigpending())
line("mask", signal.pthread_sigmask(signal.SIG_BLOCK, []))
done()
