"""CPython's side of `pysig bench`: scenarios 1 and 2 with signal.signal,
set_wakeup_fd and select, as a Python program would do them.

  same-thread:  os.kill(os.getpid(), SIGUSR1) from the (only) main thread;
                the Python handler runs at the next bytecode and notes the time.
  cross-thread: a sender thread does os.kill(os.getpid()) and notes the time;
                the main thread, blocked in select() on the wakeup fd, wakes,
                drains it, and the Python handler notes the time.

Usage: python3 cpython_latency.py N  -> one JSON object, latencies in ns:
  {"same_thread": [...], "cross_thread": [...], "version": "3.11.7"}
"""
import json
import os
import platform
import select
import signal
import sys
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
handled_at = 0


def handler(signum, frame):
    global handled_at
    handled_at = time.perf_counter_ns()


def same_thread():
    out = []
    pid = os.getpid()
    for _ in range(N):
        t0 = time.perf_counter_ns()
        os.kill(pid, signal.SIGUSR1)
        out.append(handled_at - t0)
    return out


def cross_thread():
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    sent = [0]
    received = threading.Event()

    def sender():
        pid = os.getpid()
        for _ in range(N):
            time.sleep(0.0002)  # pace: each sample independent
            received.clear()
            sent[0] = time.perf_counter_ns()
            os.kill(pid, signal.SIGUSR1)
            received.wait()

    out = []
    th = threading.Thread(target=sender)
    th.start()
    for _ in range(N):
        while True:
            ready, _, _ = select.select([r], [], [])
            try:
                os.read(r, 4096)
            except BlockingIOError:
                pass
            if handled_at >= sent[0] > 0:
                break
        out.append(handled_at - sent[0])
        received.set()
    th.join()
    signal.set_wakeup_fd(-1)
    return out


signal.signal(signal.SIGUSR1, handler)
same = same_thread()
cross = cross_thread()
json.dump({"same_thread": same, "cross_thread": cross, "version": platform.python_version()}, sys.stdout)
print()
