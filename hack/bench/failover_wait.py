#!/usr/bin/env python3
"""Waits, for hack/bench/failover.sh and failover_k8s.sh, until a connector's tasks are placed as
asked, polling GET /connectors/<name>/status every 50 ms from one process (a curl and a Python
start per poll cost about a second each on a loaded machine, which would be counted as failover
time). Prints the wall-clock time (seconds since the epoch) the placement was first seen; exits 1
when the timeout passes first.

  failover_wait.py URL CONNECTOR TASKS all-running AVOID_ID TIMEOUT_S
      all TASKS tasks RUNNING, none on worker AVOID_ID ("none": anywhere)
  failover_wait.py URL CONNECTOR TASKS runs-tasks WORKER_ID TIMEOUT_S
      at least one task RUNNING on WORKER_ID
With a 7th argument GO_FILE, it creates GO_FILE.ready once started and polls only once GO_FILE
exists (the caller starts it before the kill, so its start-up is not counted, and creates GO_FILE
right after the kill); the timeout counts from then.
"""
import os
import json
import sys
import time
import urllib.request


def placed(url, connector, tasks, mode, worker):
    try:
        with urllib.request.urlopen("%s/connectors/%s/status" % (url, connector), timeout=3) as r:
            t = json.load(r)["tasks"]
    except Exception:
        return False
    if mode == "all-running":
        return len(t) == tasks and all(x["state"] == "RUNNING" and x["worker_id"] != worker for x in t)
    return any(x["state"] == "RUNNING" and x["worker_id"] == worker for x in t)


def main():
    url, connector, tasks, mode, worker, timeout = sys.argv[1:7]
    if len(sys.argv) > 7:
        go = sys.argv[7]
        open(go + ".ready", "w").close()
        while not os.path.exists(go):
            time.sleep(0.005)
    deadline = time.monotonic() + float(timeout)
    while time.monotonic() < deadline:
        if placed(url, connector, int(tasks), mode, worker):
            print("%.3f" % time.time())
            return 0
        time.sleep(0.05)
    return 1


if __name__ == "__main__":
    sys.exit(main())
