"""Job: a training job on the server, as returned by ``Client.train``."""

import grpc

from sketchd.errors import JobFailed, status_code
from sketchd.progress import ProgressDisplay
from sketchd.v1 import sketchd_pb2 as pb

_STATE_NAMES = {
    pb.JOB_STATE_QUEUED: "queued",
    pb.JOB_STATE_RUNNING: "running",
    pb.JOB_STATE_SUCCEEDED: "succeeded",
    pb.JOB_STATE_FAILED: "failed",
    pb.JOB_STATE_CANCELLED: "cancelled",
    pb.JOB_STATE_INTERRUPTED: "interrupted",
}
TERMINAL_STATES = ("succeeded", "failed", "cancelled", "interrupted")


def state_name(state):
    return _STATE_NAMES.get(state, "unspecified")


class Job:
    """The latest known state of a training job.

    Attributes: job_id, dataset, state ("queued", "running", "succeeded",
    "failed", "cancelled", "interrupted"), progress (0–1), message, error
    (why it failed, without the code), error_code (a ``grpc.StatusCode``;
    ``OK`` unless it failed, was cancelled or interrupted),
    sketch_version (set once succeeded), options (proto TrainingOptions),
    restarted_from, and ``proto`` (the raw message).
    """

    def __init__(self, client, message):
        self._client = client
        self._set(message)

    def _set(self, message):
        self.proto = message
        self.job_id = message.job_id
        self.dataset = message.dataset
        self.state = state_name(message.state)
        self.progress = message.progress
        self.message = message.message
        self.error = message.error
        self.error_code = status_code(message.error_code)
        if self.error_code == grpc.StatusCode.OK and self.error:
            self.error_code = grpc.StatusCode.UNKNOWN  # a server without codes
        self.sketch_version = message.sketch_version or None
        self.options = message.options
        self.restarted_from = message.restarted_from or None

    @property
    def done(self):
        return self.state in TERMINAL_STATES

    @property
    def succeeded(self):
        return self.state == "succeeded"

    def refresh(self):
        """Fetches the current state (GetJob)."""
        self._set(self._client.get_job(self.job_id).proto)
        return self

    def wait(self, progress=True, raise_on_failure=True):
        """Follows the job (WatchJob) until it ends.

        progress: True shows a bar (tqdm on a terminal, plain lines otherwise),
        a callable gets each Job state, False is silent. Raises
        ``sketchd.JobFailed`` if the job did not succeed (unless
        ``raise_on_failure`` is False).
        """
        display = None
        if progress is True:
            display = ProgressDisplay(f"job {self.job_id} ({self.options.method})")
        try:
            for state in self._client.watch_job(self.job_id):
                self._set(state.proto)
                if display is not None:
                    display.update(self.progress, self.message)
                elif callable(progress):
                    progress(self)
        finally:
            if display is not None:
                display.close(self._final_line())
        if raise_on_failure and not self.succeeded:
            raise JobFailed(self)
        return self

    def _final_line(self):
        if self.succeeded:
            return f"succeeded: sketch v{self.sketch_version}"
        if self.error:
            return f"{self.state}: {self.error_code.name}: {self.error}"
        return f"{self.state}: {self.message}"

    def cancel(self):
        self._set(self._client.cancel_job(self.job_id).proto)
        return self

    def restart(self):
        """A new job with this (terminal, not succeeded) job's options."""
        return self._client.restart_job(self.job_id)

    def sketch(self):
        """The sketch this job produced (``Client.export_sketch``)."""
        if not self.succeeded:
            raise JobFailed(self)
        return self._client.export_sketch(self.dataset, self.sketch_version)

    def __repr__(self):
        return (f"<sketchd.Job {self.job_id} {self.dataset} {self.options.method} {self.state} "
                f"{self.progress:.0%}>")
