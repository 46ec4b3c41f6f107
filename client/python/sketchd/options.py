"""Training options: one list of names for the server (proto TrainingOptions)
and for in-process training (core's key=value options text), so ``train(...,
**options)`` accepts the same keywords in both places."""

from google.protobuf.descriptor import FieldDescriptor as _FieldDescriptor

from sketchd.v1 import sketchd_pb2 as pb

TASKS = {"lowrank": pb.TASK_LOW_RANK, "regression": pb.TASK_REGRESSION}

# Keyword → type, read from the proto's TrainingOptions fields (whose names are
# also core's option-table names, checked by tests/server/training_options_wire_test.cc),
# so a new option needs no edit here. Method names are not listed here either:
# the server (or core, in process) checks them against its one list.
_POSITIONAL = ("method", "task", "k", "m", "seed")
_PYTHON_TYPES = {
    _FieldDescriptor.TYPE_INT32: int,
    _FieldDescriptor.TYPE_INT64: int,
    _FieldDescriptor.TYPE_UINT64: int,
    _FieldDescriptor.TYPE_DOUBLE: float,
    _FieldDescriptor.TYPE_BOOL: bool,
}
TRAINING_OPTIONS = {
    field.name: _PYTHON_TYPES[field.type]
    for field in pb.TrainingOptions.DESCRIPTOR.fields
    if field.name not in _POSITIONAL and field.type in _PYTHON_TYPES
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
