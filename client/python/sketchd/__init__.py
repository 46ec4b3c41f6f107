"""sketchd: learned CountSketch low-rank approximation and regression from Python.

    import sketchd
    client = sketchd.Client()                      # a running sketchd
    client.create_dataset("frames", rows=1080)
    client.upload("frames", train)                 # (N, n, d) stack
    client.train("frames", method="inner_product", k=10, m=20)
    Y, Z, info = client.low_rank("frames", A, k=10)

Also: ``sketchd.LearnedLowRank`` (scikit-learn-style estimator),
``sketchd.local`` (the same maths in process, no server),
``sketchd.load_sketch`` (sketch files of ``sketchctl``).
"""

from sketchd.errors import (Aborted, AlreadyExists, Cancelled, DataLoss, DeadlineExceeded,
                            FailedPrecondition, Internal, InvalidArgument, JobFailed, NotFound,
                            OutOfRange, PermissionDenied, ResourceExhausted, SketchdError,
                            Unauthenticated, Unavailable, Unimplemented, Unknown)
from sketchd.client import Client
from sketchd.jobs import Job
from sketchd.results import AutoChoice, AutoTrial, LowRankInfo, OnePass, OnePassInfo, SolveInfo
from sketchd.sketch import Sketch, load_sketch
from sketchd.estimator import LearnedLowRank
from sketchd import local

__version__ = "0.1.0"

__all__ = [
    "Client", "Job", "Sketch", "load_sketch", "LearnedLowRank", "LowRankInfo", "SolveInfo",
    "AutoChoice", "AutoTrial", "OnePass", "OnePassInfo",
    "local", "SketchdError", "Aborted", "AlreadyExists", "Cancelled", "DataLoss",
    "DeadlineExceeded", "FailedPrecondition", "Internal", "InvalidArgument", "JobFailed",
    "NotFound", "OutOfRange", "PermissionDenied", "ResourceExhausted", "Unauthenticated",
    "Unavailable", "Unimplemented", "Unknown",
]
