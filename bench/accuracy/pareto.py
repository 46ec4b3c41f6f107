#!/usr/bin/python3
"""Error against cost, sketchd vs scikit-learn / SciPy, on the same matrices.

For each family: runs `pareto` (sketchd core: random CountSketch, inner_product
and the dense learned `subspace` sketch, each with q = 0, 1, ..., 6 power
iterations, and for q >= 1 also with block Krylov iterations as
`<method>_krylov`), then scikit-learn's randomized_svd (n_oversamples = m - k,
n_iter = 0, 1, 2, 4), scipy.sparse.linalg.svds and a five-line NumPy SCW on
scipy.linalg.clarkson_woodruff_transform on the same held-out
matrices (the indices `pareto` prints), alternating family by family on the
same machine. Prints per-option means, the Pareto fronts (error vs time per
matrix, error vs passes over A) and, at the time and pass budget of each
scikit-learn option, the best sketchd option within it and the error ratio
(target: >= 2x); writes a PNG.

  /usr/bin/python3 bench/accuracy/pareto.py --pareto build/bench/accuracy/pareto \
      --data ../shared/data --png pareto.png

Error metric: relative excess ||A - A_hat||_F / ||A - A_k||_F - 1 (scale-free).
Passes over A: SCW 2 + 2q; randomized_svd 2 + 2 n_iter (range finder, its
power iterations, then Q^T A); svds the number of matrix-vector products
ARPACK asked for (each reads A once).
"""
import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.linalg import clarkson_woodruff_transform
from scipy.sparse.linalg import LinearOperator, svds
from sklearn.utils.extmath import randomized_svd


def synthetic_family(path, count=100, n=400, d=300, rank=40, seed=0):
    """A family sharing a column space with a decaying spectrum, plus noise."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    spectrum = 0.85 ** np.arange(rank)
    family = np.empty((count, n, d))
    for i in range(count):
        v, _ = np.linalg.qr(rng.standard_normal((d, rank)))
        family[i] = (u * spectrum) @ v.T + 0.01 * rng.standard_normal((n, d))
    np.save(path, family)


def run_sketchd(binary, family, name, km, reps):
    cmd = [binary, "--family", family, "--name", name, "--km",
           ",".join(f"{k}:{m}" for k, m in km), "--q", "0,1,2,3,4,5,6", "--reps", str(reps)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    test, rows = None, []
    for line in out.splitlines():
        if line.startswith("# test "):
            test = [int(x) for x in line[len("# test "):].split(",")]
        elif line.startswith("#"):
            print(line)
        elif not line.startswith("dataset,"):
            ds, k, m, method, q, passes, matrix, rel, sec = line.split(",")
            rows.append((ds, int(k), int(m), method, int(q), int(passes), int(matrix),
                         float(rel), float(sec)))
    return test, rows


def median_seconds(reps, fn):
    times, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def numpy_scw(a, k, m, seed):
    """The five-line NumPy SCW sketchd's core is timed against (issue 13)."""
    sa = clarkson_woodruff_transform(a, m, seed=seed)
    v = np.linalg.svd(sa, full_matrices=False)[2].T
    av = a @ v
    u, s, wt = np.linalg.svd(av, full_matrices=False)
    return u[:, :k] * s[:k], v @ wt.T[:, :k]


