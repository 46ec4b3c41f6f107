"""low_rank and solve through the server, checked against NumPy's exact answers."""

import os
import resource

import numpy as np
import pytest

import sketchd
from conftest import unique_name

N, D = 400, 30


@pytest.fixture(scope="module")
def plain_dataset(client):
    name = unique_name("compute")
    client.create_dataset(name, rows=N)
    return name


@pytest.fixture(scope="module")
def matrix():
    rng = np.random.default_rng(11)
    # Distinct, decaying singular values so the top-k subspace is well defined.
    u, _ = np.linalg.qr(rng.standard_normal((N, D)))
    v, _ = np.linalg.qr(rng.standard_normal((D, D)))
    return (u * (1.5 ** -np.arange(D))) @ v.T


def _strided(array, axis):
    """A view of `array` whose `axis` has stride 2 elements (every other slot of a bigger one)."""
    shape = list(array.shape)
    shape[axis] *= 2
    big = np.full(shape, np.nan)
    index = [slice(None)] * array.ndim
    index[axis] = slice(None, None, 2)
    view = big[tuple(index)]
    view[...] = array
    return view


def test_low_rank_with_full_rank_sketch_is_the_truncated_svd(client, plain_dataset, matrix):
    # m ≥ d: SA has full column rank, V spans ℝ^d and SCW returns exactly A_k.
    k = 5
    y, z, info = client.low_rank(plain_dataset, matrix, k, sketch=("random", 3 * D, 7))
    assert y.shape == (N, k) and z.shape == (D, k) and y.dtype == z.dtype == np.float64
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    np.testing.assert_allclose(info.singular_values, s[:k], rtol=1e-10)
    np.testing.assert_allclose(y @ z.T, (u[:, :k] * s[:k]) @ vt[:k], atol=1e-10)
    np.testing.assert_allclose(z.T @ z, np.eye(k), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(y, axis=0), s[:k], rtol=1e-10)
    assert info.rank == k and info.sketch_version == 0 and info.sketch_m == 3 * D
    assert info.timings["total_seconds"] > 0


def test_low_rank_small_sketch_is_never_better_than_optimal(client, plain_dataset, matrix):
    k = 4
    y, z, _ = client.low_rank(plain_dataset, matrix, k, sketch=("random", 8, 1))
    s = np.linalg.svd(matrix, compute_uv=False)
    optimal = np.sqrt(np.sum(s[k:] ** 2))
    error = np.linalg.norm(matrix - y @ z.T)
    assert optimal <= error < 10 * optimal


