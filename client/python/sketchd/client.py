"""sketchd.Client: every sketchd RPC from Python, on NumPy arrays.

    client = sketchd.Client()              # $SKETCHD_ADDRESS or 127.0.0.1:50051
    client.create_dataset("frames", rows=1080)
    client.upload("frames", train_stack)   # (N, n, d) stack or list of n×d arrays
    job = client.train("frames", method="inner_product", k=10, m=20)
    Y, Z, info = client.low_rank("frames", A, k=10)

What it adds over the generated stubs (like client/sketchd_client.cc does for
C++): the bearer token on every call, deadlines, retries with exponential
backoff only for UNAVAILABLE and only on idempotent calls (Get*/List*/health/
WatchJob, and StartTraining, which carries a request id — a retried create or
upload could act twice), matrices
streamed in row blocks, and errors as ``sketchd.SketchdError`` subclasses.
"""

import os
import time
import uuid

import grpc
import numpy as np

from sketchd import errors, streaming
from sketchd.jobs import Job, TERMINAL_STATES
from sketchd.options import TASKS, training_options_proto
from sketchd.results import LowRankInfo, OnePass, OnePassInfo, SolveInfo, auto_choice_from_proto
from sketchd.sketch import Sketch
from sketchd.v1 import sketchd_pb2 as pb
from sketchd.v1 import sketchd_pb2_grpc as pb_grpc

DEFAULT_ADDRESS = "127.0.0.1:50051"
DEFAULT_PORT = 50051

_SOLVERS = {"lsqr": pb.SOLVER_LSQR, "sketch_and_solve": pb.SOLVER_SKETCH_AND_SOLVE,
            "ihs": pb.SOLVER_IHS}
_HEALTH = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def _with_default_port(address):
    """A bare host (or [IPv6] literal) means the default port, as for sketchctl."""
    if address.startswith("unix:"):
        return address
    host = address.rsplit("]", 1)[-1] if address.startswith("[") else address
    return address if ":" in host else f"{address}:{DEFAULT_PORT}"