def run_peers(family, test, name, km, reps):
    rows = []
    for idx in test:
        a = np.ascontiguousarray(family[idx], dtype=np.float64)
        sigma = np.linalg.svd(a, compute_uv=False)
        for k, m in km:
            optimal = np.sqrt(np.sum(sigma[k:] ** 2))
            for n_iter in (0, 1, 2, 4):
                sec, (u, s, vt) = median_seconds(reps, lambda: randomized_svd(
                    a, k, n_oversamples=m - k, n_iter=n_iter, random_state=idx))
                err = np.linalg.norm(a - (u * s) @ vt)
                rows.append((name, k, m, "sklearn_randomized_svd", n_iter, 2 + 2 * n_iter, idx,
                             err / optimal - 1, sec))
            sec, (y, z) = median_seconds(reps, lambda: numpy_scw(a, k, m, idx))
            err = np.linalg.norm(a - y @ z.T)
            rows.append((name, k, m, "numpy_scw_cwt", 0, 2, idx, err / optimal - 1, sec))
            calls = [0]

            def matvec(x):
                calls[0] += 1
                return a @ x

            def rmatvec(x):
                calls[0] += 1
                return a.T @ x

            op = LinearOperator(a.shape, matvec=matvec, rmatvec=rmatvec, matmat=matvec,
                                rmatmat=rmatvec, dtype=np.float64)
            calls[0] = 0
            sec, (u, s, vt) = median_seconds(reps, lambda: svds(op, k=k, random_state=idx))
            passes = calls[0] // reps
            err = np.linalg.norm(a - (u * s) @ vt)
            rows.append((name, k, m, "scipy_svds", 0, passes, idx, err / optimal - 1, sec))
    return rows


def summarise(rows):
    groups = collections.defaultdict(list)
    for ds, k, m, method, q, passes, _, rel, sec in rows:
        groups[(ds, k, m, method, q)].append((rel, sec, passes))
    out = []
    for (ds, k, m, method, q), vals in groups.items():
        rels = [v[0] for v in vals]
        out.append(dict(ds=ds, k=k, m=m, method=method, q=q,
                        passes=statistics.mean(v[2] for v in vals),
                        rel=statistics.mean(rels),
                        rel_sd=statistics.stdev(rels) if len(rels) > 1 else 0.0,
                        ms=1e3 * statistics.mean(v[1] for v in vals), count=len(vals)))
    return out


def is_peer(option):
    """The scikit-learn / SciPy options the accuracy target is set against."""
    return option["method"].startswith(("sklearn", "scipy"))


def is_sketchd(option):
    return not option["method"].startswith(("sklearn", "scipy", "numpy"))


def label(o):
    if o["method"] == "scipy_svds":
        return "svds"
    if o["method"] == "sklearn_randomized_svd":
        return f"rsvd n_iter={o['q']}"
    return f"{o['method']} q={o['q']}"


def front(options, cost):
    """Options not beaten on both cost and error by another, cheapest first."""
    best, out = float("inf"), []
    for o in sorted(options, key=lambda o: (o[cost], o["rel"])):
        if o["rel"] < best:
            out.append(o)
            best = o["rel"]
    return out


# The relative excess error is a difference of two nearly equal norms, so
# below about 1e-13 it is rounding noise and can come out negative (svds and
# q = 4 block Krylov land there: mean ±1e-14, sd ~3e-14). Ratios compare
# errors clamped at this floor, which can only lower sketchd's ratio: an
# option at the floor is credited with 1e-12, not with its noisy value.
ERROR_FLOOR = 1e-12