def test_float32_fortran_and_strided_inputs_give_the_same_factors(client, plain_dataset, matrix):
    sketch = ("random", 20, 3)
    reference = client.low_rank(plain_dataset, matrix, 3, sketch=sketch)
    for variant in (np.asfortranarray(matrix), _strided(matrix, 1), _strided(matrix, 0)):
        y, z, _ = client.low_rank(plain_dataset, variant, 3, sketch=sketch)
        np.testing.assert_allclose(y, reference[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(z, reference[1], rtol=0, atol=1e-12)
    # float32 travels as float32; the server computes on its exact float64 value.
    single = matrix.astype(np.float32)
    y32, z32, _ = client.low_rank(plain_dataset, np.asfortranarray(single), 3, sketch=sketch)
    y64, z64, _ = client.low_rank(plain_dataset, single.astype(np.float64), 3, sketch=sketch)
    assert y32.dtype == np.float64
    np.testing.assert_array_equal(y32, y64)
    np.testing.assert_array_equal(z32, z64)


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(12)
    a = rng.standard_normal((N, 8)) * np.logspace(0, 2, 8)
    b = a @ rng.standard_normal(8) + 0.1 * rng.standard_normal(N)
    return a, b


def test_solve_lsqr_matches_lstsq(client, plain_dataset, regression):
    a, b = regression
    x, info = client.solve(plain_dataset, a, b, sketch=("random", 80, 2))
    x_ref, *_ = np.linalg.lstsq(a, b, rcond=None)
    np.testing.assert_allclose(x, x_ref, rtol=1e-9)
    assert info.solver == "lsqr" and info.converged
    assert info.residual_norm == pytest.approx(np.linalg.norm(a @ x_ref - b), rel=1e-10)


def test_solve_layouts_and_float32(client, plain_dataset, regression):
    a, b = regression
    x_ref, _ = client.solve(plain_dataset, a, b, sketch=("random", 80, 2))
    x_f, _ = client.solve(plain_dataset, np.asfortranarray(a), b[::1], sketch=("random", 80, 2))
    np.testing.assert_allclose(x_f, x_ref, rtol=1e-12)
    x_s, _ = client.solve(plain_dataset, _strided(a, 1), _strided(b, 0), sketch=("random", 80, 2))
    np.testing.assert_allclose(x_s, x_ref, rtol=1e-12)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    x32, _ = client.solve(plain_dataset, a32, b32, sketch=("random", 80, 2))
    x_ref32, *_ = np.linalg.lstsq(a32.astype(np.float64), b32.astype(np.float64), rcond=None)
    np.testing.assert_allclose(x32, x_ref32, rtol=1e-9)


def test_sketch_and_solve_and_lasso(client, plain_dataset, regression):
    a, b = regression
    optimal = np.linalg.norm(a @ np.linalg.lstsq(a, b, rcond=None)[0] - b)
    x, info = client.solve(plain_dataset, a, b, solver="sketch_and_solve", sketch=("random", 200, 4))
    assert info.solver == "sketch_and_solve"
    assert optimal <= np.linalg.norm(a @ x - b) <= 1.5 * optimal
    radius = 0.5 * np.abs(np.linalg.lstsq(a, b, rcond=None)[0]).sum()
    x, info = client.solve(plain_dataset, a, b, solver="ihs", lasso=radius,
                           sketch=("random", 80, 5), record_objective=True)
    assert info.solver == "ihs" and np.abs(x).sum() <= radius * (1 + 1e-9)
    assert info.residual_norm == pytest.approx(np.linalg.norm(a @ x - b), rel=1e-9)
    assert info.residual_norm > optimal  # the constraint binds
    assert len(info.objective_history) >= 2
    assert info.objective_history[-1] <= info.objective_history[0]


def _peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _reset_peak_rss():
    # Linux ≥ 4.0: writing 5 resets VmHWM to the current RSS.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def test_200_mb_matrix_streams_with_bounded_client_memory(client):
    n, d = 50_000, 500  # 200 MB of float64
    name = unique_name("big")
    client.create_dataset(name, rows=n)
    a = np.empty((n, d))
    rng = np.random.default_rng(13)
    for r0 in range(0, n, 5000):  # filled in slabs: no 200 MB temporary
        a[r0:r0 + 5000] = rng.standard_normal((5000, d))
    assert a.nbytes == 200_000_000
    _reset_peak_rss()
    before = _peak_rss_bytes()
    y, z, info = client.low_rank(name, a, 3, sketch=("random", 12, 1))
    increase = _peak_rss_bytes() - before
    print(f"client peak RSS increase while streaming 200 MB: {increase / 2**20:.1f} MiB")
    assert y.shape == (n, 3) and z.shape == (d, 3)
    # Y itself is 1.2 MB; blocks are 1 MiB. Anything near 200 MB would be a full copy.
    assert increase < 40 * 2**20
    client.delete_dataset(name)


def test_low_rank_block_krylov_beats_power_iterations_at_equal_passes(client, plain_dataset):
    # Slow decay (σ_j ~ j^-1/2): one plain power iteration is far from optimal,
    # the span of both iterates much closer.
    rng = np.random.default_rng(5)
    a = rng.standard_normal((N, D)) / np.sqrt(np.arange(1, D + 1))
    k, sketch = 4, ("random", 8, 2)
    _, _, plain = client.low_rank(plain_dataset, a, k, sketch=sketch, power_iters=1)
    y, z, krylov = client.low_rank(plain_dataset, a, k, sketch=sketch, power_iters=1,
                                   block_krylov=True)
    assert krylov.block_krylov and not plain.block_krylov
    assert krylov.power_iters == plain.power_iters == 1
    assert krylov.passes == plain.passes == 4
    np.testing.assert_allclose(krylov.error, np.linalg.norm(a - y @ z.T), rtol=1e-10)
    assert krylov.error < plain.error
    with pytest.raises(TypeError, match="block_krylov must be True or False"):
        client.low_rank(plain_dataset, a, k, sketch=sketch, power_iters=1, block_krylov="yes")


def test_one_pass_low_rank_reads_a_once_near_the_two_pass_answer(client, plain_dataset, matrix):
    k, sketch = 4, ("random", 12, 3)
    _, _, two = client.low_rank(plain_dataset, matrix, k, sketch=sketch)
    y, z, one = client.low_rank(plain_dataset, matrix, k, sketch=sketch,
                                one_pass=sketchd.OnePass(seed=4))
    assert two.one_pass is None and two.passes == 2
    assert one.passes == 1 and one.error == 0.0  # A was never held: no exact error
    assert isinstance(one.one_pass, sketchd.OnePassInfo)
    assert one.one_pass.range_m == 12 and one.one_pass.core_m == 2 * 12 + 1
    assert one.one_pass.right_sketch_version == 0 and one.one_pass.state_bytes > 0
    # SA (12×30), AR (400×12) and TAW (25×25) in place of A (400×30).
    assert one.one_pass.state_bytes < matrix.nbytes
    s = np.linalg.svd(matrix, compute_uv=False)
    optimal = np.sqrt(np.sum(s[k:] ** 2))
    error = np.linalg.norm(matrix - y @ z.T)
    assert optimal * (1 - 1e-12) <= error <= 2 * two.error
    # True is OnePass() with the server's defaults.
    _, _, default = client.low_rank(plain_dataset, matrix, k, sketch=sketch, one_pass=True)
    assert default.passes == 1 and default.one_pass.core_m == 25


def test_one_pass_bad_arguments_are_refused(client, plain_dataset, matrix):
    sketch = ("random", 12, 3)
    with pytest.raises(TypeError, match="one_pass must be"):
        client.low_rank(plain_dataset, matrix, 4, sketch=sketch, one_pass="yes")
    with pytest.raises(ValueError, match="OnePass.core_m must be ≥ 0"):
        client.low_rank(plain_dataset, matrix, 4, sketch=sketch,
                        one_pass=sketchd.OnePass(core_m=-1))
    with pytest.raises(sketchd.InvalidArgument):
        client.low_rank(plain_dataset, matrix, 4, sketch=sketch, one_pass=True, power_iters=1)
    with pytest.raises(sketchd.InvalidArgument):
        client.low_rank(plain_dataset, matrix, 4, sketch=sketch, one_pass=sketchd.OnePass(core_m=5))