class Client:
    """A connection to sketchd (no traffic until the first call).

    Args:
        address: host:port (a bare host means port 50051); default
            $SKETCHD_ADDRESS, else 127.0.0.1:50051.
        token: bearer token; default $SKETCHD_TOKEN.
        tls_ca: PEM file with the CA that signed the server's certificate
            (enables TLS). ``tls=True`` uses TLS with the system roots;
            ``tls_cert``/``tls_key`` (PEM files) add a client certificate for
            mutual TLS; ``tls_server_name`` is the name to verify instead of
            the address's host.
        timeout: deadline of unary calls, seconds.
        stream_timeout: deadline of one upload / low_rank / solve / watch stream.
        max_attempts: tries of an idempotent call while the server is UNAVAILABLE.
        chunk_bytes: target size of one row block on the wire.
        stream_window_bytes: fixed HTTP/2 window per stream (0 = gRPC's
            adaptive default), as the C++ client sets: gRPC's adaptive window
            stays small on loopback and throttles megabyte streams.
    """

    def __init__(self, address=None, token=None, tls_ca=None, timeout=30.0, *, tls=False,
                 tls_cert=None, tls_key=None, tls_server_name=None, stream_timeout=600.0,
                 max_attempts=5, initial_backoff=0.1, max_backoff=2.0,
                 chunk_bytes=streaming.DEFAULT_CHUNK_BYTES, stream_window_bytes=8 << 20):
        self.address = _with_default_port(address or os.environ.get("SKETCHD_ADDRESS")
                                          or DEFAULT_ADDRESS)
        token = token if token is not None else os.environ.get("SKETCHD_TOKEN")
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.timeout = float(timeout)
        self.stream_timeout = float(stream_timeout)
        self.max_attempts = max(1, int(max_attempts))
        self.initial_backoff = float(initial_backoff)
        self.max_backoff = float(max_backoff)
        if not 1 <= int(chunk_bytes) <= 3 << 20:
            raise ValueError("chunk_bytes must be in [1, 3 MiB] (messages must stay under 4 MiB)")
        self.chunk_bytes = int(chunk_bytes)
        channel_options = []
        if stream_window_bytes > 0:
            channel_options += [("grpc.http2.bdp_probe", 0),
                                ("grpc.http2.lookahead_bytes", min(int(stream_window_bytes), 1 << 30))]
        if tls_ca or tls_cert or tls or tls_server_name:
            def read(path):
                if not path:
                    return None
                with open(path, "rb") as f:
                    return f.read()
            if bool(tls_cert) != bool(tls_key):
                raise ValueError("mutual TLS needs both tls_cert and tls_key")
            credentials = grpc.ssl_channel_credentials(root_certificates=read(tls_ca),
                                                       private_key=read(tls_key),
                                                       certificate_chain=read(tls_cert))
            if tls_server_name:
                channel_options.append(("grpc.ssl_target_name_override", tls_server_name))
            self._channel = grpc.secure_channel(self.address, credentials, options=channel_options)
        else:
            self._channel = grpc.insecure_channel(self.address, options=channel_options)
        self._stub = pb_grpc.SketchServiceStub(self._channel)
        self._health_check = self._channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda raw: raw, response_deserializer=lambda raw: raw)

    # ------------------------------------------------------------ plumbing --

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<sketchd.Client {self.address}>"

    def _backoffs(self):
        delay = self.initial_backoff
        while True:
            yield delay
            delay = min(delay * 2, self.max_backoff)

    def _call(self, method, request, idempotent):
        """One unary call; idempotent ones are retried on UNAVAILABLE with backoff."""
        attempts = self.max_attempts if idempotent else 1
        backoffs = self._backoffs()
        for attempt in range(1, attempts + 1):
            try:
                return method(request, timeout=self.timeout, metadata=self._metadata)
            except grpc.RpcError as e:
                if e.code() == grpc.StatusCode.UNAVAILABLE and attempt < attempts:
                    time.sleep(next(backoffs))
                    continue
                raise errors.error_from_rpc(e, self.address) from None

    def _stream(self, method, requests):
        """One client-streaming call, never retried (it consumes `requests`)."""
        try:
            return method(requests, timeout=self.stream_timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise errors.error_from_rpc(e, self.address) from None

    @staticmethod
    def _selector(sketch):
        """"default" | version number | Sketch | ("random", m[, seed]) → SketchSelector."""
        if sketch is None or (isinstance(sketch, str) and sketch == "default"):
            return pb.SketchSelector(use_default=True)
        if isinstance(sketch, Sketch):
            if sketch.version is None:
                raise ValueError("a local sketch has no server version; use sketchd.local with it")
            return pb.SketchSelector(version=sketch.version)
        if isinstance(sketch, (int, np.integer)) and not isinstance(sketch, bool):
            return pb.SketchSelector(version=int(sketch))
        if isinstance(sketch, tuple) and len(sketch) in (2, 3) and sketch[0] == "random":
            seed = int(sketch[2]) if len(sketch) == 3 else 0
            if seed < 0:
                raise ValueError(f"random sketch seed must be ≥ 0, got {seed}")
            return pb.SketchSelector(random=pb.SketchSelector.Random(m=int(sketch[1]), seed=seed))
        if isinstance(sketch, str) and sketch == "auto":
            raise ValueError("sketch='auto' is for low_rank only; choose 'default', a version, "
                             "a Sketch or ('random', m, seed)")
        raise TypeError(f"sketch must be 'default', a version number, a Sketch or "
                        f"('random', m, seed), got {sketch!r}")

    @staticmethod
    def _task(task):
        if task is None:
            return pb.TASK_UNSPECIFIED
        if task not in TASKS:
            raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
        return TASKS[task]

    # -------------------------------------------------------------- health --

    def health(self, service=""):
        """grpc.health.v1 status: "SERVING", "NOT_SERVING", "UNKNOWN" or "SERVICE_UNKNOWN"."""
        name = service.encode()
        if len(name) > 127:
            raise ValueError("service name too long")
        # HealthCheckRequest{service = 1}; HealthCheckResponse{status = 1 (enum)}.
        request = b"\x0a" + bytes([len(name)]) + name if name else b""
        response = self._call(self._health_check, request, idempotent=True)
        status = response[1] if len(response) >= 2 and response[0] == 0x08 else 0
        return _HEALTH.get(status, "UNKNOWN")

    # ------------------------------------------------------------ datasets --

    def create_dataset(self, name, rows, cols=None, description=""):
        """A dataset of n = ``rows`` row matrices (``cols`` = d fixes A's columns). → Dataset."""
        request = pb.CreateDatasetRequest(name=name, n=int(rows), d=int(cols or 0),
                                          description=description)
        return self._call(self._stub.CreateDataset, request, idempotent=False)

    def get_dataset(self, name):
        return self._call(self._stub.GetDataset, pb.GetDatasetRequest(name=name), idempotent=True)

    def _all_pages(self, method, request, field):
        """Every item of a paginated List, following next_page_token."""
        items = []
        while True:
            response = self._call(method, request, idempotent=True)
            items.extend(getattr(response, field))
            if not response.next_page_token:
                return items
            request.page_token = response.next_page_token

    def list_datasets(self):
        return self._all_pages(self._stub.ListDatasets, pb.ListDatasetsRequest(), "datasets")

    def delete_dataset(self, name, force=False):
        """Deletes the dataset with its matrices, jobs and sketches (``force`` cancels its jobs)."""
        self._call(self._stub.DeleteDataset, pb.DeleteDatasetRequest(name=name, force=force),
                   idempotent=False)

    # -------------------------------------------------------------- upload --

    def upload(self, name, arrays_or_stack):
        """Uploads training matrices in one stream (stored atomically when it ends).

        ``arrays_or_stack``: a 3-D array (N matrices), a sequence of 2-D arrays
        or one 2-D array; float32 stays float32 on the wire, everything else is
        sent as float64. Regression datasets take [A | b] (b the last column).
        → UploadTrainingMatricesResponse.
        """
        matrices = streaming.matrix_list(arrays_or_stack)

        def requests():
            for matrix in matrices:
                dtype, wire = streaming.wire_dtype(matrix)
                yield pb.UploadTrainingMatricesRequest(header=pb.MatrixHeader(
                    dataset=name, rows=matrix.shape[0], cols=matrix.shape[1], dtype=wire))
                for block in streaming.row_blocks(matrix, dtype, self.chunk_bytes):
                    yield pb.UploadTrainingMatricesRequest(rows=block)

        return self._stream(self._stub.UploadTrainingMatrices, requests())

    # ---------------------------------------------------------------- jobs --

    def train(self, name, method="inner_product", task="lowrank", k=10, m=20, seed=0,
              wait=True, progress=True, request_id=None, **options):
        """Starts training a sketch on the dataset's matrices → Job.

        Extra keywords are TrainingOptions fields (iterations, refine_values,
        time_budget_seconds, ...). With ``wait`` the call follows the job to
        its end (``progress`` as in ``Job.wait``) and raises
        ``sketchd.JobFailed`` unless it succeeded. ``request_id`` (default: a
        fresh UUID) makes the call idempotent: it is retried on UNAVAILABLE,
        and a repeat with the same id returns the first call's job.
        """
        request = pb.StartTrainingRequest(
            dataset=name, options=training_options_proto(method, task, k, m, seed, options),
            request_id=request_id if request_id is not None else uuid.uuid4().hex)
        job = Job(self, self._call(self._stub.StartTraining, request, idempotent=True))
        if wait:
            job.wait(progress=progress)
        return job

    def get_job(self, job_id):
        return Job(self, self._call(self._stub.GetJob, pb.GetJobRequest(job_id=int(job_id)),
                                    idempotent=True))

    def list_jobs(self, name=""):
        """Jobs of one dataset (all datasets when empty), newest first."""
        jobs = self._all_pages(self._stub.ListJobs, pb.ListJobsRequest(dataset=name), "jobs")
        return [Job(self, job) for job in jobs]

    def watch_job(self, job_id):
        """Yields the job's states (coalesced by the server) until a terminal one.

        Reconnects with backoff when the stream breaks with UNAVAILABLE or its
        deadline passes before the job ends, as the C++ client does.
        """
        request = pb.WatchJobRequest(job_id=int(job_id))
        backoffs = self._backoffs()
        failures = 0
        while True:
            try:
                for message in self._stub.WatchJob(request, timeout=self.stream_timeout,
                                                   metadata=self._metadata):
                    failures = 0
                    job = Job(self, message)
                    yield job
                    if job.state in TERMINAL_STATES:
                        return
                # The server ended the stream without a terminal state: ask again.
            except grpc.RpcError as e:
                retryable = e.code() in (grpc.StatusCode.UNAVAILABLE,
                                         grpc.StatusCode.DEADLINE_EXCEEDED)
                failures += 1
                if not retryable or failures >= self.max_attempts:
                    raise errors.error_from_rpc(e, self.address) from None
                time.sleep(next(backoffs))

    def cancel_job(self, job_id):
        return Job(self, self._call(self._stub.CancelJob, pb.CancelJobRequest(job_id=int(job_id)),
                                    idempotent=False))

    def restart_job(self, job_id):
        return Job(self, self._call(self._stub.RestartJob,
                                    pb.RestartJobRequest(job_id=int(job_id)), idempotent=False))

    # ------------------------------------------------------------ sketches --

    def list_sketches(self, name, task=None):
        """SketchInfo messages of the dataset (one task, or all), by version."""
        request = pb.ListSketchesRequest(dataset=name, task=self._task(task))
        return self._all_pages(self._stub.ListSketches, request, "sketches")

    def set_default_sketch(self, name, version):
        request = pb.SetDefaultSketchRequest(dataset=name, version=int(version))
        return self._call(self._stub.SetDefaultSketch, request, idempotent=False).sketch

    def delete_sketch(self, name, version):
        request = pb.DeleteSketchRequest(dataset=name, version=int(version))
        self._call(self._stub.DeleteSketch, request, idempotent=False)

    def export_sketch(self, name, version=None, task="lowrank", include_serialized=True):
        """A stored sketch (``version``, or the default of ``task``) → Sketch.

        With ``include_serialized`` the sketch-file bytes come along, so
        ``Sketch.save`` writes exactly what ``sketchctl sketches export`` does.
        """
        selector = (pb.SketchSelector(version=int(version)) if version is not None
                    else pb.SketchSelector(use_default=True))
        request = pb.GetSketchRequest(dataset=name, sketch=selector, task=self._task(task),
                                      include_serialized=include_serialized)
        def read_all(req, timeout, metadata):
            # GetSketch streams the sketch in pieces; join them into one response.
            joined, serialized = pb.GetSketchResponse(), []
            for i, piece in enumerate(self._stub.GetSketch(req, timeout=self.stream_timeout,
                                                           metadata=metadata)):
                if i == 0:
                    joined.info.CopyFrom(piece.info)
                    joined.m, joined.n = piece.m, piece.n
                    joined.block_rows.extend(piece.block_rows)
                joined.positions.extend(piece.positions)
                joined.values.extend(piece.values)
                serialized.append(piece.serialized)
            joined.serialized = b"".join(serialized)
            return joined

        return Sketch.from_export(self._call(read_all, request, idempotent=True))

    # ------------------------------------------------------------- compute --

    def low_rank(self, name, a, k, sketch="default", max_passes=None, auto_seed=0, random_m=0,
                 power_iters=0, block_krylov=False, one_pass=None):
        """Rank-k approximation A ≈ Y Zᵀ with a sketch of the dataset.

        ``sketch``: "default" (the dataset's low-rank default), a version
        number or exported Sketch, ("random", m, seed), or "auto": the server
        tries the dataset's default, its newest subspace sketch and a random
        CountSketch (``random_m`` rows, 0 = the learned m; seed ``auto_seed``)
        within ``max_passes`` reads of A (None = 2) and answers with the
        smallest exact error; ``info.auto_choice`` lists every candidate. A
        (n×d) is streamed as given (float32 stays float32).
        ``power_iters`` q: subspace iterations on the server (2 + 2q reads of
        A; with sketch="auto" give max_passes or power_iters, not both).
        ``block_krylov``: with q ≥ 1 answer from the span of every iterate
        (block Krylov): the same passes, a wider basis, a much smaller error;
        no effect at q = 0.
        ``one_pass``: True or a ``sketchd.OnePass`` to read A once with a
        two-sided sketch (S = ``sketch``, plus R, T, W): the server never
        holds A, so the answer has no exact error (``info.error`` is 0,
        ``info.passes`` 1) and ``info.one_pass`` says what it held instead.
        Not with power_iters, block_krylov or sketch="auto".
        → (Y n×k, Z d×k, LowRankInfo), float64.
        """
        a = streaming.as_real_array(a, "A", 2)
        auto = isinstance(sketch, str) and sketch == "auto"
        if not auto and (max_passes is not None or auto_seed != 0 or random_m != 0):
            raise ValueError("max_passes, auto_seed and random_m are for sketch='auto', "
                             f"got sketch={sketch!r}")
        if auto:
            selector = pb.SketchSelector(automatic=pb.SketchSelector.Auto(
                # The server checks the budget's range (max_passes ≥ 2) with core's message.
                max_passes=self._auto_int("max_passes", 0 if max_passes is None else max_passes,
                                          minimum=0),
                seed=self._auto_int("auto_seed", auto_seed, minimum=0),
                random_m=self._auto_int("random_m", random_m, minimum=0)))
        else:
            selector = self._selector(sketch)
        if not isinstance(block_krylov, (bool, np.bool_)):
            raise TypeError(f"block_krylov must be True or False, got {block_krylov!r}")
        # The server checks the range [0, 100] with core's message.
        power_iters = self._auto_int("power_iters", power_iters, minimum=0)
        header = pb.LowRankHeader(dataset=name, sketch=selector, k=int(k),
                                  n=a.shape[0], d=a.shape[1], power_iters=power_iters,
                                  block_krylov=bool(block_krylov))
        one_pass = self._one_pass(one_pass)
        if one_pass is not None:
            header.one_pass.CopyFrom(one_pass)
        dtype, header.dtype = streaming.wire_dtype(a)

        def requests():
            yield pb.LowRankRequest(header=header)
            for block in streaming.row_blocks(a, dtype, self.chunk_bytes):
                yield pb.LowRankRequest(rows=block)

        summary, factors = None, {}
        try:
            for response in self._stub.LowRank(requests(), timeout=self.stream_timeout,
                                               metadata=self._metadata):
                if response.HasField("summary"):
                    summary = response.summary
                    factors = {
                        pb.FACTOR_LEFT: streaming.FactorAssembler(summary.n, summary.k, "Y"),
                        pb.FACTOR_RIGHT: streaming.FactorAssembler(summary.d, summary.k, "Z"),
                    }
                elif summary is None or response.chunk.factor not in factors:
                    raise errors.DataLoss("server sent a factor chunk before the summary")
                else:
                    factors[response.chunk.factor].add(response.chunk)
        except grpc.RpcError as e:
            raise errors.error_from_rpc(e, self.address) from None
        if summary is None:
            raise errors.DataLoss("LowRank ended without a summary")
        y = factors[pb.FACTOR_LEFT].finish()
        z = factors[pb.FACTOR_RIGHT].finish()
        t = summary.timings
        info = LowRankInfo(
            rank=summary.rank, singular_values=np.array(summary.singular_values),
            sketch_version=summary.sketch_version, sketch_m=summary.sketch_m,
            timings={"receive_seconds": t.receive_seconds, "sketch_seconds": t.sketch_seconds,
                     "basis_seconds": t.basis_seconds, "project_seconds": t.project_seconds,
                     "svd_seconds": t.svd_seconds, "total_seconds": t.total_seconds},
            error=summary.error, relative_error=summary.relative_error, passes=summary.passes,
            power_iters=summary.power_iters, block_krylov=summary.block_krylov,
            auto_choice=(auto_choice_from_proto(summary.auto_choice)
                         if summary.HasField("auto_choice") else None),
            one_pass=(OnePassInfo(state_bytes=summary.one_pass_state_bytes,
                                  core_m=summary.one_pass_core_m,
                                  range_m=summary.one_pass_range_m,
                                  right_sketch_version=summary.one_pass_right_sketch_version)
                      if one_pass is not None else None))
        return y, z, info

    @classmethod
    def _one_pass(cls, one_pass):
        """low_rank's one_pass argument → OnePassOptions, or None for two passes."""
        if one_pass is None or one_pass is False:
            return None
        if one_pass is True:
            one_pass = OnePass()
        if not isinstance(one_pass, OnePass):
            raise TypeError(f"one_pass must be True, False, None or a sketchd.OnePass, "
                            f"got {one_pass!r}")
        return pb.OnePassOptions(
            range_m=cls._auto_int("OnePass.range_m", one_pass.range_m, minimum=0),
            core_m=cls._auto_int("OnePass.core_m", one_pass.core_m, minimum=0),
            seed=cls._auto_int("OnePass.seed", one_pass.seed, minimum=0),
            right_sketch_version=cls._auto_int("OnePass.right_sketch_version",
                                               one_pass.right_sketch_version, minimum=0))

    @staticmethod
    def _auto_int(name, value, minimum):
        # Checked here so the message names the Python argument, not the proto field.
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {value!r}")
        if value < minimum:
            raise ValueError(f"{name} must be ≥ {minimum}, got {value}")
        return int(value)

    def solve(self, name, a, b, solver="lsqr", lasso=None, sketch="default", tolerance=0.0,
              max_iterations=0, record_objective=False):
        """min ‖Ax − b‖ (or ‖x‖₁ ≤ ``lasso`` with solver="ihs") → (x, SolveInfo).

        ``solver``: "lsqr" (sketch-preconditioned, full accuracy),
        "sketch_and_solve" (fast, approximate) or "ihs". ``sketch``: "default"
        (the dataset's regression default), a version / Sketch, or
        ("random", m, seed). [A | b] is streamed in row blocks, never formed.
        """
        a = streaming.as_real_array(a, "A", 2)
        b = streaming.as_real_array(b, "b", 1)
        if b.shape[0] != a.shape[0]:
            raise ValueError(f"b has {b.shape[0]} values but A has {a.shape[0]} rows")
        if solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {sorted(_SOLVERS)}, got {solver!r}")
        header = pb.SolveHeader(dataset=name, sketch=self._selector(sketch),
                                solver=_SOLVERS[solver], tolerance=float(tolerance),
                                max_iterations=int(max_iterations), n=a.shape[0], d=a.shape[1],
                                record_objective=bool(record_objective))
        if lasso is not None:
            header.lasso_lambda = float(lasso)
        dtype, header.dtype = streaming.wire_dtype(a, b)

        def requests():
            yield pb.SolveRequest(header=header)
            for block in streaming.augmented_row_blocks(a, b, dtype, self.chunk_bytes):
                yield pb.SolveRequest(rows=block)

        r = self._stream(self._stub.Solve, requests())
        t = r.timings
        info = SolveInfo(residual_norm=r.residual_norm, iterations=r.iterations,
                         converged=r.converged, stop_reason=r.stop_reason, solver=r.solver,
                         sketch_version=r.sketch_version, sketch_m=r.sketch_m,
                         objective_history=list(r.objective_history),
                         timings={"receive_seconds": t.receive_seconds,
                                  "solve_seconds": t.solve_seconds,
                                  "total_seconds": t.total_seconds})
        return np.array(r.x, dtype=np.float64), info
