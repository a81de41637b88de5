# The dispositions a program starts with, as getsignal reports them, and
# what start-up does with inherited ones. The Go side runs under
# MainContext, whose start-up is CPython's.
import os
import signal
import subprocess
import sys
from _conf import line, fmt, done

RUNTIME = ("the Go runtime's own handler, not set through the package, reads "
           "as None: CPython's reading of a foreign handler (design.md difference 4)")

line("getsignal SIGINT", signal.getsignal(signal.SIGINT))
line("getsignal SIGPIPE", signal.getsignal(signal.SIGPIPE))
line("getsignal SIGXFSZ", signal.getsignal(signal.SIGXFSZ))
for s in (signal.SIGUSR1, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM, signal.SIGCHLD):
    line("getsignal %d" % s, signal.getsignal(s), differs=RUNTIME)
line("getsignal SIGKILL", signal.getsignal(signal.SIGKILL))
line("getsignal SIGSTOP", signal.getsignal(signal.SIGSTOP))
line("getsignal 32", signal.getsignal(32))
line("getsignal 34", signal.getsignal(34))
line("sigpending", signal.sigpending())
line("mask", signal.pthread_sigmask(signal.SIG_BLOCK, []))

# A child started with signals ignored (sh's trap '' ...): what getsignal
# reports, and whether its own SIGTERM ends it.
CHILD = """
import os, signal
print(signal.getsignal(signal.SIGTERM).name, signal.getsignal(signal.SIGCHLD).name, flush=True)
os.kill(os.getpid(), signal.SIGTERM)
print("survived", flush=True)
"""

def ending(status):
    return "killed by %d" % -status if status < 0 else "exit %d" % status

def started_ignored(launcher):
    """Runs CHILD under launcher: getsignal(SIGTERM), getsignal(SIGCHLD),
    whether it survived its own SIGTERM, and how it ended."""
    p = subprocess.run(launcher + [sys.executable, "-E", "-s", "-B", "-c", CHILD],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20)
    words = p.stdout.decode().split() + ["-", "-", "-"]
    return words[0], words[1], words[2] == "survived", ending(p.returncode)

# sh's trap for SIGTERM, as a user would; for SIGCHLD, which dash does not
# pass on ignored, coreutils' env.
term, _, survived, end = started_ignored(["sh", "-c", "trap '' TERM; exec \"$@\"", "sh"])
line("started with SIGTERM ignored", "getsignal %s, survived its own SIGTERM %s, %s" % (term, fmt(survived), end))
_, chld, _, _ = started_ignored(["env", "--ignore-signal=CHLD"])
line("started with SIGCHLD ignored, getsignal SIGCHLD", chld,
     differs="MainContext keeps every inherited SIG_IGN but SIGCHLD's: ignoring it makes the "
             "kernel reap children, and os/exec's Wait would fail (design.md difference 6)")
_, _, survived, end = started_ignored([])
line("started with nothing ignored", "survived its own SIGTERM %s, %s" % (fmt(survived), end))

# prog | head -1: the write to the closed pipe is an error, not SIGPIPE.
# Unbuffered writes, as the Go child's: with print, whether the exit's
# flush of sys.stdout fails too (exit 120) or not (exit 1) depends on when
# head closes the pipe.
MANY = "import os\nfor i in range(100000): os.write(1, b'line %d\\n' % i)"
prog = subprocess.Popen([sys.executable, "-E", "-s", "-B", "-c", MANY],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
head = subprocess.Popen(["head", "-1"], stdin=prog.stdout, stdout=subprocess.PIPE)
prog.stdout.close()
first = head.communicate(timeout=20)[0]
err = prog.stderr.read()
prog.wait(timeout=20)
line("prog | head -1", "%s, broken pipe reported %s, head got %s" % (
    ending(prog.returncode), fmt(b"broken pipe" in err.lower()), first.decode().strip()))
done()
