#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench, figure 11: how long a tracer takes to exit after SIGINT.

  stopms.py [-o OUT] [-s SECONDS] -- CMD...   CMD (stdout to OUT, default /dev/null);
                                              once it says "Tracing" on stderr, SECONDS
                                              (1) more, then SIGINT: prints the ms until
                                              it has exited; its stderr goes to ours
  stopms.py --tmux [-s SECONDS] -- CMD...     the same with CMD printing to a terminal in
                                              a tmux server of its own
  --until FILE    wait for FILE to be there (not empty) instead of "Tracing": a moment
                  CMD itself does not announce (a debuginfod server it is waiting on
                  writes FILE when CMD connects)
  --term          SIGTERM instead of SIGINT; CMD then ends as SIGTERM ends a program
Exits 1 when CMD never says "Tracing" (10 s) or fails.
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time


def wait_tracing(read, secs=10):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if "Tracing" in read():
            return True
        time.sleep(0.01)
    return False


def gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_file(path, secs=10):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if os.path.exists(path) and os.path.getsize(path):
            return True
        time.sleep(0.01)
    return False


def plain(args):
    err = []
    p = subprocess.Popen(args.cmd, stdout=open(args.o, "w"), stderr=subprocess.PIPE, text=True)
    t = threading.Thread(target=lambda: err.extend(p.stderr), daemon=True)
    t.start()
    ready = wait_file(args.until) if args.until else wait_tracing(lambda: "".join(err))
    if not ready:
        p.kill()
        p.wait()
        return None
    time.sleep(args.s)
    start = time.monotonic()
    p.send_signal(signal.SIGTERM if args.term else signal.SIGINT)
    rc = p.wait()
    ms = (time.monotonic() - start) * 1000
    t.join(5)
    sys.stderr.write("".join(err))
    # after SIGTERM upx ends as the signal would have ended it (Popen says -15, a shell 143)
    return ms if rc in ((-signal.SIGTERM, 143) if args.term else (0,)) else None


def in_tmux(args):
    with tempfile.TemporaryDirectory() as d:
        sock, pidf, errf = f"upxbench{os.getpid()}", f"{d}/pid", f"{d}/err"
        line = f"echo $$ >{pidf}; exec {shlex.join(args.cmd)} 2>{errf}"
        subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-x", "160", "-y", "50",
                        "sh", "-c", line], check=True)
        try:
            read = lambda: open(errf).read() if os.path.exists(errf) else ""
            if not wait_tracing(read):
                return None
            pid = int(open(pidf).read())
            time.sleep(args.s)
            start = time.monotonic()
            os.kill(pid, signal.SIGINT)
            while not gone(pid):
                time.sleep(0.0005)
            ms = (time.monotonic() - start) * 1000
            sys.stderr.write(read())
            return ms
        finally:
            subprocess.run(["tmux", "-L", sock, "kill-server"], stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", default="/dev/null")
    ap.add_argument("-s", type=float, default=1.0)
    ap.add_argument("--tmux", action="store_true")
    ap.add_argument("--until")
    ap.add_argument("--term", action="store_true")
    ap.add_argument("cmd", nargs="+")
    args = ap.parse_args()
    ms = in_tmux(args) if args.tmux else plain(args)
    if ms is None:
        sys.exit(1)
    print(int(round(ms)))


if __name__ == "__main__":
    main()
