"""What low_rank and solve return besides the arrays."""

from dataclasses import dataclass, field
from typing import Optional

import numpy as np


@dataclass
class AutoTrial:
    """One candidate of ``sketch="auto"``, tried on the request's matrix or skipped."""

    candidate: str          # "default" | "subspace" | "random"
    sketch_version: int     # 0 for the random candidate
    m: int
    tried: bool
    skipped_reason: str     # why it was not tried ("" when tried)
    power_iters: int
    passes: int
    error: float            # exact ‖A − YZᵀ‖_F of this candidate's answer
    relative_error: float   # error / ‖A‖_F
    seconds: float
    chosen: bool
    block_krylov: bool = False  # iterates kept as a block Krylov basis


@dataclass
class AutoChoice:
    """Which candidate answered a ``sketch="auto"`` request, and every candidate's error."""

    chosen: str
    trials: list            # AutoTrial, in the order tried
    max_passes: int         # the budget applied
    total_passes: int       # reads of A over all candidates tried


@dataclass
class OnePass:
    """Options of a one-pass low_rank (a two-sided sketch: A is read once
    and never held by the server). 0 = the server's default for each."""

    range_m: int = 0               # rows of the range sketch R (0 = the sketch's m)
    core_m: int = 0                # rows of the core sketches T, W (0 = 2·max(m, m_r) + 1)
    seed: int = 0                  # of R (when random), T and W
    right_sketch_version: int = 0  # a stored sketch trained with transpose=True, 0 = random R


@dataclass
class OnePassInfo:
    """What a one-pass answer used: the sketched state the server held
    (SA, AR, TAW) in place of A, and the sizes of R and of T, W."""

    state_bytes: int
    core_m: int
    range_m: int
    right_sketch_version: int      # 0 = random R


@dataclass
class LowRankInfo:
    """Summary of one low-rank approximation A ≈ Y Zᵀ."""

    rank: int                   # numerical rank of SA, capped at k
    singular_values: np.ndarray  # k values, descending
    sketch_version: int          # 0 for a random sketch
    sketch_m: int
    timings: dict = field(default_factory=dict)  # seconds per phase
    # The exact error ‖A − YZᵀ‖_F and its fraction of ‖A‖_F (server answers;
    # 0 for a one-pass answer, which never held A), and the reads of A.
    error: float = 0.0
    relative_error: float = 0.0
    passes: int = 0
    power_iters: int = 0         # q: the server's subspace iterations
    block_krylov: bool = False   # iterates kept as a block Krylov basis
    auto_choice: Optional[AutoChoice] = None  # sketch="auto" only
    one_pass: Optional[OnePassInfo] = None    # one_pass answers only


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


def auto_choice_from_proto(choice):
    """LowRankSummary.auto_choice → AutoChoice."""
    trials = [AutoTrial(candidate=t.candidate, sketch_version=t.sketch_version, m=t.m,
                        tried=t.tried, skipped_reason=t.skipped_reason,
                        power_iters=t.power_iters, passes=t.passes, error=t.error,
                        relative_error=t.relative_error, seconds=t.seconds, chosen=t.chosen,
                        block_krylov=t.block_krylov)
              for t in choice.trials]
    return AutoChoice(chosen=choice.chosen, trials=trials, max_passes=choice.max_passes,
                      total_passes=choice.total_passes)


def converged_from_stop_reason(stop_reason):
    # The server's rule (server/compute_handlers.cc): only the iteration limit
    # means the answer did not converge.
    return "iteration limit" not in stop_reason
