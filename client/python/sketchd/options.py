"""Training options: one list of names for the server (proto TrainingOptions)
and for in-process training (core's key=value options text), so ``train(...,
**options)`` accepts the same keywords in both places."""

from sketchd.v1 import sketchd_pb2 as pb

TASKS = {"lowrank": pb.TASK_LOW_RANK, "regression": pb.TASK_REGRESSION}
METHODS = ("random", "ivy", "mixed", "inner_product", "greedy", "heavy_rows")

# Keyword → type; the names are both the proto fields and core's option keys.
TRAINING_OPTIONS = {
    "iterations": int,
    "batch_size": int,
    "learning_rate": float,
    "validation_fraction": float,
    "time_budget_seconds": float,
    "threads": int,
    "mixed_joint": bool,
    "refine_values": bool,
    "append_sampled_rows": bool,
    "greedy_leverage_order": bool,
    "heavy_fraction": float,
    "learn_values": bool,
    "lasso_lambda_fraction": float,
}


def _checked(method, task, k, m, seed, options):
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    unknown = sorted(set(options) - set(TRAINING_OPTIONS))
    if unknown:
        raise TypeError(f"unknown training option(s) {unknown}; known: {sorted(TRAINING_OPTIONS)}")
    if int(seed) < 0:
        raise ValueError(f"seed must be ≥ 0, got {seed}")
    values = {name: TRAINING_OPTIONS[name](value) for name, value in options.items()}
    return str(method), task, int(k), int(m), int(seed), values


def training_options_proto(method, task, k, m, seed, options):
    method, task, k, m, seed, values = _checked(method, task, k, m, seed, options)
    return pb.TrainingOptions(method=method, task=TASKS[task], k=k, m=m, seed=seed, **values)


def training_options_text(method, task, k, m, seed, options):
    """core EncodeTrainOptions-style text: core applies its defaults to absent keys."""
    method, task, k, m, seed, values = _checked(method, task, k, m, seed, options)
    lines = [f"method={method}", f"task={task}", f"k={k}", f"m={m}", f"seed={seed}"]
    for name, value in values.items():
        lines.append(f"{name}={int(value) if isinstance(value, bool) else repr(value)}")
    return "\n".join(lines)
