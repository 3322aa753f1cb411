"""Progress of long runs: a bar with tokens/s, ETA and memory, and JSON metrics lines.

:class:`Progress` is fed the number of corpus tokens done after each step.
The bar (tqdm) shows tokens/s and the ETA; every ``interval`` seconds the
resident memory goes into the bar and one JSON object per line is appended
to ``metrics_path`` (when given), e.g.::

    {"elapsed_s": 10.0, "tokens": 1200000, "total_tokens": 4650000, "tokens_per_s": 120000.0,
     "eta_s": 28.7, "rss_mb": 612.3, "epoch": 1, "loss": 0.412, "lr": 0.02}

so a plot, ``jq`` or a spaCy logger can follow a run that lasts days.
"""
import json
import resource
import sys
import time
from pathlib import Path
from typing import IO, Any, Optional, Union

from tqdm import tqdm

# The metrics file both pretraining commands write in OUTPUT_DIR: one JSON object a line.
METRICS_FILE = "metrics.jsonl"
# Seconds between two metrics records of a long run (a JSON line, and memory and loss in the bar).
METRICS_INTERVAL_S = 10.0


def rss_mb() -> float:
    """Resident memory of this process now, in MB (the peak where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 1e6
    except (OSError, IndexError, ValueError):
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


class Progress:
    """A progress bar and a metrics log for a run over ``total_tokens`` corpus tokens.

    desc: the bar's label. show: draw the bar. metrics_path: a JSON-lines
    file to append one metrics object to every ``interval`` seconds (and at
    the end). Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        total_tokens: int,
        *,
        desc: str,
        show: bool = True,
        metrics_path: Optional[Union[str, Path]] = None,
        interval: float = METRICS_INTERVAL_S,
    ) -> None:
        self.total_tokens = total_tokens
        self.tokens = 0.0
        self.interval = interval
        self.started = time.perf_counter()
        self._last_log = self.started
        self._bar = tqdm(total=total_tokens, unit="tok", unit_scale=True, desc=desc, disable=not show, dynamic_ncols=True)
        self._out: Optional[IO[str]] = open(metrics_path, "a", encoding="utf8") if metrics_path else None
        self.records = 0

    def update(self, tokens: float, **metrics: Any) -> None:
        """Count ``tokens`` more corpus tokens done; ``metrics`` (loss, lr, epoch...) go into the log.

        Cheap to call every step: work beyond the bar happens once per interval.
        Metric values may be 0-d tensors; they are read only when logged.
        """
        self.tokens += tokens
        self._bar.update(tokens)
        now = time.perf_counter()
        if now - self._last_log >= self.interval:
            self._last_log = now
            self.log(**metrics)

    def log(self, **metrics: Any) -> dict:
        """Write one metrics record now and show memory and metrics in the bar; returns the record."""
        elapsed = time.perf_counter() - self.started
        rate = self.tokens / elapsed if elapsed > 0 else 0.0
        record = {
            "elapsed_s": round(elapsed, 3),
            "tokens": int(self.tokens),
            "total_tokens": self.total_tokens,
            "tokens_per_s": round(rate, 1),
            "eta_s": round((self.total_tokens - self.tokens) / rate, 1) if rate > 0 else None,
            "rss_mb": round(rss_mb(), 1),
        }
        record.update({k: _plain(v) for k, v in metrics.items()})
        self._bar.set_postfix({k: record[k] for k in ("rss_mb", *metrics) if k in record}, refresh=False)
        if self._out is not None:
            self._out.write(json.dumps(record) + "\n")
            self._out.flush()
        self.records += 1
        return record

    def close(self) -> None:
        """Close the progress bar and the metrics file (safe to call twice)."""
        self._bar.close()
        if self._out is not None:
            self._out.close()
            self._out = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _plain(value: Any) -> Any:
    """A JSON-friendly version of a metric (tensors and numpy scalars to floats, rounded)."""
    if hasattr(value, "item"):
        value = value.item()
    return round(value, 5) if isinstance(value, float) else value
