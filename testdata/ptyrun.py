# ptyrun.py runs a program on a new pseudo-terminal, as a terminal session
# would (its own session, the pty as controlling terminal, echo off so that
# only the program's output comes back), types lines into it, waits until
# the output holds the text to wait for, then types one last key (^C or ^D),
# and prints what happened as JSON: the bytes the program wrote to the
# terminal, its standard error (a pipe, so that a traceback does not mix
# with the output) and how it ended.
#
# usage: python3 ptyrun.py SPEC_JSON PROGRAM ARGS...
# SPEC_JSON: {"lines": [...], "wait_for": "...", "last_key": "\u0003"}
import json
import os
import pty
import select
import signal
import sys
import termios
import time

DEADLINE = 20.0


def main():
    spec = json.loads(sys.argv[1])
    argv = sys.argv[2:]
    err_r, err_w = os.pipe()
    pid, master = pty.fork()
    if pid == 0:
        os.dup2(err_w, 2)
        os.close(err_r)
        os.close(err_w)
        os.execvp(argv[0], argv)
    os.close(err_w)
    # The terminal's settings are shared by both ends: echo goes off before
    # anything is typed.
    attrs = termios.tcgetattr(master)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(master, termios.TCSANOW, attrs)
    out, err = bytearray(), bytearray()
    deadline = time.monotonic() + DEADLINE
    timed_out = False

    def pump(until):
        # Read the terminal and the error pipe until until() or the deadline.
        nonlocal timed_out
        fds = [master, err_r]
        while not until():
            left = deadline - time.monotonic()
            if left <= 0 or not fds:
                timed_out = timed_out or left <= 0
                return
            ready, _, _ = select.select(fds, [], [], left)
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:  # EIO: the terminal's last user is gone
                    data = b""
                if not data:
                    fds.remove(fd)
                elif fd == master:
                    out.extend(data)
                else:
                    err.extend(data)

    for line in spec["lines"]:
        os.write(master, line.encode())
    wait_for = spec["wait_for"].encode()
    pump(lambda: wait_for in out)
    os.write(master, spec["last_key"].encode())
    pump(lambda: False)  # to the end of both streams
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        ended = "signal %d" % os.WTERMSIG(status)
    else:
        ended = "exit %d" % os.WEXITSTATUS(status)
    print(json.dumps({
        "output": out.decode(errors="replace"),
        "stderr": err.decode(errors="replace"),
        "ended": ended,
        "timed_out": timed_out,
    }))


main()
