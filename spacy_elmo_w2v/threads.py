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

A long run outlives the load it started under, so the training loops call a
:class:`ThreadFollower` between steps: every 30 s it counts the free cores
again (leaving out this process's own threads) and moves torch's thread
count there, but only when :func:`configure_threads` chose that count.

In a process nobody set threads for (``spacy train``, a user's ``nlp.pipe``)
the ``elmo_vectors`` component runs its biLM under a :class:`ThreadCap`: the
thread count capped at the free cores for the pass, and put back after it.
"""
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, Mapping, MutableMapping, Optional

# Spins before an idle OpenMP thread sleeps (libgomp's default: 300,000).
DEFAULT_SPINCOUNT = "10000"
OFF_SWITCH = "SPACY_ELMO_W2V_THREADS"


def switched_off(environ: Mapping[str, str]) -> bool:
    """Whether ``environ`` turns our thread handling off (``SPACY_ELMO_W2V_THREADS=0``)."""
    return environ.get(OFF_SWITCH, "").strip() == "0"


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# The OMP_NUM_THREADS that configure_threads chose for this process (None: it chose none).
_chosen_threads: Optional[int] = None


def own_runnable_threads(tasks: Path = Path("/proc/self/task")) -> int:
    """Threads of this process that are runnable now (state ``R`` in ``tasks/*/stat``), at least 1."""
    count = 0
    for stat in tasks.glob("*/stat"):
        try:
            # the state follows the command name, which is in parentheses and may hold spaces
            count += stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()[0] == "R"
        except (OSError, IndexError):
            continue
    return max(1, count)


def running_others(
    samples: int = 5,
    pause: float = 0.01,
    *,
    loadavg: Path = Path("/proc/loadavg"),
    own: Callable[[], int] = own_runnable_threads,
) -> Optional[int]:
    """Other processes' runnable threads right now (median of a few reads of ``/proc/loadavg``), or None.

    The fourth field of ``/proc/loadavg`` counts the runnable tasks, this
    process's own included (:func:`own_runnable_threads` are left out). Unlike
    the load average, it forgets work that has already ended (the previous
    step of a workflow, a finished test run).
    ``loadavg`` and ``own`` (the file read, this process's runnable threads) are seams for tests.
    """
    counts = []
    for k in range(samples):
        try:
            with open(loadavg, encoding="ascii") as file:
                counts.append(int(file.read().split()[3].split("/")[0]) - own())
        except (OSError, IndexError, ValueError):
            return None
        if k + 1 < samples:
            time.sleep(pause)
    return sorted(counts)[len(counts) // 2]


def load_average() -> float:
    """The one-minute load average (``os.getloadavg``), 0.0 where the system has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def free_cores(load: Optional[float] = None, running: Optional[int] = None) -> int:
    """Cores this process may use less those other processes keep busy, at least 1.

    Busy cores: the one-minute load average (``os.getloadavg``), rounded, but
    no more than the other processes runnable right now (:func:`running_others`)
    where that can be read, so load that has already ended is not counted.
    """
    cores = available_cores()
    if load is None:
        load = load_average()
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
    global _chosen_threads
    process = environ is None
    environ = os.environ if environ is None else environ
    if switched_off(environ):
        return {}
    chosen: Dict[str, str] = {}
    if "OMP_NUM_THREADS" not in environ:
        chosen["OMP_NUM_THREADS"] = str(free_cores())
        if process:
            _chosen_threads = int(chosen["OMP_NUM_THREADS"])
    if "OMP_WAIT_POLICY" not in environ and "GOMP_SPINCOUNT" not in environ:
        chosen["GOMP_SPINCOUNT"] = DEFAULT_SPINCOUNT
    environ.update(chosen)
    return chosen


def free_cores_during_run(own_threads: int) -> int:
    """:func:`free_cores` for a process that has been computing with ``own_threads`` threads.

    The one-minute load average holds this process's own work too; those
    threads are taken off it before the busy cores are counted.
    """
    return free_cores(load=max(0.0, load_average() - own_threads), running=running_others())


class ThreadFollower:
    """Moves torch's CPU thread count to the cores other processes leave free, during a run.

    Call it between steps: at most every ``interval`` seconds it counts the
    free cores (``free``, default :func:`free_cores_during_run`) and, when the
    count changed, calls ``torch.set_num_threads``. It returns the new count,
    or None when nothing changed or it did not look.

    cpu: whether the run computes on the CPU (a GPU run leaves the count alone).
    enabled: default, on the CPU and only in a process whose thread count
    :func:`configure_threads` chose (the command line): a count the user or
    ``torchrun`` set through ``OMP_NUM_THREADS`` is never changed.
    """

    def __init__(
        self,
        interval: float = 30.0,
        *,
        cpu: bool = True,
        enabled: Optional[bool] = None,
        free: Callable[[int], int] = free_cores_during_run,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = (cpu and _chosen_threads is not None) if enabled is None else enabled
        self.interval = interval
        self._free = free
        self._clock = clock
        self._next = clock() + interval

    def __call__(self) -> Optional[int]:
        if not self.enabled or self._clock() < self._next:
            return None
        import torch

        current = torch.get_num_threads()
        wanted = self._free(current)
        self._next = self._clock() + self.interval
        if wanted == current:
            return None
        torch.set_num_threads(wanted)
        return wanted


class ThreadCap:
    """Caps torch's CPU thread count at the cores other processes leave free, for one block at a time.

    For torch work that a library does inside a process it does not own: the
    ``elmo_vectors`` biLM pass in ``spacy train`` or in a user's ``nlp.pipe``.
    There torch keeps the thread count it started with (a thread per core, and
    libgomp's long spin: neither can be changed once torch is imported), and
    when another process holds a core the threads wait for each other at every
    barrier: with one busy process on 2 cores, ``nlp.pipe`` of an ELMo pipeline
    ran ~6x slower with 2 threads than with 1 (README).

    ``with cap(cpu=True): ...``: at most every ``interval`` seconds the cap counts
    the cores free of other processes (:func:`available_cores` less
    :func:`running_others`); while that is fewer than torch's thread count, the
    block runs with that many threads, and the count is put back when it ends.
    It never raises the count, and does nothing for a GPU (``cpu=False``), where
    ``OMP_NUM_THREADS`` is set (by the user, or by :func:`configure_threads` on
    the command line, whose :class:`ThreadFollower` then looks after the count),
    or with ``SPACY_ELMO_W2V_THREADS=0``.
    ``environ``, ``others``, ``cores`` and ``clock`` are seams for tests.
    """

    def __init__(
        self,
        interval: float = 30.0,
        *,
        environ: Mapping[str, str] = os.environ,
        others: Callable[[], Optional[int]] = lambda: running_others(samples=3, pause=0.005),  # ~10 ms
        cores: Callable[[], int] = available_cores,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._environ = environ
        self._others = others
        self._cores = cores
        self._clock = clock
        self._free: Optional[int] = None
        self._next: Optional[float] = None

    @property
    def enabled(self) -> bool:
        """Whether the cap may act: nobody set ``OMP_NUM_THREADS``, and ``SPACY_ELMO_W2V_THREADS`` is not 0."""
        return not switched_off(self._environ) and "OMP_NUM_THREADS" not in self._environ

    def free(self) -> Optional[int]:
        """The cores free of other processes (at least 1), counted again once ``interval`` has passed; None where unknown."""
        now = self._clock()
        if self._next is None or now >= self._next:
            others = self._others()
            self._free = None if others is None else max(1, self._cores() - max(0, others))
            self._next = now + self.interval
        return self._free

    @contextmanager
    def __call__(self, cpu: bool = True) -> Iterator[None]:
        """Run the block with torch's thread count capped at :meth:`free` (see the class)."""
        if not cpu or not self.enabled:
            yield
            return
        import torch

        current = torch.get_num_threads()
        free = self.free()
        if free is None or free >= current:
            yield
            return
        torch.set_num_threads(free)
        try:
            yield
        finally:
            torch.set_num_threads(current)
