#!/usr/bin/python3
"""NumPy/SciPy peers for bench/perf (perf_bench drives this over a pipe).

One command per stdin line, one answer line per command on stdout, so the
C++ driver can interleave every peer run with its own (same load, same
moment). Matrices are loaded once by name and kept.

  load NAME PATH            -> "ok SECONDS"           np.load (timed)
  scw NAME M K SEED         -> "SECONDS REL_ERROR"    the five-line NumPy SCW
  loadscw PATH M K SEED     -> "SECONDS REL_ERROR"    np.load + SCW, nothing kept
  ls A B DRIVER [XOUT]      -> "SECONDS RESIDUAL"     one least-squares driver
  drop NAME                 -> "ok"
  quit
"""
import sys
import time

import numpy as np
import scipy.linalg as sla
from scipy.linalg import clarkson_woodruff_transform

held = {}


def scw(a, m, k, seed):
    # SCW as a NumPy user writes it: sketch, basis of the row space, project,
    # SVD of the projection.
    sa = clarkson_woodruff_transform(a, m, seed=seed)
    v = sla.orth(sa.T)
    av = a @ v
    u, s, wt = np.linalg.svd(av, full_matrices=False)
    y = u[:, :k] * s[:k]
    z = v @ wt[:k].T
    return y, z, s[:k]


def rel_error(a, s):
    total = float(np.vdot(a, a))
    return np.sqrt(max(total - float(s @ s), 0.0) / total) if total > 0 else 0.0


def least_squares(a, b, driver):
    if driver == "numpy_lstsq":
        return np.linalg.lstsq(a, b, rcond=None)[0]
    if driver in ("gelsd", "gelsy", "gelss"):
        return sla.lstsq(a, b, lapack_driver=driver, check_finite=False)[0]
    if driver == "qr":
        q, r = sla.qr(a, mode="economic", check_finite=False)
        return sla.solve_triangular(r, q.T @ b, check_finite=False)
    if driver == "normal_cholesky":
        g = a.T @ a
        return sla.cho_solve(sla.cho_factor(g, check_finite=False), a.T @ b, check_finite=False)
    raise ValueError(driver)


def main():
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        cmd = w[0]
        if cmd == "quit":
            break
        if cmd == "load":
            t = time.perf_counter()
            held[w[1]] = np.load(w[2])
            print("ok", time.perf_counter() - t, flush=True)
        elif cmd == "drop":
            held.pop(w[1], None)
            print("ok", flush=True)
        elif cmd == "scw":
            a = held[w[1]]
            t = time.perf_counter()
            _, _, s = scw(a, int(w[2]), int(w[3]), int(w[4]))
            el = time.perf_counter() - t
            print(el, rel_error(a, s), flush=True)
        elif cmd == "loadscw":
            t = time.perf_counter()
            a = np.load(w[1])
            _, _, s = scw(a, int(w[2]), int(w[3]), int(w[4]))
            el = time.perf_counter() - t
            print(el, rel_error(a, s), flush=True)
            del a
        elif cmd == "ls":
            a, b = held[w[1]], held[w[2]]
            t = time.perf_counter()
            x = least_squares(a, b, w[3])
            el = time.perf_counter() - t
            if len(w) > 4:
                np.save(w[4], x)
            print(el, float(np.linalg.norm(a @ x - b)), flush=True)
        else:
            print("error unknown command", cmd, flush=True)


if __name__ == "__main__":
    main()
