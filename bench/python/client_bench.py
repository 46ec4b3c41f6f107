#!/usr/bin/python3
"""Python client end to end vs core in process (sketchd.local), same matrix and sketch.

Starts its own sketchd on an ephemeral port (like the tests), then for each
shape and dtype times, median of --reps:
  core   sketchd.local.low_rank (ScwLowRank in this process, GIL released)
  grpc   sketchd.Client.low_rank over loopback (stream A in 1 MiB row blocks,
         factors back), including the Python-side packing
and prints grpc/core and the payload rate. Also the client's peak RSS
increase during the largest stream (Linux VmHWM, reset before the call).

    PYTHONPATH=build/python /usr/bin/python3 bench/python/client_bench.py [--reps 5] [--quick]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import sketchd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_server(binary, data_dir):
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        [binary, "--listen=127.0.0.1:0", f"--data_dir={data_dir}", "--log_requests=false",
         f"--port_file_fd={write_fd}"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        port = int(f.readline())
    return process, f"127.0.0.1:{port}"


def peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def reset_peak_rss():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def median_seconds(fn, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 reps, two shapes")
    parser.add_argument("--sketchd", default=os.path.join(REPO, "build", "server", "sketchd"))
    args = parser.parse_args()
    reps = 2 if args.quick else args.reps
    shapes = [(5760, 1080), (1080, 1920)] if args.quick else [(5760, 1080), (1080, 1920),
                                                                (50000, 500)]
    k, m = 20, 60
    with tempfile.TemporaryDirectory() as data_dir:
        process, address = start_server(args.sketchd, data_dir)
        try:
            client = sketchd.Client(address)
            print(f"sketchd.Client.low_rank vs sketchd.local.low_rank; k={k}, m={m} random "
                  f"CountSketch; median of {reps}; times in ms")
            print(f"{'shape':>12} {'dtype':>7} {'MiB':>7} | {'core':>8} {'grpc':>8} "
                  f"{'grpc/core':>9} {'MB/s':>7} | {'client peak RSS +MiB':>20}")
            rng = np.random.default_rng(0)
            for n, d in shapes:
                name = f"bench-{n}x{d}"
                client.create_dataset(name, rows=n)
                a64 = rng.standard_normal((n, d))
                sketch = sketchd.Sketch.random(m, n, 1)
                for a in (a64.astype(np.float32), a64):
                    core = median_seconds(lambda: sketchd.local.low_rank(sketch, a, k), reps)
                    call = lambda: client.low_rank(name, a, k, sketch=("random", m, 1))  # noqa: E731
                    call()  # warm the connection
                    reset_peak_rss()
                    before = peak_rss()
                    grpc_seconds = median_seconds(call, reps)
                    rss = (peak_rss() - before) / 2**20
                    print(f"{n:>6}x{d:<5} {str(a.dtype):>7} {a.nbytes / 2**20:7.1f} | "
                          f"{core * 1e3:8.1f} {grpc_seconds * 1e3:8.1f} "
                          f"{grpc_seconds / core:8.2f}x {a.nbytes / grpc_seconds / 1e6:7.0f} | "
                          f"{rss:20.1f}")
                client.delete_dataset(name)
        finally:
            process.terminate()
            process.wait()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}", file=sys.stdout)


if __name__ == "__main__":
    main()
