"""NumPy matrices as the row blocks of the sketchd wire format.

The wire carries packed little-endian float32 or float64 values, row-major
(proto/sketchd/v1/sketchd.proto). A matrix is sent in blocks of about
``chunk_bytes`` so every message stays far below gRPC's 4 MiB limit, and each
block is copied exactly once, straight from the caller's array in whatever
order and strides it has: the whole matrix is never duplicated in memory.
"""

import numpy as np

from sketchd import errors
from sketchd.v1 import sketchd_pb2 as pb

DEFAULT_CHUNK_BYTES = 1 << 20

_FLOAT32 = np.dtype("<f4")
_FLOAT64 = np.dtype("<f8")


def as_real_array(value, what, ndim):
    """``value`` as an ndarray of real numbers with ``ndim`` dimensions (no copy if it is one)."""
    array = np.asanyarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what}: dtype {array.dtype} is not a real number type "
                        "(use float32 or float64)")
    if array.ndim != ndim:
        raise ValueError(f"{what}: expected {ndim} dimensions, got shape {array.shape}")
    return array


def matrix_list(matrices, what="matrices"):
    """A 3-D stack or a sequence of 2-D arrays as a list of 2-D arrays (views, no copies)."""
    if isinstance(matrices, np.ndarray) and matrices.ndim == 2:
        return [matrices]
    if isinstance(matrices, np.ndarray):
        stack = as_real_array(matrices, what, 3)
        return [stack[i] for i in range(stack.shape[0])]
    out = [as_real_array(a, f"{what}[{i}]", 2) for i, a in enumerate(matrices)]
    if not out:
        raise ValueError(f"{what}: no matrices given")
    return out


def wire_dtype(*arrays):
    """float32 on the wire when every array is float32 (or narrower floats), else float64."""
    if all(a.dtype.kind == "f" and a.dtype.itemsize <= 4 for a in arrays):
        return _FLOAT32, pb.DTYPE_FLOAT32
    return _FLOAT64, pb.DTYPE_FLOAT64


def rows_per_block(cols, itemsize, chunk_bytes):
    return max(1, int(chunk_bytes) // max(1, cols * itemsize))


def row_blocks(matrix, dtype, chunk_bytes=DEFAULT_CHUNK_BYTES):
    """Yields ``pb.RowBlock`` messages covering ``matrix`` (2-D) top to bottom."""
    rows, cols = matrix.shape
    step = rows_per_block(cols, dtype.itemsize, chunk_bytes)
    as_is = matrix.dtype == dtype
    for r0 in range(0, rows, step):
        block = matrix[r0:r0 + step]
        if not as_is:
            block = block.astype(dtype, order="C")
        # tobytes(order="C") reads any strides: the one copy of these rows.
        yield pb.RowBlock(rows=block.shape[0], data=block.tobytes(order="C"))


def augmented_row_blocks(a, b, dtype, chunk_bytes=DEFAULT_CHUNK_BYTES):
    """Row blocks of [A | b] without forming the n×(d+1) matrix."""
    rows, cols = a.shape
    step = rows_per_block(cols + 1, dtype.itemsize, chunk_bytes)
    buffer = np.empty((min(step, rows), cols + 1), dtype=dtype)
    for r0 in range(0, rows, step):
        r = min(step, rows - r0)
        block = buffer[:r]
        block[:, :cols] = a[r0:r0 + r]
        block[:, cols] = b[r0:r0 + r]
        yield pb.RowBlock(rows=r, data=block.tobytes())


class FactorAssembler:
    """Assembles a float64 factor from ``FactorChunk`` messages, checking every bound
    (a malformed answer is DATA_LOSS, never a silently wrong matrix)."""

    def __init__(self, rows, cols, what):
        self.what = what
        self.matrix = np.empty((rows, cols), dtype=np.float64)
        self._filled = 0

    def add(self, chunk):
        rows, cols = self.matrix.shape
        end = chunk.first_row + chunk.rows
        if (chunk.first_row != self._filled or chunk.rows < 1 or end > rows
                or len(chunk.data) != chunk.rows * cols * 8):
            raise errors.DataLoss(f"server sent a malformed {self.what} chunk (rows "
                                  f"{chunk.first_row}..{end} of {rows}, {len(chunk.data)} bytes)")
        self.matrix[chunk.first_row:end] = np.frombuffer(
            chunk.data, dtype=_FLOAT64).reshape(chunk.rows, cols)
        self._filled = end

    def finish(self):
        if self._filled != self.matrix.shape[0]:
            raise errors.DataLoss(f"server sent {self._filled} of {self.matrix.shape[0]} rows "
                                  f"of {self.what}")
        return self.matrix
