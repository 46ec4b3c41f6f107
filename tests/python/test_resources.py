"""Datasets, uploads, jobs and sketches through sketchd.Client."""

import grpc
import numpy as np
import pytest

import sketchd
from conftest import low_rank_family, unique_name


def test_health(client):
    assert client.health() == "SERVING"


def test_dataset_lifecycle(client):
    name = unique_name("ds")
    created = client.create_dataset(name, rows=50, cols=7, description="for a test")
    assert (created.name, created.n, created.d, created.description) == (name, 50, 7, "for a test")
    got = client.get_dataset(name)
    assert got.n == 50 and got.num_training_matrices == 0
    assert name in [d.name for d in client.list_datasets()]
    client.delete_dataset(name)
    assert name not in [d.name for d in client.list_datasets()]
    with pytest.raises(sketchd.NotFound):
        client.get_dataset(name)


def test_upload_stack_list_and_float32(client):
    name = unique_name("up")
    client.create_dataset(name, rows=30)
    stack = np.random.default_rng(1).standard_normal((3, 30, 5))
    r = client.upload(name, stack)
    assert (r.matrices_received, r.total_matrices) == (3, 3)
    assert r.bytes_received == stack.nbytes
    # A list of float32 matrices (one Fortran-ordered) travels as float32: half the bytes.
    r = client.upload(name, [stack[0].astype(np.float32),
                             np.asfortranarray(stack[1]).astype(np.float32)])
    assert (r.matrices_received, r.total_matrices) == (2, 5)
    assert r.bytes_received == stack[:2].nbytes // 2
    info = client.get_dataset(name)
    assert (info.num_training_matrices, info.training_cols) == (5, 5)


def test_train_wait_job_and_sketch_listing(client, trained_dataset):
    name, job = trained_dataset
    assert job.succeeded and job.done and job.progress == 1.0
    assert job.dataset == name and job.options.method == "inner_product"
    assert job.sketch_version is not None
    assert client.get_job(job.job_id).state == "succeeded"
    assert job.job_id in [j.job_id for j in client.list_jobs(name)]
    states = list(client.watch_job(job.job_id))
    assert states[-1].state == "succeeded"
    sketches = client.list_sketches(name, task="lowrank")
    assert [s.version for s in sketches] == [job.sketch_version]
    assert sketches[0].is_default and sketches[0].m == 12 and sketches[0].k == 4
    # The family shares its column space: the learned sketch validates better than random.
    assert 0 < sketches[0].validation.ratio < 1


def test_train_progress_plain_output(client, capsys):
    name = unique_name("progress")
    client.create_dataset(name, rows=60)
    client.upload(name, low_rank_family(4, 60, 12, seed=5))
    job = client.train(name, method="random", k=2, m=6, progress=True)
    err = capsys.readouterr().err
    assert f"job {job.job_id} (random)" in err
    assert f"succeeded: sketch v{job.sketch_version}" in err


def test_default_and_delete_sketch(client):
    name = unique_name("versions")
    client.create_dataset(name, rows=60)
    client.upload(name, low_rank_family(4, 60, 12, seed=6))
    first = client.train(name, method="random", k=2, m=6, seed=1, progress=False)
    second = client.train(name, method="random", k=2, m=8, seed=2, progress=False)
    assert client.export_sketch(name).version == first.sketch_version  # the first is default
    info = client.set_default_sketch(name, second.sketch_version)
    assert info.is_default and info.version == second.sketch_version
    assert client.export_sketch(name).m == 8
    # Deleting the default makes the newest remaining sketch of the task the default.
    client.delete_sketch(name, second.sketch_version)
    assert [s.version for s in client.list_sketches(name)] == [first.sketch_version]
    assert client.export_sketch(name).version == first.sketch_version
    with pytest.raises(sketchd.NotFound):
        client.export_sketch(name, version=second.sketch_version)


def test_cancel_and_restart_job(client):
    name = unique_name("cancel")
    client.create_dataset(name, rows=300)
    client.upload(name, low_rank_family(16, 300, 60, seed=7))
    # ivy with very many steps runs long enough to be cancelled mid-way.
    job = client.train(name, method="ivy", k=4, m=10, iterations=1000000, wait=False)
    assert job.state in ("queued", "running")
    job.cancel()
    job.wait(progress=False, raise_on_failure=False)
    assert job.state == "cancelled"
    with pytest.raises(sketchd.FailedPrecondition):
        client.cancel_job(job.job_id)  # already terminal
    again = job.restart()
    assert again.restarted_from == job.job_id and again.options.iterations == 1000000
    again.cancel()
    with pytest.raises(sketchd.JobFailed) as failed:
        again.wait(progress=False)
    assert failed.value.job.state == "cancelled"
    # The job's status code picks the class: CANCELLED → sketchd.Cancelled.
    assert isinstance(failed.value, sketchd.Cancelled)
    assert failed.value.code == grpc.StatusCode.CANCELLED
    assert failed.value.job.error_code == grpc.StatusCode.CANCELLED


def test_failed_job_raises_job_failed(client):
    name = unique_name("fail")
    client.create_dataset(name, rows=40)
    client.upload(name, low_rank_family(3, 40, 8, seed=8))
    # k larger than the matrices' column count: core refuses while training.
    with pytest.raises((sketchd.JobFailed, sketchd.InvalidArgument)) as failed:
        client.train(name, method="inner_product", k=20, m=30, progress=False)
    # Either way it is an InvalidArgument (so a ValueError).
    assert isinstance(failed.value, sketchd.InvalidArgument)
    assert isinstance(failed.value, ValueError)
    assert failed.value.code == grpc.StatusCode.INVALID_ARGUMENT
    if isinstance(failed.value, sketchd.JobFailed):
        job = failed.value.job
        assert job.state == "failed" and "k" in job.error
        assert job.error_code == grpc.StatusCode.INVALID_ARGUMENT
        assert not job.error.startswith("INVALID_ARGUMENT")  # the message alone
