"""In-process bindings: the same numbers as the server, without copies where
the layout allows."""

import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import sketchd
from conftest import unique_name
from sketchd import _core


def test_low_rank_equals_the_servers_answer(client, trained_dataset, family):
    name, _ = trained_dataset
    sketch = client.export_sketch(name)
    for a in (family[20], np.asfortranarray(family[21])):
        y_server, z_server, info_server = client.low_rank(name, a, 4)
        y, z, info = sketchd.local.low_rank(sketch, a, 4)
        np.testing.assert_allclose(y @ z.T, y_server @ z_server.T, rtol=0, atol=1e-12)
        np.testing.assert_allclose(info.singular_values, info_server.singular_values, rtol=1e-12)
        assert info.rank == info_server.rank and info.sketch_version == sketch.version


def test_training_equals_the_servers_training(client, trained_dataset, family):
    name, job = trained_dataset
    server_sketch = client.export_sketch(name, version=job.sketch_version)
    local = sketchd.local.train(family[:20], method="inner_product", k=4, m=12, seed=3, threads=2)
    np.testing.assert_array_equal(local.positions, server_sketch.positions)
    np.testing.assert_allclose(local.values, server_sketch.values, rtol=1e-12, atol=1e-14)
    assert local.validation["ratio"] == pytest.approx(server_sketch.validation["ratio"], rel=1e-9)


def test_solve_equals_the_servers_solve(client):
    name = unique_name("solve")
    client.create_dataset(name, rows=200)
    rng = np.random.default_rng(21)
    a = rng.standard_normal((200, 6))
    b = a @ np.arange(1.0, 7.0) + 0.01 * rng.standard_normal(200)
    for solver in ("lsqr", "sketch_and_solve", "ihs"):
        x_server, info_server = client.solve(name, a, b, solver=solver, sketch=("random", 60, 9))
        x, info = sketchd.local.solve(a, b, solver=solver, sketch=("random", 60, 9))
        np.testing.assert_allclose(x, x_server, rtol=1e-12, atol=1e-14)
        assert info.iterations == info_server.iterations
        assert info.residual_norm == pytest.approx(info_server.residual_norm, rel=1e-12)
    x_ref, *_ = np.linalg.lstsq(a, b, rcond=None)
    np.testing.assert_allclose(sketchd.local.solve(np.asfortranarray(a), b)[0], x_ref, rtol=1e-10)


def test_regression_training_and_heavy_rows(family):
    rng = np.random.default_rng(22)
    problems = []
    for _ in range(6):
        a = rng.standard_normal((120, 4))
        a[:5] *= 30  # a few rows with high leverage in every problem
        problems.append(np.hstack([a, (a @ np.ones(4) + rng.standard_normal(120))[:, None]]))
    sketch = sketchd.local.train(problems, method="heavy_rows", task="regression", m=24, seed=1)
    assert sketch.task == "regression" and sketch.m == 24
    assert set(range(5)) <= set(sketch.core.heavy_rows)
    a, b = problems[0][:, :4], problems[0][:, 4]
    x, info = sketchd.local.solve(a, b, sketch=sketch, solver="ihs", lasso=2.0)
    assert np.abs(x).sum() <= 2.0 * (1 + 1e-9) and info.iterations >= 1


@pytest.mark.parametrize("make, layout, zero_copy", [
    (lambda a: a, "row_major", True),
    (np.asfortranarray, "col_major", True),
    (lambda a: a[:, 1:5], "row_major", True),           # row slice: outer stride > cols
    (lambda a: np.asfortranarray(a)[2:9], "col_major", True),
    (lambda a: a[::2], "row_major", True),              # every other row: outer stride 2·cols
    (lambda a: a[:, ::2], "row_major", False),          # every other column: copied once
    (lambda a: a.astype(np.float32), "row_major", False),
    (lambda a: a.astype(">f8"), "row_major", False),    # byte-swapped
])
def test_matrix_views_copy_only_when_needed(make, layout, zero_copy):
    a = make(np.arange(60.0).reshape(10, 6))
    assert _core.matrix_layout(a) == (layout, zero_copy)
    # Whatever the layout, core sees the same numbers.
    sketch = sketchd.Sketch.random(4, a.shape[0], 1)
    np.testing.assert_allclose(sketch.apply(a), sketch.to_scipy() @ np.asarray(a, np.float64),
                               rtol=1e-14)


