"""Fixtures for the Python package's tests: a real sketchd on an ephemeral
port (its own data directory), clients for it, and small matrix families.

The suite runs from ctest (tests/python/CMakeLists.txt) with PYTHONPATH set
to build/python and SKETCHD_BIN / SKETCHCTL_BIN naming the built binaries.
Under ctest a skipped test counts as a failure (SKETCHD_TEST_NO_SKIPS=1), so
a missing binary or module can never turn the suite silently green.
"""

import os
import subprocess
import uuid

import numpy as np
import pytest

import sketchd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _binary(variable, name):
    path = os.environ.get(variable) or os.path.join(REPO, "build", *name)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not built (set {variable} or build the default targets)")
    return path


@pytest.fixture(scope="session")
def sketchd_bin():
    return _binary("SKETCHD_BIN", ("server", "sketchd"))


@pytest.fixture(scope="session")
def sketchctl_bin():
    return _binary("SKETCHCTL_BIN", ("client", "sketchctl"))


class RunningServer:
    """sketchd on 127.0.0.1:<free port>, stopped (SIGTERM) at teardown."""

    def __init__(self, binary, data_dir, *flags):
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            [binary, "--listen=127.0.0.1:0", f"--data_dir={data_dir}", "--log_requests=false",
             f"--port_file_fd={write_fd}", *flags],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(write_fd)
        with os.fdopen(read_fd) as port_file:
            line = port_file.readline()
        if not line.strip():
            self.process.kill()
            raise RuntimeError(f"sketchd did not start: {self.process.stderr.read().decode()}")
        self.address = f"127.0.0.1:{int(line)}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


@pytest.fixture(scope="session")
def server(sketchd_bin, tmp_path_factory):
    running = RunningServer(sketchd_bin, tmp_path_factory.mktemp("sketchd-data"),
                            "--training_threads=2")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def token_server(sketchd_bin, tmp_path_factory):
    """A server that requires `authorization: Bearer s3cret`."""
    directory = tmp_path_factory.mktemp("sketchd-auth")
    token_file = directory / "tokens"
    token_file.write_text("s3cret\n")
    running = RunningServer(sketchd_bin, directory / "data", f"--auth_token_file={token_file}")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def client(server):
    with sketchd.Client(server.address) as c:
        yield c


def unique_name(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def low_rank_family(count, n, d, rank=6, noise=0.05, seed=0):
    """Matrices sharing their column space (a "stable source") with decaying
    spectra plus noise: what learned sketches are for."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    spectrum = 2.0 ** -np.arange(rank)
    out = np.empty((count, n, d))
    for i in range(count):
        right, _ = np.linalg.qr(rng.standard_normal((d, rank)))
        out[i] = (basis * spectrum) @ right.T + noise * rng.standard_normal((n, d)) / np.sqrt(n)
    return out


@pytest.fixture(scope="session")
def family():
    return low_rank_family(24, 200, 40)


@pytest.fixture(scope="session")
def trained_dataset(client, family):
    """A dataset with the family's first 20 matrices and a default inner_product sketch."""
    name = unique_name("family")
    client.create_dataset(name, rows=family.shape[1], cols=family.shape[2])
    client.upload(name, family[:20])
    job = client.train(name, method="inner_product", k=4, m=12, seed=3, progress=False)
    return name, job


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ctest, a skip is a failure: nothing may quietly not run."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("SKETCHD_TEST_NO_SKIPS") == "1" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under ctest (SKETCHD_TEST_NO_SKIPS=1): {report.longrepr}"


def pytest_sessionfinish(session, exitstatus):
    # Exit status 5 (nothing collected) must fail ctest loudly, not pass as "no failures".
    if exitstatus == 5 or session.testscollected == 0:
        session.exitstatus = 1
