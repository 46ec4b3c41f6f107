"""What low_rank and solve return besides the arrays."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class LowRankInfo:
    """Summary of one low-rank approximation A ≈ Y Zᵀ."""

    rank: int                   # numerical rank of SA, capped at k
    singular_values: np.ndarray  # k values, descending
    sketch_version: int          # 0 for a random sketch
    sketch_m: int
    timings: dict = field(default_factory=dict)  # seconds per phase


@dataclass
class SolveInfo:
    """Diagnostics of one solve of min ‖Ax − b‖ (or the LASSO)."""

    residual_norm: float  # ‖Ax − b‖₂
    iterations: int
    converged: bool       # False when the iteration limit stopped it
    stop_reason: str
    solver: str           # "sketch_and_solve" | "lsqr" | "ihs"
    sketch_version: int = 0
    sketch_m: int = 0
    objective_history: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)


def converged_from_stop_reason(stop_reason):
    # The server's rule (server/compute_handlers.cc): only the iteration limit
    # means the answer did not converge.
    return "iteration limit" not in stop_reason
