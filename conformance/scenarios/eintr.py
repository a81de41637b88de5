# PEP 475: each wrapped call, blocked on the main thread, interrupted by a
# handled signal. A helper thread waits until /proc shows the main thread
# blocked in the call, sends SIGUSR1 to it, waits for the wakeup byte (the C
# handler ran), waits until the main thread is blocked in the call again
# (it retried), and only then lets the peer answer. Each line: whether the
# handler had run when the peer answered, what the call returned, and how
# many times the handler ran.
import errno
import fcntl
import os
import platform
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
from _conf import HandlerError, attempt, line, fmt, done

# System call numbers, per architecture, each call's possible ones.
NR = {
    "x86_64": dict(read=0, write=1, open=2, poll=7, select=23, pause=34, nanosleep=35,
                   accept=43, sendto=44, recvfrom=45, wait4=61, flock=73,
                   rt_sigtimedwait=128, clock_nanosleep=230, epoll_wait=232, waitid=247,
                   openat=257, pselect6=270, ppoll=271, epoll_pwait=281, accept4=288,
                   readv=19, writev=20, sendmsg=46, recvmsg=47, sendfile=40, splice=275),
    "aarch64": dict(read=63, write=64, pselect6=72, ppoll=73, nanosleep=101,
                    clock_nanosleep=115, rt_sigtimedwait=137, accept=202, sendto=206,
                    recvfrom=207, accept4=242, wait4=260, waitid=95, flock=32, openat=56,
                    epoll_pwait=22, readv=65, writev=66, sendmsg=211, recvmsg=212, sendfile=71,
                    splice=76),
}[platform.machine()]

def nrs(*names):
    return {NR[n] for n in names if n in NR}

U1, U2 = signal.SIGUSR1, signal.SIGUSR2
MAIN = threading.get_ident()
MAIN_TID = threading.get_native_id()
runs = []

def ok_handler(sig, frame):
    runs.append("h")

def failing_handler(sig, frame):
    runs.append("h")
    raise HandlerError()

wr, ww = os.pipe()
os.set_blocking(wr, False)
os.set_blocking(ww, False)
signal.set_wakeup_fd(ww)

def blocked_in(nums, timeout=20.0):
    end = time.monotonic() + timeout
    path = "/proc/self/task/%d/syscall" % MAIN_TID
    while time.monotonic() < end:
        with open(path) as f:
            first = f.read().split()[0]
        if first != "running" and int(first) in nums:
            return True
        time.sleep(0.0005)
    return False

def case(label, call, nums, release=lambda: None, fail=False, retries=True, differs=None):
    """Runs call on the main thread under one SIGUSR1 and prints its line."""
    signal.signal(U1, failing_handler if fail else ok_handler)
    del runs[:]
    seen = {}
    def helper():
        if not blocked_in(nums):
            seen["problem"] = "never blocked"
        else:
            signal.pthread_kill(MAIN, U1)
            select.select([wr], [], [], 20)
            os.read(wr, 100)
            if retries and not fail and not blocked_in(nums):
                seen["problem"] = "never retried"
        seen["before"] = fmt(len(runs) > 0) if retries and not fail else "-"
        release()
    t = threading.Thread(target=helper)
    t.start()
    try:
        result = "return " + fmt(call())
    except HandlerError:
        result = "HandlerError"
    t.join()
    line(label, "%s | %s | runs %d%s" % (
        seen.get("before"), result, len(runs), " | " + seen["problem"] if "problem" in seen else ""),
         differs=differs)

def pipe():
    return os.pipe()

# read
for fail in (False, True):
    r, w = pipe()
    case("read" + (" failing" if fail else ""), lambda: os.read(r, 10), nrs("read"),
         lambda: os.write(w, b"x"), fail=fail)
    os.close(r); os.close(w)

# readv
r, w = pipe()
case("readv", lambda: os.readv(r, [bytearray(10)]), nrs("readv"), lambda: os.write(w, b"x"))
os.close(r); os.close(w)

# write to a full pipe
def fill(w):
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"\0" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)
r, w = pipe()
fill(w)
def drain():
    os.set_blocking(r, False)
    try:
        while True:
            os.read(r, 65536)
    except BlockingIOError:
        pass
case("write", lambda: os.write(w, b"x"), nrs("write"), drain)
fill(w)
case("writev", lambda: os.writev(w, [b"x"]), nrs("writev"), drain)
# sendfile to the full pipe; splice from an empty pipe to it
src = tempfile.TemporaryFile()
src.write(b"s")
src.flush()
fill(w)
case("sendfile", lambda: os.sendfile(w, src.fileno(), 0, 1), nrs("sendfile"), drain)
src.close()
r2, w2 = pipe()
case("splice", lambda: os.splice(r2, w, 10), nrs("splice"), lambda: os.write(w2, b"x"))
os.close(r2); os.close(w2)
os.close(r); os.close(w)

