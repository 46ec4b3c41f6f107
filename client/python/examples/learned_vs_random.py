#!/usr/bin/python3
"""Learned vs random CountSketch on held-out video frames, as a PNG.

Trains a sketch on 80% of the vtest frames (../shared/data, a fixed-camera
street scene) and plots, for every held-out frame, the excess error
‖A − YZᵀ‖_F − ‖A − A_k‖_F of SCW with the learned sketch and with a random
CountSketch of the same size (each frame scaled to top singular value 1, the
papers' convention; 80/20 random split with seed 0, as bench/accuracy).

    PYTHONPATH=build/python /usr/bin/python3 client/python/examples/learned_vs_random.py \
        --out learned_vs_random.png                   # in process (core bindings)
    ... --server 127.0.0.1:50051                      # train and apply on a sketchd
"""

import argparse
import os
import sys
import time

import numpy as np

import sketchd

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "vtest_frames_u8.npy")


def scaled_frames(path):
    frames = np.load(path).astype(np.float64)
    for frame in frames:
        frame /= np.linalg.norm(frame, 2)  # top singular value 1
    return frames


def excess_error(a, y, z, k):
    return sketchd.local.evaluate_low_rank(a, y, z, k)["excess_error"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="(count, n, d) .npy of frames")
    parser.add_argument("--out", default="learned_vs_random.png", help="PNG to write")
    parser.add_argument("--server", help="sketchd address; default: train in process")
    parser.add_argument("--method", default="inner_product")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--random-seeds", type=int, default=3,
                        help="random sketches per held-out frame (their mean is plotted)")
    args = parser.parse_args()

    frames = scaled_frames(args.data)
    order = np.random.default_rng(0).permutation(len(frames))
    split = int(round(0.8 * len(frames)))
    train, test = frames[np.sort(order[:split])], frames[np.sort(order[split:])]
    n = frames.shape[1]
    print(f"{len(train)} training and {len(test)} held-out frames of {n}×{frames.shape[2]}")

    start = time.monotonic()
    if args.server:
        client = sketchd.Client(args.server)
        name = f"vtest-example-{os.getpid()}"
        client.create_dataset(name, rows=n, cols=frames.shape[2])
        client.upload(name, train)
        job = client.train(name, method=args.method, k=args.k, m=args.m, seed=0)
        learned = job.sketch()

        def approximate(a, sketch):
            y, z, _ = client.low_rank(name, a, args.k, sketch=sketch)
            return y, z

        learned_selector = learned.version
        random_selector = lambda seed: ("random", args.m, seed)  # noqa: E731
    else:
        learned = sketchd.local.train(train, method=args.method, k=args.k, m=args.m, seed=0,
                                      progress=True)

        def approximate(a, sketch):
            y, z, _ = sketchd.local.low_rank(sketch, a, args.k)
            return y, z

        learned_selector = learned
        random_selector = lambda seed: sketchd.Sketch.random(args.m, n, seed)  # noqa: E731
    print(f"trained {args.method} (k={args.k}, m={args.m}) in {time.monotonic() - start:.1f} s; "
          f"validation ratio learned/random {learned.validation.get('ratio', float('nan')):.3f}")

    learned_errors, random_errors = [], []
    for a in test:
        learned_errors.append(excess_error(a, *approximate(a, learned_selector), args.k))
        random_errors.append(np.mean([excess_error(a, *approximate(a, random_selector(s)), args.k)
                                      for s in range(1, args.random_seeds + 1)]))
    if args.server:
        client.delete_dataset(name)  # the example leaves nothing behind on the server
    learned_errors, random_errors = np.array(learned_errors), np.array(random_errors)
    ratio = learned_errors.mean() / random_errors.mean()
    print(f"held-out mean excess error: learned {learned_errors.mean():.5f}, "
          f"random {random_errors.mean():.5f} (ratio {ratio:.3f}); learned better on "
          f"{np.sum(learned_errors < random_errors)} of {len(test)} frames")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot written", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(test))
    ax.bar(x - 0.2, random_errors, width=0.4, label=f"random CountSketch (mean of {args.random_seeds})")
    ax.bar(x + 0.2, learned_errors, width=0.4, label=f"learned ({args.method})")
    ax.set_xlabel("held-out frame")
    ax.set_ylabel("excess error ‖A − YZᵀ‖_F − ‖A − A_k‖_F")
    ax.set_title(f"vtest, k = {args.k}, m = {args.m}: learned / random = {ratio:.3f}")
    ax.set_ylim(0, 1.3 * max(random_errors.max(), learned_errors.max()))
    ax.legend(loc="upper center", ncol=2)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
