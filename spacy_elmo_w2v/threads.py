"""Thread defaults for the command line, set before torch starts its OpenMP pool.

torch (built with GNU OpenMP) fixes its pool size and wait policy when the
pool starts. Two defaults matter on a shared machine:

- the number of threads: the cores this process may run on
  (``os.sched_getaffinity``, which follows ``taskset``, cgroups' cpusets and
  container limits) less those other processes keep busy (the one-minute
  load average, rounded, capped by the processes runnable right now so that
  work which has ended does not count), at least one: on a loaded 2-core machine PTB
  skip-gram took 210 s with two threads and 20-30 s with one;
- how long an idle thread spins before it sleeps: libgomp spins 300,000
  times at every barrier by default, so when another process holds a core
  the threads burn their time slices waiting for the descheduled one (PTB
  skip-gram took 2-30x longer with one busy process); ``GOMP_SPINCOUNT``
  lowers the spin, while ``OMP_WAIT_POLICY=PASSIVE`` (no spin at all) halves
  the speed of a quiet machine.

:func:`configure_threads` sets these in the environment only where the user
has not: ``OMP_NUM_THREADS``, ``OMP_WAIT_POLICY``, ``GOMP_SPINCOUNT`` set by
the user always win. ``SPACY_ELMO_W2V_THREADS=0`` leaves everything alone.
"""
import os
import time
from typing import Dict, MutableMapping, Optional

# Spins before an idle OpenMP thread sleeps (libgomp's default: 300,000).
DEFAULT_SPINCOUNT = "10000"
OFF_SWITCH = "SPACY_ELMO_W2V_THREADS"


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def running_others(samples: int = 5, pause: float = 0.01) -> Optional[int]:
    """Other processes runnable right now (median of a few reads of ``/proc/loadavg``), or None.

    The fourth field of ``/proc/loadavg`` counts the runnable tasks, this one
    included. Unlike the load average, it forgets work that has already
    ended (the previous step of a workflow, a finished test run).
    """
    counts = []
    for k in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as file:
                counts.append(int(file.read().split()[3].split("/")[0]) - 1)
        except (OSError, IndexError, ValueError):
            return None
        if k + 1 < samples:
            time.sleep(pause)
    return sorted(counts)[len(counts) // 2]


def free_cores(load: Optional[float] = None, running: Optional[int] = None) -> int:
    """Cores this process may use less those other processes keep busy, at least 1.

    Busy cores: the one-minute load average (``os.getloadavg``), rounded, but
    no more than the other processes runnable right now (:func:`running_others`)
    where that can be read, so load that has already ended is not counted.
    """
    cores = available_cores()
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            load = 0.0
        if running is None:
            running = running_others()
    busy = int(load + 0.5)
    if running is not None:
        busy = min(busy, max(0, running))
    return max(1, min(cores, cores - busy))


def configure_threads(environ: Optional[MutableMapping[str, str]] = None) -> Dict[str, str]:
    """Fill in the OpenMP thread defaults in ``environ`` (``os.environ``); returns what it set.

    Call before torch is imported: the settings are read when its pool starts.
    """
    environ = os.environ if environ is None else environ
    if environ.get(OFF_SWITCH, "").strip() == "0":
        return {}
    chosen: Dict[str, str] = {}
    if "OMP_NUM_THREADS" not in environ:
        chosen["OMP_NUM_THREADS"] = str(free_cores())
    if "OMP_WAIT_POLICY" not in environ and "GOMP_SPINCOUNT" not in environ:
        chosen["GOMP_SPINCOUNT"] = DEFAULT_SPINCOUNT
    environ.update(chosen)
    return chosen