# recv and send on a stream socket pair
a, b = socket.socketpair()
for fail in (False, True):
    case("recv" + (" failing" if fail else ""), lambda: a.recv(10), nrs("recvfrom", "read"),
         lambda: b.send(b"y"), fail=fail)
a.recv(10)  # what the failing case's peer sent
case("recvmsg", lambda: a.recvmsg(10)[0], nrs("recvmsg"), lambda: b.send(b"y"))
def drain_b():
    b.setblocking(False)
    try:
        while True:
            b.recv(65536)
    except BlockingIOError:
        pass
def fill_a():
    """Fills a's send buffer, so that the next send blocks until b drains."""
    a.setblocking(False)
    try:
        while True:
            a.send(b"\0" * 4096)
    except BlockingIOError:
        pass
    a.setblocking(True)
drain_b()
b.setblocking(True)
fill_a()
case("send", lambda: a.send(b"z"), nrs("sendto", "write"), drain_b)
fill_a()
case("sendmsg", lambda: a.sendmsg([b"z"]), nrs("sendmsg"), drain_b)
# A send interrupted after part of it went returns that count (the kernel
# reports no EINTR then); the peer got exactly that many bytes.
BIG = 1 << 20
def partial(send):
    n = send(b"\0" * BIG)
    b.setblocking(False)
    got = 0
    try:
        while True:
            got += len(b.recv(65536))
    except BlockingIOError:
        pass
    return "partial %s, the peer got the count %s" % (fmt(0 < n < BIG), fmt(got == n))
drain_b()
case("send 1 MiB", lambda: partial(a.send), nrs("sendto", "write"), retries=False)
case("sendmsg 1 MiB", lambda: partial(lambda d: a.sendmsg([d])), nrs("sendmsg"), retries=False)
drain_b()
fill_a()
case("sendall", lambda: a.sendall(b"z" * 10), nrs("sendto", "write"), drain_b)
a.close(); b.close()

# accept
name = "\0pysignal-conformance-%d" % os.getpid()
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(name)
ls.listen()
peer = []
def connect():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(name)
    peer.append(c)
case("accept", lambda: (ls.accept()[0].close(), "conn")[1], nrs("accept", "accept4"), connect)
ls.close()
for c in peer:
    c.close()

# select, poll, epoll: a late writer, and a timeout that a signal must not
# shorten.
r, w = pipe()
def ready(n):
    return "ready" if n else "empty"
case("select", lambda: ready(len(select.select([r], [], [])[0])), nrs("select", "pselect6"),
     lambda: os.write(w, b"x"))
os.read(r, 10)
p = select.poll()
p.register(r, select.POLLIN)
case("poll", lambda: ready(len(p.poll())), nrs("poll", "ppoll"), lambda: os.write(w, b"x"))
os.read(r, 10)
ep = select.epoll()
ep.register(r, select.EPOLLIN)
case("epoll", lambda: ready(len(ep.poll())), nrs("epoll_wait", "epoll_pwait"), lambda: os.write(w, b"x"))
os.read(r, 10)
def timed(fn, timeout):
    start = time.monotonic()
    res = fn()
    return "%s, waited the whole timeout %s" % (fmt(res), fmt(time.monotonic() - start >= timeout))
case("select timeout 0.1", lambda: timed(lambda: ready(len(select.select([r], [], [], 0.1)[0])), 0.1),
     nrs("select", "pselect6"))
case("poll timeout 100ms", lambda: timed(lambda: ready(len(p.poll(100))), 0.1), nrs("poll", "ppoll"))
case("epoll timeout 0.1", lambda: timed(lambda: ready(len(ep.poll(0.1))), 0.1), nrs("epoll_wait", "epoll_pwait"))
case("select failing", lambda: ready(len(select.select([r], [], [])[0])), nrs("select", "pselect6"),
     lambda: os.write(w, b"x"), fail=True)
os.read(r, 10)
ep.close()
os.close(r); os.close(w)

# sleep
SLEEP = nrs("clock_nanosleep", "nanosleep", "select", "pselect6")
case("sleep 0.1", lambda: timed(lambda: time.sleep(0.1), 0.1), SLEEP)
case("sleep failing", lambda: time.sleep(0.1), SLEEP, fail=True)

