"""Every error class: the gRPC code and the server's message reach the caller."""

import socket
import time

import grpc
import numpy as np
import pytest

import sketchd
from conftest import unique_name


def test_invalid_argument_carries_the_servers_message(client):
    name = unique_name("err")
    client.create_dataset(name, rows=20)
    with pytest.raises(sketchd.InvalidArgument) as e:
        client.low_rank(name, np.ones((20, 5)), 9, sketch=("random", 4, 0))
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "k = 9 must be in [1, min(n, d)] = [1, 5]" in e.value.message
    assert isinstance(e.value, ValueError)  # generic handlers still work
    with pytest.raises(sketchd.InvalidArgument, match="n = 21 but dataset"):
        client.low_rank(name, np.ones((21, 5)), 2, sketch=("random", 4, 0))
    bad = np.ones((20, 5))
    bad[3, 2] = np.nan
    with pytest.raises(sketchd.InvalidArgument, match="row"):
        client.low_rank(name, bad, 2, sketch=("random", 4, 0))
    with pytest.raises(sketchd.InvalidArgument):
        client.create_dataset("../etc", rows=3)


def test_not_found_and_already_exists(client):
    with pytest.raises(sketchd.NotFound, match="no-such-dataset"):
        client.get_dataset("no-such-dataset")
    with pytest.raises(sketchd.NotFound):
        client.get_job(987654321)
    name = unique_name("dup")
    client.create_dataset(name, rows=3)
    with pytest.raises(sketchd.AlreadyExists):
        client.create_dataset(name, rows=3)
    with pytest.raises(sketchd.NotFound):
        client.export_sketch(name, version=424242)


def test_failed_precondition(client):
    name = unique_name("pre")
    client.create_dataset(name, rows=10)
    with pytest.raises(sketchd.FailedPrecondition):
        client.low_rank(name, np.ones((10, 3)), 1)  # no default sketch yet
    with pytest.raises(sketchd.FailedPrecondition):
        client.train(name, method="random", k=1, m=2, progress=False)  # no matrices


def test_resource_exhausted(client):
    with pytest.raises(sketchd.ResourceExhausted, match="max_rows"):
        client.create_dataset(unique_name("huge"), rows=10**12)


def test_unauthenticated(token_server):
    with sketchd.Client(token_server.address) as anonymous:
        with pytest.raises(sketchd.Unauthenticated):
            anonymous.list_datasets()
        assert anonymous.health() == "SERVING"  # health stays open
    with sketchd.Client(token_server.address, token="wrong") as wrong:
        with pytest.raises(sketchd.Unauthenticated):
            wrong.list_datasets()
    with sketchd.Client(token_server.address, token="s3cret") as good:
        good.create_dataset(unique_name("auth"), rows=4)


def test_token_and_address_from_environment(token_server, monkeypatch):
    monkeypatch.setenv("SKETCHD_ADDRESS", token_server.address)
    monkeypatch.setenv("SKETCHD_TOKEN", "s3cret")
    with sketchd.Client() as c:
        assert c.address == token_server.address
        c.list_datasets()
    monkeypatch.setenv("SKETCHD_ADDRESS", "localhost")
    assert sketchd.Client().address == "localhost:50051"  # a bare host: the default port


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unavailable_is_retried_only_for_idempotent_calls():
    c = sketchd.Client(f"127.0.0.1:{_free_port()}", max_attempts=3, initial_backoff=0.3,
                       timeout=5)
    start = time.monotonic()
    with pytest.raises(sketchd.Unavailable, match="is sketchd running"):
        c.list_datasets()  # idempotent: 3 attempts, sleeping 0.3 + 0.6 s between
    retried = time.monotonic() - start
    start = time.monotonic()
    with pytest.raises(sketchd.Unavailable):
        c.create_dataset("x", rows=1)  # not idempotent: one attempt
    once = time.monotonic() - start
    assert retried >= 0.9 and once < 0.3, (retried, once)


def test_deadline_exceeded(client):
    # 80 MB cannot be streamed and approximated within 10 ms.
    name = unique_name("deadline")
    client.create_dataset(name, rows=20_000)
    with sketchd.Client(client.address, stream_timeout=0.01) as hasty:
        with pytest.raises(sketchd.DeadlineExceeded):
            hasty.low_rank(name, np.ones((20_000, 500)), 2, sketch=("random", 4, 0))


def test_client_side_argument_checks(client):
    with pytest.raises(TypeError, match="not a real number type"):
        client.low_rank("x", np.ones((3, 3), dtype=complex), 1)
    with pytest.raises(ValueError, match="expected 2 dimensions"):
        client.low_rank("x", np.ones(3), 1)
    with pytest.raises(TypeError, match="unknown training option"):
        client.train("x", method="random", k=1, m=2, itrations=5)
    with pytest.raises(ValueError, match="b has 2 values"):
        client.solve("x", np.ones((3, 1)), np.ones(2))
    with pytest.raises(TypeError, match="sketch must be"):
        client.low_rank("x", np.ones((3, 3)), 1, sketch=2.5)


def test_failed_job_raises_the_class_of_its_status_code():
    # A job that core failed with INVALID_ARGUMENT, as the server sends it:
    # Job.error_code = 3 and the message alone in Job.error.
    from sketchd.jobs import Job
    from sketchd.v1 import sketchd_pb2 as pb
    proto = pb.Job(job_id=7, dataset="d", state=pb.JOB_STATE_FAILED, error_code=3,
                   error="rank k=8 exceeds min(n, d)=6 of training matrix 1 (24x6)")
    job = Job(None, proto)
    assert job.error_code == grpc.StatusCode.INVALID_ARGUMENT
    failed = sketchd.JobFailed(job)
    assert isinstance(failed, sketchd.JobFailed)
    assert isinstance(failed, sketchd.InvalidArgument)
    assert isinstance(failed, ValueError)
    assert failed.code == grpc.StatusCode.INVALID_ARGUMENT
    assert failed.job is job
    assert str(failed).startswith("INVALID_ARGUMENT: job 7 on dataset 'd' ended failed: rank k=8")
    with pytest.raises(sketchd.InvalidArgument):
        raise failed

    # Other codes map to their classes; a job from a server without codes
    # (error text, code 0) is UNKNOWN.
    for code, cls in ((14, sketchd.Unavailable), (8, sketchd.ResourceExhausted),
                      (1, sketchd.Cancelled)):
        proto.error_code = code
        assert isinstance(sketchd.JobFailed(Job(None, proto)), cls)
    proto.error_code = 0
    old = Job(None, proto)
    assert old.error_code == grpc.StatusCode.UNKNOWN
    assert isinstance(sketchd.JobFailed(old), sketchd.Unknown)
