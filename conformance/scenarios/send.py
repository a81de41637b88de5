# raise_signal, pthread_kill, pidfd_send_signal: what reaches the kernel.
import os
import signal
import subprocess
import threading
from _conf import Log, line, attempt, done

RESERVED = ("a raised SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP crashes a Go program, "
            "SIGURG/SIGPROF are the runtime's own messages: refused (design.md difference 2)")

log = Log()
signal.signal(signal.SIGUSR1, log.make("h1"))
signal.signal(signal.SIGUSR2, log.make("hf", fail=True))
main = threading.get_ident()

for sig in (0, -1, 65, 1000, 2**31 - 1, -2**31):
    attempt("raise_signal(%d)" % sig, lambda: signal.raise_signal(sig))
for sig in (2**32 + 2, 2**31, -2**31 - 1):
    attempt("raise_signal(%d)" % sig, lambda: signal.raise_signal(sig))
attempt("raise_signal(SIGUSR1)", lambda: signal.raise_signal(signal.SIGUSR1))
line("runs", log.take())
attempt("raise_signal(SIGUSR2) failing", lambda: signal.raise_signal(signal.SIGUSR2))
line("runs", log.take())
attempt("raise_signal(SIGURG)", lambda: signal.raise_signal(signal.SIGURG), differs=RESERVED)

for sig in (0, -1, 65):
    attempt("pthread_kill(main, %d)" % sig, lambda: signal.pthread_kill(main, sig))
attempt("pthread_kill(main, 2**32+2)", lambda: signal.pthread_kill(main, 2**32 + 2))
attempt("pthread_kill(main, SIGUSR1)", lambda: signal.pthread_kill(main, signal.SIGUSR1))
line("runs", log.take())
attempt("pthread_kill(main, SIGUSR2) failing", lambda: signal.pthread_kill(main, signal.SIGUSR2))
line("runs", log.take())
attempt("pthread_kill(main, SIGURG)", lambda: signal.pthread_kill(main, signal.SIGURG), differs=RESERVED)

# A thread sends to the main thread: the handler runs there, at its next check.
t = threading.Thread(target=lambda: signal.pthread_kill(main, signal.SIGUSR1))
t.start()
t.join()
signal.pthread_sigmask(signal.SIG_BLOCK, [])  # a check
line("runs after a thread's pthread_kill", log.take())

pidfd = os.pidfd_open(os.getpid())
attempt("pidfd_send_signal(self, 0)", lambda: signal.pidfd_send_signal(pidfd, 0))
attempt("pidfd_send_signal(self, 65)", lambda: signal.pidfd_send_signal(pidfd, 65))
attempt("pidfd_send_signal(self, -1)", lambda: signal.pidfd_send_signal(pidfd, -1))
attempt("pidfd_send_signal(self, 0, flags=-1)", lambda: signal.pidfd_send_signal(pidfd, 0, None, -1))
attempt("pidfd_send_signal(self, 0, flags=1<<20)", lambda: signal.pidfd_send_signal(pidfd, 0, None, 1 << 20))
attempt("pidfd_send_signal(self, 2**32)", lambda: signal.pidfd_send_signal(pidfd, 2**32))
attempt("pidfd_send_signal(2**32+pidfd, 0)", lambda: signal.pidfd_send_signal(2**32 + pidfd, 0))
attempt("pidfd_send_signal(self, 0, flags=2**31)", lambda: signal.pidfd_send_signal(pidfd, 0, None, 2**31))
os.close(pidfd)
attempt("pidfd_send_signal(closed, 0)", lambda: signal.pidfd_send_signal(pidfd, 0))
# A child killed through its pidfd.
child = subprocess.Popen(["sleep", "60"])
fd = os.pidfd_open(child.pid)
attempt("pidfd_send_signal(child, SIGTERM)", lambda: signal.pidfd_send_signal(fd, signal.SIGTERM))
line("child killed by", -child.wait())
done()
