"""Exported sketches: to_scipy(), apply(), and the sketch-file format shared
with sketchctl (read and written through the core bindings)."""

import subprocess

import numpy as np
import pytest
import scipy.sparse

import sketchd
from sketchd import _core


def test_export_to_scipy_is_a_countsketch_equal_to_the_servers(client, trained_dataset, family):
    name, job = trained_dataset
    sketch = client.export_sketch(name)
    assert sketch.version == job.sketch_version and sketch.method == "inner_product"
    assert (sketch.m, sketch.n, sketch.k) == (12, family.shape[1], 4)
    s = sketch.to_scipy()
    assert isinstance(s, scipy.sparse.csr_matrix) and s.shape == (12, family.shape[1])
    # One nonzero per column in each block, in that block's rows.
    assert np.all(np.diff(s.tocsc().indptr) == len(sketch.block_rows))
    # The parsed sketch-file bytes the server sent describe the same operator.
    core = _core.TrainedSketch.parse(sketch._serialized)
    np.testing.assert_array_equal(core.positions, sketch.positions)
    np.testing.assert_array_equal(core.values, sketch.values)
    a = family[21]
    sa = s @ a
    np.testing.assert_allclose(sketch.apply(a), sa, rtol=1e-13, atol=1e-15)
    # The server's Z = V W_k lies in the row space of its SA: project onto row(S @ A).
    _, z, _ = client.low_rank(name, a, 4)
    basis = np.linalg.svd(sa, full_matrices=False)[2]
    np.testing.assert_allclose(basis.T @ (basis @ z), z, atol=1e-10)


def test_random_selector_equals_core_random_sketch(client, trained_dataset, family):
    name, _ = trained_dataset
    a = family[22]
    y, z, _ = client.low_rank(name, a, 3, sketch=("random", 9, 42))
    y_local, z_local, _ = sketchd.local.low_rank(sketchd.Sketch.random(9, a.shape[0], 42), a, 3)
    np.testing.assert_allclose(y @ z.T, y_local @ z_local.T, atol=1e-12)


def test_save_load_round_trip_and_sketchctl_files(client, trained_dataset, sketchctl_bin,
                                                  server, tmp_path, family):
    name, job = trained_dataset
    sketch = client.export_sketch(name)
    ours = tmp_path / "ours.sketch"
    sketch.save(ours)
    theirs = tmp_path / "theirs.sketch"
    subprocess.run([sketchctl_bin, "--server", server.address, "sketches", "export", name,
                    str(theirs)], check=True, capture_output=True)
    assert ours.read_bytes() == theirs.read_bytes()
    loaded = sketchd.load_sketch(theirs)
    np.testing.assert_array_equal(loaded.positions, sketch.positions)
    np.testing.assert_array_equal(loaded.values, sketch.values)
    assert (loaded.method, loaded.k, loaded.m) == ("inner_product", 4, 12)
    assert loaded.validation["ratio"] == pytest.approx(sketch.validation["ratio"])
    # A locally trained sketch saved from Python is a file sketchctl local uses.
    local = sketchd.local.train(family[:8], method="random", k=3, m=9, seed=5)
    path = tmp_path / "local.sketch"
    local.save(path)
    a = family[23]
    np.save(tmp_path / "a.npy", a)
    subprocess.run([sketchctl_bin, "local", "lowrank", "--sketch", str(path), "--k", "3",
                    "--left", str(tmp_path / "y.npy"), "--right", str(tmp_path / "z.npy"),
                    str(tmp_path / "a.npy")], check=True, capture_output=True)
    y, z, _ = sketchd.local.low_rank(sketchd.load_sketch(path), a, 3)
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), y)
    np.testing.assert_array_equal(np.load(tmp_path / "z.npy"), z)


def test_corrupt_sketch_file_is_data_loss(tmp_path, family):
    path = tmp_path / "bad.sketch"
    sketchd.local.train(family[:4], method="random", k=2, m=5).save(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(sketchd.DataLoss, match="checksum"):
        sketchd.load_sketch(path)
