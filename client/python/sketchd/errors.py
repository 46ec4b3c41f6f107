"""Exceptions carrying the gRPC status code and the server's message.

Every failed call raises a subclass of :class:`SketchdError` named after its
status code (``sketchd.InvalidArgument``, ``sketchd.NotFound``, ...). The
in-process bindings raise the same classes for the same core errors, so code
handling errors works with or without a server.

The classes also derive from the closest built-in exception (``ValueError``
for INVALID_ARGUMENT, ``LookupError`` for NOT_FOUND, ...), so generic Python
error handling keeps working.
"""

import grpc


class SketchdError(Exception):
    """A failed sketchd call.

    Attributes:
        code: the ``grpc.StatusCode`` of the failure.
        message: the server's (or core's) message, which says what to fix.
    """

    code = grpc.StatusCode.UNKNOWN

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return f"{self.code.name}: {self.message}"


def _error_class(name, code, *builtin_bases):
    return type(name, (SketchdError, *builtin_bases),
                {"code": code, "__module__": __name__,
                 "__doc__": f"A call that failed with {code.name}."})


S = grpc.StatusCode
Cancelled = _error_class("Cancelled", S.CANCELLED)
Unknown = _error_class("Unknown", S.UNKNOWN)
InvalidArgument = _error_class("InvalidArgument", S.INVALID_ARGUMENT, ValueError)
DeadlineExceeded = _error_class("DeadlineExceeded", S.DEADLINE_EXCEEDED, TimeoutError)
NotFound = _error_class("NotFound", S.NOT_FOUND, LookupError)
AlreadyExists = _error_class("AlreadyExists", S.ALREADY_EXISTS)
PermissionDenied = _error_class("PermissionDenied", S.PERMISSION_DENIED, PermissionError)
ResourceExhausted = _error_class("ResourceExhausted", S.RESOURCE_EXHAUSTED)
FailedPrecondition = _error_class("FailedPrecondition", S.FAILED_PRECONDITION)
Aborted = _error_class("Aborted", S.ABORTED)
OutOfRange = _error_class("OutOfRange", S.OUT_OF_RANGE, IndexError)
Unimplemented = _error_class("Unimplemented", S.UNIMPLEMENTED, NotImplementedError)
Internal = _error_class("Internal", S.INTERNAL)
Unavailable = _error_class("Unavailable", S.UNAVAILABLE, ConnectionError)
DataLoss = _error_class("DataLoss", S.DATA_LOSS)
Unauthenticated = _error_class("Unauthenticated", S.UNAUTHENTICATED, PermissionError)
del S


class JobFailed(SketchdError):
    """A training job waited for ended FAILED, CANCELLED or INTERRUPTED.

    ``job`` is the final :class:`sketchd.Job`; ``job.error`` says why and
    ``job.error_code`` (a ``grpc.StatusCode``) how. The exception raised is
    also the class of that code: a job whose options core rejected raises an
    exception that is both ``sketchd.JobFailed`` and
    ``sketchd.InvalidArgument`` (so also a ``ValueError``), a cancelled one
    ``sketchd.Cancelled``, one the server shut down under
    ``sketchd.Unavailable``. ``code`` is the job's code (ABORTED when the
    server did not send one).
    """

    code = grpc.StatusCode.ABORTED

    def __new__(cls, job, *args, **kwargs):
        if cls is JobFailed:
            cls = _job_failed_class(getattr(job, "error_code", None))
        return super().__new__(cls)

    def __init__(self, job):
        code = getattr(job, "error_code", None)
        if code is None or code == grpc.StatusCode.OK:
            code = grpc.StatusCode.ABORTED
        super().__init__(f"job {job.job_id} on dataset '{job.dataset}' ended {job.state}: "
                         f"{job.error or job.message}", code)
        self.job = job


_BY_CODE = {cls.code: cls for cls in (
    Cancelled, Unknown, InvalidArgument, DeadlineExceeded, NotFound, AlreadyExists,
    PermissionDenied, ResourceExhausted, FailedPrecondition, Aborted, OutOfRange,
    Unimplemented, Internal, Unavailable, DataLoss, Unauthenticated)}
_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}
_JOB_FAILED_BY_CODE = {}


def status_code(number):
    """The ``grpc.StatusCode`` of a status code number (UNKNOWN if none)."""
    return _BY_NUMBER.get(int(number), grpc.StatusCode.UNKNOWN)


def _job_failed_class(code):
    base = _BY_CODE.get(code)
    if base is None:
        return JobFailed
    cls = _JOB_FAILED_BY_CODE.get(code)
    if cls is None:
        cls = type(f"JobFailed{base.__name__}", (JobFailed, base),
                   {"__module__": __name__,
                    "__doc__": f"A job that ended with {code.name}: JobFailed and {base.__name__}."})
        _JOB_FAILED_BY_CODE[code] = cls
    return cls


def error_from_code(code, message):
    """The exception for a status code (a ``grpc.StatusCode`` or its number)."""
    if not isinstance(code, grpc.StatusCode):
        code = status_code(code)
    return _BY_CODE.get(code, Unknown)(message, code)


def error_from_rpc(error, address=None):
    """The exception for a ``grpc.RpcError`` raised by a stub call."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or str(error)
    if code == grpc.StatusCode.UNAVAILABLE and address:
        message = f"{message} (is sketchd running at {address}?)"
    return error_from_code(code, message)
