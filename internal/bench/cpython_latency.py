"""CPython's side of `pysig bench`: the latency scenarios with signal.signal,
set_wakeup_fd and select, as a Python program would do them, against the same
sender thread as every other implementation (internal/benchsender/sender.c,
loaded with ctypes: a pthread that never takes the GIL).

  same-thread:  t0; os.kill(os.getpid(), SIGUSR1) from the (only) main
                thread; the handler runs at the next eval-breaker check, right
                after the call; t1.
  cross-thread: the sender notes the time and kill()s the process; the main
                thread, blocked in select() on the wakeup fd, runs the handler
                (PEP 475: select retries after running it), drains the fd and
                notes the time.  20 ms apart for cross_thread_idle.

Usage: python3 cpython_latency.py N IDLE_N LIBSENDER.so -> one JSON object,
latencies in ns:
  {"same_thread": [...], "cross_thread": [...], "cross_thread_idle": [...],
   "version": "3.11.7"}
"""
import ctypes
import json
import os
import platform
import select
import signal
import sys
import time

N = int(sys.argv[1])
IDLE_N = int(sys.argv[2])
lib = ctypes.CDLL(sys.argv[3])
sent_at = ctypes.c_int64.in_dll(lib, "bench_sent_at")
handled = 0


def handler(signum, frame):
    global handled
    handled += 1


def same_thread():
    out = []
    pid = os.getpid()
    now = time.perf_counter_ns
    for _ in range(N):
        before = handled
        t0 = now()
        os.kill(pid, signal.SIGUSR1)
        t1 = now()
        if handled == before:
            sys.exit("cpython_latency: the handler had not run after os.kill")
        out.append(t1 - t0)
    return out


def cross_thread(n, pace_ns, r):
    out = []
    now = time.time_ns  # CLOCK_REALTIME, as the sender's timestamp
    if lib.bench_start(n, signal.SIGUSR1, ctypes.c_long(pace_ns)) != 0:
        sys.exit("cpython_latency: cannot start the sender")
    base = handled
    for i in range(n):
        # Count, do not compare with the value before the wait: under load
        # the signal can arrive (and the handler run) before this line.
        while handled < base + i + 1:
            if not select.select([r], [], [], 10)[0] and handled < base + i + 1:
                sys.exit("cpython_latency: no signal within 10 s")
            try:
                os.read(r, 4096)
            except BlockingIOError:
                pass
        out.append(now() - sent_at.value)
        lib.bench_ack()
    lib.bench_stop()
    return out


signal.signal(signal.SIGUSR1, handler)
same = same_thread()
r, w = os.pipe()
os.set_blocking(r, False)
os.set_blocking(w, False)
signal.set_wakeup_fd(w, warn_on_full_buffer=False)
cross = cross_thread(N, 200_000, r)
idle = cross_thread(IDLE_N, 20_000_000, r) if IDLE_N > 0 else []
signal.set_wakeup_fd(-1)
json.dump({"same_thread": same, "cross_thread": cross, "cross_thread_idle": idle,
           "version": platform.python_version()}, sys.stdout)
print()
