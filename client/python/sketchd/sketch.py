"""Sketch: a CountSketch S (m×n) exported from sketchd or trained in process.

Column j of block b has value ``values[b·n + j]`` in row ``positions[b·n + j]``
(proto GetSketchResponse). ``to_scipy()`` gives S as a CSR matrix, so
``sketch.to_scipy() @ A`` equals the server's SA; ``save`` / ``load_sketch``
use the sketch-file format of ``sketchctl sketches export`` and ``sketchctl
local``, decoded by core through the bindings (one decoder for every client).
"""

import numpy as np
import scipy.sparse

from sketchd.options import TASKS


def core_bindings():
    """The compiled core bindings (sketchd._core), imported on first use so the
    client works even where only the pure-Python part is installed."""
    try:
        from sketchd import _core
    except ImportError as e:
        raise ImportError("sketchd._core (the compiled core bindings) is missing: build the "
                          "sketchd_python CMake target or install with pip (client/python/"
                          f"README.md): {e}") from e
    return _core


class Sketch:
    """A CountSketch with the metadata of how it was trained.

    Attributes:
        m, n: shape of S.
        block_rows: rows per vertical block (one block for a plain CountSketch).
        positions: int32 array (blocks·n), global row of each nonzero.
        values: float64 array (blocks·n), the nonzeros.
        method, task, k: how it was trained ("inner_product", "lowrank", 10, ...).
        version: the server's version number (None for a local sketch).
        validation: dict with the held-out figures (learned, random, ratio, ...).
        info: the server's SketchInfo message (None for a local sketch).
    """

    def __init__(self, *, block_rows, n, positions, values, method="", task="lowrank", k=0,
                 version=None, validation=None, info=None, serialized=None, core=None):
        self.block_rows = [int(r) for r in block_rows]
        self.m = int(sum(self.block_rows))
        self.n = int(n)
        self.positions = np.asarray(positions, dtype=np.int32)
        self.values = np.asarray(values, dtype=np.float64)
        expected = len(self.block_rows) * self.n
        if self.positions.shape != (expected,) or self.values.shape != (expected,):
            raise ValueError(f"a sketch with {len(self.block_rows)} block(s) and n = {self.n} needs "
                             f"{expected} positions and values, got {self.positions.shape[0]} and "
                             f"{self.values.shape[0]}")
        self.method = method
        self.task = task
        self.k = int(k)
        self.version = version
        self.validation = validation or {}
        self.info = info
        self._serialized = serialized
        self._core_sketch = core

    @classmethod
    def from_export(cls, response):
        """From a GetSketchResponse (``Client.export_sketch``)."""
        info = response.info
        v = info.validation
        task = next((name for name, value in TASKS.items() if value == info.task), "")
        return cls(block_rows=response.block_rows, n=response.n,
                   positions=np.array(response.positions, dtype=np.int32),
                   values=np.array(response.values, dtype=np.float64),
                   method=info.method, task=task, k=info.k, version=info.version,
                   validation={"metric": v.metric, "num_matrices": v.num_matrices,
                               "learned": v.learned, "random": v.random,
                               "random_seeds": v.random_seeds, "ratio": v.ratio},
                   info=info, serialized=response.serialized or None)

    @classmethod
    def from_core(cls, trained):
        """From a ``sketchd._core.TrainedSketch`` (local training or a file)."""
        sketch = cls(block_rows=trained.block_rows, n=trained.n, positions=trained.positions,
                     values=trained.values, method=trained.method, task=trained.task,
                     k=trained.k, validation=trained.validation, core=trained)
        # A dense `subspace` sketch has no CountSketch blocks: m is its row count.
        sketch.m = int(trained.m)
        return sketch

    @classmethod
    def random(cls, m, n, seed=0):
        """The classical CountSketch (m, n, seed) — the server's ``("random", m, seed)``."""
        return cls.from_core(core_bindings().TrainedSketch.random(int(m), int(n), int(seed)))

    @property
    def core(self):
        """The sketch as core sees it (``sketchd._core.TrainedSketch``)."""
        if self._core_sketch is None:
            core = core_bindings()
            if self._serialized is not None:
                self._core_sketch = core.TrainedSketch.parse(self._serialized)
            else:
                self._core_sketch = core.TrainedSketch.from_blocks(
                    self.block_rows, self.n, self.positions, self.values)
        return self._core_sketch

    def to_scipy(self):
        """S as a ``scipy.sparse.csr_matrix`` (m×n, float64)."""
        blocks = len(self.block_rows)
        columns = np.tile(np.arange(self.n, dtype=np.int64), blocks)
        return scipy.sparse.csr_matrix((self.values, (self.positions, columns)),
                                       shape=(self.m, self.n))

    def apply(self, a):
        """S·A for a dense A with n rows (float64 result, m×d), computed by core."""
        return self.core.apply(a)

    def save(self, path):
        """Writes the sketch file that ``sketchctl local`` and ``load_sketch`` read."""
        data = self._serialized if self._serialized is not None else self.core.serialize()
        with open(path, "wb") as f:
            f.write(data)

    def __repr__(self):
        version = f" v{self.version}" if self.version is not None else ""
        return f"<sketchd.Sketch{version} {self.method or 'countsketch'} m={self.m} n={self.n}>"


def load_sketch(path):
    """Reads a sketch file (``sketchctl sketches export`` / ``local train`` / ``Sketch.save``)."""
    with open(path, "rb") as f:
        data = f.read()
    sketch = Sketch.from_core(core_bindings().TrainedSketch.parse(data))
    sketch._serialized = data
    return sketch