# the sigwait family: SIGUSR2 blocked, sent late by the helper
signal.pthread_sigmask(signal.SIG_BLOCK, [U2])
send_u2 = lambda: signal.pthread_kill(MAIN, U2)
case("sigwaitinfo", lambda: signal.sigwaitinfo([U2]).si_signo, nrs("rt_sigtimedwait"), send_u2)
case("sigtimedwait", lambda: signal.sigtimedwait([U2], 20).si_signo, nrs("rt_sigtimedwait"), send_u2)
case("sigtimedwait timeout 0.1", lambda: timed(lambda: signal.sigtimedwait([U2], 0.1), 0.1), nrs("rt_sigtimedwait"))
case("sigwait", lambda: signal.sigwait([U2]), nrs("rt_sigtimedwait"), send_u2,
     differs="libc's sigwait retries EINTR itself, so CPython runs the handler only after it "
             "returns; pysignal's Sigwait is Sigwaitinfo's loop and runs it at once (design.md difference 17)")
case("sigtimedwait failing", lambda: signal.sigtimedwait([U2], 20), nrs("rt_sigtimedwait"), send_u2, fail=True)
signal.sigtimedwait([U2], 0)
signal.pthread_sigmask(signal.SIG_UNBLOCK, [U2])

# waitpid: a child that exits with 7 once told to
child = subprocess.Popen(["sh", "-c", "read x; exit 7"], stdin=subprocess.PIPE)
def tell():
    child.stdin.write(b"\n")
    child.stdin.flush()
case("waitpid", lambda: os.waitstatus_to_exitcode(os.waitpid(child.pid, 0)[1]), nrs("wait4", "waitid"), tell)
child.stdin.close()
child.returncode = 0  # reaped above
child = subprocess.Popen(["sh", "-c", "read x; exit 7"], stdin=subprocess.PIPE)
case("waitid", lambda: os.waitid(os.P_PID, child.pid, os.WEXITED).si_status, nrs("waitid"), tell)
child.stdin.close()
child.returncode = 0

# flock held through another open file description
d = tempfile.mkdtemp()
path = os.path.join(d, "lock")
f1 = os.open(path, os.O_RDWR | os.O_CREAT)
f2 = os.open(path, os.O_RDWR)
fcntl.flock(f2, fcntl.LOCK_EX)
case("flock", lambda: fcntl.flock(f1, fcntl.LOCK_EX), nrs("flock"), lambda: fcntl.flock(f2, fcntl.LOCK_UN))
os.close(f1); os.close(f2)

# open of a FIFO waits for a writer
fifo = os.path.join(d, "fifo")
os.mkfifo(fifo)
wfd = []
case("open fifo", lambda: (os.close(os.open(fifo, os.O_RDONLY)), "opened")[1], nrs("openat", "open"),
     lambda: wfd.append(os.open(fifo, os.O_WRONLY)))
for fd in wfd:
    os.close(fd)
os.unlink(fifo); os.unlink(path); os.rmdir(d)

# pause: ends after the first handler, no retry
case("pause", signal.pause, nrs("pause", "ppoll"), retries=False)
case("pause failing", signal.pause, nrs("pause", "ppoll"), fail=True)

# siginterrupt(False): the kernel restarts the read, the handler waits
# until the read returns (it has not run when the peer answers).
r, w = pipe()
def restart_case():
    signal.signal(U1, ok_handler)
    signal.siginterrupt(U1, False)
    del runs[:]
    seen = {}
    def helper():
        if blocked_in(nrs("read")):
            signal.pthread_kill(MAIN, U1)
            select.select([wr], [], [], 20)
            os.read(wr, 100)
            blocked_in(nrs("read"))
        seen["before"] = fmt(len(runs) > 0)
        os.write(w, b"x")
    t = threading.Thread(target=helper)
    t.start()
    res = os.read(r, 10)
    t.join()
    signal.pthread_sigmask(signal.SIG_BLOCK, [])  # a check
    line("read with siginterrupt(False)", "%s | return %s | runs %d" % (seen["before"], fmt(res), len(runs)))
restart_case()
os.close(r); os.close(w)
signal.set_wakeup_fd(-1)

# Numbers beyond a C int are refused, never truncated to another fd.
r, w = pipe()
os.write(w, b"x")
attempt("read(2**32+r)", lambda: os.read(2**32 + r, 1))
attempt("close(2**32+w)", lambda: os.close(2**32 + w))
attempt("waitpid(2**32, WNOHANG)", lambda: os.waitpid(2**32, os.WNOHANG))
line("the pipe afterwards", (os.read(r, 1), os.write(w, b"y")))
done()