def test_bindings_raise_sketchd_errors(family):
    sketch = sketchd.Sketch.random(5, family.shape[1], 0)
    with pytest.raises(sketchd.InvalidArgument):
        sketchd.local.low_rank(sketch, family[0], 0)
    with pytest.raises(ValueError, match="rows but the sketch applies to"):
        sketch.apply(np.ones((3, 3)))
    with pytest.raises(TypeError, match="not a real number type"):
        sketch.apply(np.ones((family.shape[1], 2), dtype=complex))
    with pytest.raises(sketchd.InvalidArgument):
        sketchd.local.train(family[:4], method="no_such_method", k=2, m=4)


def test_progress_callback_and_cancelling_from_it(family):
    seen = []
    sketchd.local.train(family[:10], method="ivy", k=3, m=8, iterations=40,
                        progress=lambda f, msg: seen.append(f))
    assert seen and all(0 <= f <= 1 for f in seen)

    class Stop(Exception):
        pass

    def stop(fraction, message):
        raise Stop(message)

    with pytest.raises(Stop):
        sketchd.local.train(family[:10], method="ivy", k=3, m=8, iterations=100000, progress=stop)


def test_gil_is_released_during_core_calls(family):
    # While one thread trains in core, another keeps running Python code. With
    # the GIL held for the whole call, the ticker could not tick in between.
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.monotonic())
            done.wait(0.005)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.02)
    start = time.monotonic()
    try:
        # A time budget, not a step count, fixes how long core runs: a fixed
        # number of steps was too short to tell on a fast machine.
        sketchd.local.train(family[:10], method="ivy", k=3, m=8, iterations=10**6,
                            time_budget_seconds=0.5)
    finally:
        end = time.monotonic()
        done.set()
        t.join()
    assert end - start > 0.1, "training too short to tell"
    during = [tick for tick in ticks if start < tick < end]
    assert len(during) >= 5, (len(during), end - start)


def test_ctrl_c_cancels_local_training(tmp_path):
    script = tmp_path / "train_forever.py"
    script.write_text(
        "import sys, time, numpy as np, sketchd\n"
        "family = np.random.default_rng(0).standard_normal((12, 200, 40))\n"
        "print('started', flush=True)\n"
        "try:\n"
        "    sketchd.local.train(family, method='ivy', k=3, m=8, iterations=10**6)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "    sys.exit(0)\n"
        "sys.exit(3)\n")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "started"
        time.sleep(1.0)  # well inside core's training loop
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0 and out.strip() == "interrupted"


def test_keyword_options_are_cores_option_table(family):
    # The keywords train() accepts (read from the proto) are the rows of core's
    # option table (the keys of its stored options text), no more, no less.
    trained = _core.train(list(family[:3]), "method=random\nk=2\nm=6")
    core_names = {line.split("=", 1)[0] for line in trained.options_text.splitlines()}
    assert core_names == set(sketchd.options.TRAINING_OPTIONS) | set(sketchd.options._POSITIONAL)


def test_dense_subspace_sketch_in_process(family):
    # A dense learned sketch: m and n as used, and low_rank equal to SCW with
    # S itself (V = orth((SA)ᵀ), answer [AV]_k Vᵀ) computed here in NumPy.
    sketch = sketchd.local.train(family[:12], method="subspace", k=3, m=8, seed=1)
    a = family[20]
    assert sketch.m == 8 and sketch.n == a.shape[0]
    s = sketch.core.dense
    assert s.shape == (8, a.shape[0])
    v, _ = np.linalg.qr((s @ a).T)
    u, sv, wt = np.linalg.svd(a @ v, full_matrices=False)
    reference = (u[:, :3] * sv[:3]) @ wt[:3] @ v.T
    for layout in (a, np.asfortranarray(a)):
        y, z, info = sketchd.local.low_rank(sketch, layout, 3)
        assert info.sketch_m == 8
        np.testing.assert_allclose(y @ z.T, reference, rtol=0, atol=1e-10 * np.linalg.norm(a))
