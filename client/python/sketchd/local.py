"""Local mode: train and apply sketches in this process with core, no server.

The same core calls the server makes (and ``sketchctl local``), on NumPy
arrays: float64 arrays in C or Fortran order (or row/column slices of them)
are read in place; anything else is converted once. The GIL is released while
core runs, so other Python threads keep going.

    sketch = sketchd.local.train(frames[:80], method="inner_product", k=10, m=20)
    Y, Z, info = sketchd.local.low_rank(sketch, frames[90], k=10)
    x, info = sketchd.local.solve(A, b, sketch=("random", 200, 0))
"""

from sketchd.options import training_options_text
from sketchd.progress import ProgressDisplay
from sketchd.results import LowRankInfo, SolveInfo, converged_from_stop_reason
from sketchd.sketch import Sketch, core_bindings
from sketchd.streaming import as_real_array, matrix_list


def train(matrices, method="inner_product", task="lowrank", k=10, m=20, seed=0, progress=False,
          **options):
    """Trains a sketch on equally shaped matrices (regression: each is [A | b]).

    ``progress``: True shows a progress bar, a callable gets (fraction, message).
    Returns a :class:`sketchd.Sketch`; its ``validation`` holds the held-out figures.
    """
    text = training_options_text(method, task, k, m, seed, options)
    display = None
    if callable(progress):
        callback = progress
    elif progress:
        display = ProgressDisplay(f"training {method}")
        callback = display.update
    else:
        callback = None
    try:
        trained = core_bindings().train(matrix_list(matrices), text, callback)
    finally:
        if display is not None:
            display.close()
    return Sketch.from_core(trained)


def _sketch_for(sketch, n):
    """A core sketch from a Sketch, a file path, or ("random", m[, seed])."""
    if isinstance(sketch, Sketch):
        return sketch.core
    if isinstance(sketch, tuple) and sketch and sketch[0] == "random":
        m = sketch[1]
        seed = sketch[2] if len(sketch) > 2 else 0
        return core_bindings().TrainedSketch.random(int(m), int(n), int(seed))
    if isinstance(sketch, str):
        from sketchd.sketch import load_sketch
        return load_sketch(sketch).core
    raise TypeError("sketch must be a sketchd.Sketch, a sketch file path or ('random', m, seed)")


def low_rank(sketch, a, k):
    """SCW rank-k approximation A ≈ Y Zᵀ with ``sketch`` → (Y, Z, LowRankInfo)."""
    a = as_real_array(a, "A", 2)
    core_sketch = _sketch_for(sketch, a.shape[0])
    y, z, singular_values, rank, timings = core_bindings().low_rank(core_sketch, a, int(k))
    version = sketch.version if isinstance(sketch, Sketch) and sketch.version else 0
    return y, z, LowRankInfo(rank=rank, singular_values=singular_values, sketch_version=version,
                             sketch_m=core_sketch.m, timings=timings)


def solve(a, b, sketch=None, solver="lsqr", lasso=None, tolerance=0.0, max_iterations=0,
          record_objective=False):
    """min ‖Ax − b‖ (or ‖x‖₁ ≤ lasso with solver="ihs") → (x, SolveInfo).

    ``sketch``: None (the solver's default random sketch), a Sketch or file
    path (a trained regression sketch), or ("random", m[, seed]) as for the
    server's random selector.
    """
    a = as_real_array(a, "A", 2)
    b = as_real_array(b, "b", 1)
    trained, random_m, seed = None, 0, 0
    if isinstance(sketch, tuple) and sketch and sketch[0] == "random":
        random_m = int(sketch[1])
        seed = int(sketch[2]) if len(sketch) > 2 else 0
    elif sketch is not None:
        trained = _sketch_for(sketch, a.shape[0])
    r = core_bindings().solve(a, b, solver=solver, sketch=trained, random_m=random_m, seed=seed,
                    lasso=lasso, tolerance=float(tolerance), max_iterations=int(max_iterations),
                    record_objective=bool(record_objective))
    version = sketch.version if isinstance(sketch, Sketch) and sketch.version else 0
    return r["x"], SolveInfo(residual_norm=r["residual_norm"], iterations=r["iterations"],
                             converged=converged_from_stop_reason(r["stop_reason"]),
                             stop_reason=r["stop_reason"], solver=r["solver"],
                             sketch_version=version,
                             sketch_m=trained.m if trained is not None else random_m,
                             objective_history=list(r["objective"]), timings=r["timings"])


def evaluate_low_rank(a, y, z, k):
    """‖A − YZᵀ‖_F vs the exact optimum ‖A − A_k‖_F: dict with error, optimal_error,
    excess_error and relative_excess (core EvaluateLowRank)."""
    return core_bindings().evaluate_low_rank(as_real_array(a, "A", 2), y, z, int(k))
