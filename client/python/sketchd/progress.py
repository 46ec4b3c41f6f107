"""Progress of a training job on stderr: a tqdm bar when tqdm is installed and
stderr is a terminal, otherwise one plain line per tenth of the way (so logs
of scripts and CI stay short)."""

import sys


class ProgressDisplay:
    def __init__(self, label, stream=None):
        self._label = label
        self._stream = stream if stream is not None else sys.stderr
        self._bar = None
        self._last_tenth = -1
        self._last_message = None
        if hasattr(self._stream, "isatty") and self._stream.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=1000, desc=label, file=self._stream, leave=True,
                                 bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")

    def update(self, fraction, message=""):
        fraction = min(max(float(fraction), 0.0), 1.0)
        if self._bar is not None:
            self._bar.n = int(fraction * 1000)
            self._bar.set_postfix_str(message, refresh=True)
            return
        tenth = int(fraction * 10)
        if tenth > self._last_tenth:
            self._last_tenth = tenth
            self._last_message = message
            print(f"{self._label}: {fraction:4.0%} {message}".rstrip(), file=self._stream, flush=True)

    def close(self, final_message=None):
        if self._bar is not None:
            if final_message:
                self._bar.set_postfix_str(final_message, refresh=True)
            self._bar.close()
        elif final_message and final_message != self._last_message:
            print(f"{self._label}: {final_message}", file=self._stream, flush=True)