def budget_check(options, cost):
    """For each scikit-learn/SciPy option, the best sketchd option within its
    budget (cost <= the peer's): [(peer, best sketchd option or None, ratio
    peer error / sketchd error, both clamped at ERROR_FLOOR)]. svds is exact to rounding, so no option can
    be 2x more accurate than it; its row is shown but not part of the verdict."""
    rows = []
    for peer in sorted((o for o in options if is_peer(o)), key=lambda o: o[cost]):
        mine = [o for o in options if is_sketchd(o) and o[cost] <= peer[cost]]
        best = min(mine, key=lambda o: o["rel"]) if mine else None
        ratio = (max(peer["rel"], ERROR_FLOOR) / max(best["rel"], ERROR_FLOOR)) if best else 0.0
        rows.append((peer, best, ratio))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pareto", default="build/bench/accuracy/pareto")
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--families", default="vtest,navy_winds,synthetic")
    parser.add_argument("--km", default="10:20,20:40")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--png", default="")
    args = parser.parse_args()
    km = [tuple(int(x) for x in p.split(":")) for p in args.km.split(",")]
    print(f"# load before: {os.getloadavg()}")
    files = {"vtest": os.path.join(args.data, "vtest_frames_u8.npy"),
             "navy_winds": os.path.join(args.data, "navy_winds_f32.npy")}
    all_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.families.split(","):
            path = files.get(name)
            if name == "synthetic":
                path = os.path.join(tmp, "synthetic.npy")
                synthetic_family(path)
            test, rows = run_sketchd(args.pareto, path, name, km, args.reps)
            all_rows += rows
            all_rows += run_peers(np.load(path), test, name, km, args.reps)
    print(f"# load after: {os.getloadavg()}")

    summary = summarise(all_rows)
    verdicts = []
    for ds in dict.fromkeys(o["ds"] for o in summary):
        for k, m in km:
            opts = [o for o in summary if o["ds"] == ds and o["k"] == k]
            print(f"\n== {ds}, k={k}, m={m}: {opts[0]['count']} test matrices; "
                  "mean relative excess (± sd), mean ms per matrix, passes")
            for o in sorted(opts, key=lambda o: o["ms"]):
                print(f"  {label(o):28s} {o['rel']:10.3e} ± {o['rel_sd']:9.2e} "
                      f"{o['ms']:9.2f} ms {o['passes']:7.1f}")
            mine = {o["method"]: o for o in opts if o["q"] == 0}
            if "random" in mine and "numpy_scw_cwt" in mine:
                print(f"  one-pass SCW with a random CountSketch: sketchd core "
                      f"{mine['random']['ms']:.2f} ms vs NumPy+scipy CWT "
                      f"{mine['numpy_scw_cwt']['ms']:.2f} ms per matrix "
                      f"(speed-up {mine['numpy_scw_cwt']['ms'] / mine['random']['ms']:.2f}x)")
            for cost, unit in (("ms", "ms"), ("passes", "passes")):
                print(f"  Pareto front, error vs {cost}: " + "; ".join(
                    f"{label(o)} ({o[cost]:.3g} {unit}, {o['rel']:.2e})"
                    for o in front(opts, cost)))
                checks = budget_check(opts, cost)
                for peer, best, ratio in checks:
                    print(f"    budget {peer[cost]:8.3g} {unit:6s} {label(peer):18s} {peer['rel']:9.2e}"
                          f"  best sketchd within it: "
                          + (f"{label(best):20s} {best['rel']:9.2e}  ratio {ratio:9.3g}"
                             if best else "none"))
                judged = [c for c in checks if c[0]["method"] != "scipy_svds"]
                if judged:
                    worst = min(judged, key=lambda c: c[2])
                    verdict = "met" if worst[2] >= 2 else "MISSED"
                    verdicts.append((ds, k, cost, worst[2], verdict, label(worst[0])))
                    print(f"  target (sketchd >= 2x more accurate than every randomized_svd "
                          f"option at its {cost} budget): {verdict}; worst ratio {worst[2]:.3g} "
                          f"against {label(worst[0])}")
    print("\n== summary of targets")
    for ds, k, cost, ratio, verdict, against in verdicts:
        print(f"  {ds:10s} k={k:<3d} by {cost:6s}: worst peer/sketchd error ratio {ratio:8.3g} "
              f"(against {against}) -> {verdict}")

    if args.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        keys = [(ds, k) for ds in dict.fromkeys(o["ds"] for o in summary) for k, _ in km]
        fig, axes = plt.subplots(len(keys), 2, figsize=(11, 3.2 * len(keys)), squeeze=False)
        for row, (ds, k) in enumerate(keys):
            opts = [o for o in summary if o["ds"] == ds and o["k"] == k]
            for col, cost in enumerate(("ms", "passes")):
                ax = axes[row][col]
                for method in dict.fromkeys(o["method"] for o in opts):
                    pts = sorted((o[cost], max(o["rel"], 1e-16)) for o in opts
                                 if o["method"] == method)
                    ax.plot(*zip(*pts), "s--" if method.startswith(("sk", "sc", "nu")) else "o-",
                            label=method)
                ax.set_yscale("log")
                ax.set_xscale("log" if cost == "ms" else "linear")
                ax.set_xlabel("ms per matrix" if cost == "ms" else "passes over A")
                ax.set_ylabel("relative excess error")
                ax.set_title(f"{ds}, k={k}")
                ax.grid(True, which="both", alpha=0.3)
                if row == 0 and col == 0:
                    ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(args.png, dpi=110)
        print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
