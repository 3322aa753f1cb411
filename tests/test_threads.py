"""Thread defaults of the command line, filled in only where the user set nothing; and the cap on
the ELMo pass's threads in processes nobody set them for."""
import os

import pytest

from spacy_elmo_w2v.threads import DEFAULT_SPINCOUNT, ThreadCap, available_cores, configure_threads, free_cores


def test_defaults_follow_the_cores_this_process_may_use(monkeypatch):
    import spacy_elmo_w2v.threads as threads

    assert available_cores() == len(os.sched_getaffinity(0))
    # 8 cores, a load of 2.4 and 5 other runnable threads: 2 busy cores, 6 free
    monkeypatch.setattr(threads, "available_cores", lambda: 8)
    monkeypatch.setattr(threads, "load_average", lambda: 2.4)
    monkeypatch.setattr(threads, "running_others", lambda: 5)
    env = {}
    chosen = configure_threads(env)
    assert env["OMP_NUM_THREADS"] == "6"
    assert env["GOMP_SPINCOUNT"] == DEFAULT_SPINCOUNT
    assert chosen == env
    # fewer runnable threads than the load average remembers: only those count
    monkeypatch.setattr(threads, "running_others", lambda: 1)
    env = {}
    configure_threads(env)
    assert env["OMP_NUM_THREADS"] == "7"


def test_busy_cores_are_left_to_their_processes():
    cores = available_cores()
    assert free_cores(load=0.0) == cores
    assert free_cores(load=0.6) == max(1, cores - 1)
    assert free_cores(load=cores + 5.0) == 1


def test_load_that_has_ended_is_not_counted():
    cores = available_cores()
    # the one-minute average still remembers a finished step, but nothing else runs now
    assert free_cores(load=1.0, running=0) == cores
    assert free_cores(load=1.0, running=1) == max(1, cores - 1)
    # runnable processes the average has not caught up with yet are not guessed at
    assert free_cores(load=0.0, running=3) == cores


def test_running_others_are_the_runnable_tasks_less_this_processs_own(tmp_path):
    from spacy_elmo_w2v.threads import running_others

    loadavg = tmp_path / "loadavg"
    loadavg.write_text("0.50 0.40 0.30 7/300 12345\n")
    assert running_others(samples=1, pause=0.0, loadavg=loadavg, own=lambda: 2) == 5
    # the median of the samples: 7 - 1, 7 - 3, 7 - 2
    own = iter([1, 3, 2])
    assert running_others(samples=3, pause=0.0, loadavg=loadavg, own=lambda: next(own)) == 5
    assert running_others(samples=1, pause=0.0, loadavg=tmp_path / "none", own=lambda: 1) is None
    loadavg.write_text("garbled\n")
    assert running_others(samples=1, pause=0.0, loadavg=loadavg, own=lambda: 1) is None
    # by default it reads this system's file
    assert isinstance(running_others(samples=1, pause=0.0), int) == os.path.exists("/proc/loadavg")


def test_user_settings_win():
    env = {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "ACTIVE"}
    assert configure_threads(env) == {}
    assert env == {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "ACTIVE"}
    env = {"GOMP_SPINCOUNT": "infinite"}
    configure_threads(env)
    assert env["GOMP_SPINCOUNT"] == "infinite" and "OMP_NUM_THREADS" in env


def test_the_off_switch_leaves_the_environment_alone():
    env = {"SPACY_ELMO_W2V_THREADS": "0"}
    assert configure_threads(env) == {} and env == {"SPACY_ELMO_W2V_THREADS": "0"}


def _cli_probe(tmp_path, printed: str, **env_overrides: str) -> str:
    """Stdout of ``python -m spacy_elmo_w2v --help`` that prints ``printed`` (an expression) at exit.

    The thread settings of this environment are removed first, then ``env_overrides`` added.
    """
    import subprocess
    import sys

    probe = tmp_path / "probe.py"
    probe.write_text(
        "import atexit, os, runpy, sys\n"
        "from spacy_elmo_w2v.threads import ThreadFollower\n"
        f"atexit.register(lambda: print({printed}))\n"
        "sys.argv = ['spacy_elmo_w2v', '--help']\n"
        "runpy.run_module('spacy_elmo_w2v', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    out = subprocess.run([sys.executable, str(probe)], env={**env, **env_overrides}, capture_output=True, text=True, timeout=120)
    return out.stdout


def test_the_cli_entry_sets_them_before_torch_starts(tmp_path):
    out = _cli_probe(tmp_path, "'ENV', os.environ.get('GOMP_SPINCOUNT'), 'torch' in sys.modules")
    assert f"ENV {DEFAULT_SPINCOUNT} False" in out


def test_the_cli_entry_lets_its_own_thread_count_follow_the_load_and_never_the_users(tmp_path):
    assert "FOLLOWS True" in _cli_probe(tmp_path, "'FOLLOWS', ThreadFollower().enabled")
    assert "FOLLOWS False" in _cli_probe(tmp_path, "'FOLLOWS', ThreadFollower().enabled", OMP_NUM_THREADS="1")


def test_own_runnable_threads_reads_the_state_after_the_command_name(tmp_path):
    from spacy_elmo_w2v.threads import own_runnable_threads

    for tid, stat in (("1", "1 (python) R 0 1"), ("2", "2 (pt_main) S 1 1"), ("3", "3 (odd) name) R 1 1")):
        (tmp_path / tid).mkdir()
        (tmp_path / tid / "stat").write_text(stat)
    assert own_runnable_threads(tmp_path) == 2
    assert own_runnable_threads(tmp_path / "none") == 1  # the caller itself runs


def test_free_cores_during_a_run_leave_out_its_own_threads(monkeypatch):
    import spacy_elmo_w2v.threads as threads

    cores = available_cores()
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (float(cores), 0.0, 0.0))
    monkeypatch.setattr(threads, "running_others", lambda: 0)
    assert threads.free_cores_during_run(cores) == cores  # all the load is this process's
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (float(cores) + 1.0, 0.0, 0.0))
    monkeypatch.setattr(threads, "running_others", lambda: 1)
    assert threads.free_cores_during_run(cores) == max(1, cores - 1)  # one other process


def test_the_thread_follower_moves_torchs_count_only_when_enabled_and_due():
    import torch

    from spacy_elmo_w2v.threads import ThreadFollower

    now = [0.0]
    asked = []

    def free(current):
        asked.append(current)
        return 1 if current != 1 else 2

    original = torch.get_num_threads()
    try:
        assert ThreadFollower(interval=0.0, free=free).enabled is False  # pytest's count was not chosen by us
        off = ThreadFollower(interval=0.0, enabled=False, free=free, clock=lambda: now[0])
        now[0] = 100.0
        assert off() is None and asked == []
        follower = ThreadFollower(interval=30.0, enabled=True, free=free, clock=lambda: now[0])
        now[0] = 110.0
        assert follower() is None and asked == []  # not due yet
        now[0] = 131.0
        wanted = 1 if original != 1 else 2
        assert follower() == wanted and torch.get_num_threads() == wanted
        assert follower() is None  # the next look is 30 s later
        now[0] = 170.0
        assert follower() == (2 if wanted == 1 else 1)
        assert asked == [original, wanted]
    finally:
        torch.set_num_threads(original)


@pytest.fixture
def torch_threads():
    """torch, its thread count put back after the test."""
    torch = pytest.importorskip("torch")
    original = torch.get_num_threads()
    yield torch
    torch.set_num_threads(original)


def test_the_cap_runs_a_block_on_the_free_cores_and_puts_the_count_back(torch_threads):
    torch = torch_threads
    torch.set_num_threads(4)
    cap = ThreadCap(environ={}, others=lambda: 3, cores=lambda: 4)  # 3 of 4 cores busy elsewhere
    with cap():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 4
    with pytest.raises(KeyError), cap():
        assert torch.get_num_threads() == 1
        raise KeyError("a failing pass")
    assert torch.get_num_threads() == 4
    # never more threads than torch had, never fewer than one
    torch.set_num_threads(2)
    with ThreadCap(environ={}, others=lambda: 0, cores=lambda: 4)():
        assert torch.get_num_threads() == 2
    with ThreadCap(environ={}, others=lambda: 9, cores=lambda: 4)():
        assert torch.get_num_threads() == 1


@pytest.mark.parametrize(
    "environ, cpu, others",
    [
        ({"OMP_NUM_THREADS": "4"}, True, lambda: 3),  # the user (or our command line) chose
        ({"SPACY_ELMO_W2V_THREADS": "0"}, True, lambda: 3),  # switched off
        ({}, False, lambda: 3),  # a GPU pass
        ({}, True, lambda: None),  # no /proc/loadavg to count with
    ],
)
def test_the_cap_leaves_the_count_alone_where_it_must(torch_threads, environ, cpu, others):
    torch = torch_threads
    torch.set_num_threads(4)
    with ThreadCap(environ=environ, others=others, cores=lambda: 4)(cpu=cpu):
        assert torch.get_num_threads() == 4


def test_the_cap_counts_the_busy_cores_at_most_once_an_interval(torch_threads):
    torch = torch_threads
    torch.set_num_threads(2)
    now, busy, counted = [0.0], [1], []

    def others():
        counted.append(now[0])
        return busy[0]

    cap = ThreadCap(interval=30.0, environ={}, others=others, cores=lambda: 2, clock=lambda: now[0])
    seen = []
    for t, b in ((0.0, 1), (10.0, 0), (29.0, 0), (30.0, 0), (45.0, 1), (61.0, 1)):
        now[0], busy[0] = t, b
        with cap():
            seen.append(torch.get_num_threads())
    assert counted == [0.0, 30.0, 61.0]
    assert seen == [1, 1, 1, 2, 2, 1]  # the count taken at 0 s holds until 30 s, and so on


def test_the_elmo_pass_runs_on_the_free_cores_where_nobody_set_threads(torch_threads, monkeypatch):
    """In ``spacy train`` or a user's ``nlp.pipe`` torch keeps a thread per core; the biLM pass takes
    only the cores other processes leave free (with one busy process on 2 cores, ~6x faster)."""
    import spacy_elmo_w2v.threads as threads
    from spacy_elmo_w2v.elmo import inference

    from ._elmo_helpers import TOY_TEXTS, tiny_nlp

    torch = torch_threads
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv(threads.OFF_SWITCH, raising=False)
    monkeypatch.setattr(threads, "running_others", lambda **kwargs: 1)  # one other process runs
    cores = threads.available_cores()
    torch.set_num_threads(cores + 1)
    during = []
    real = inference.window_vectors

    def spy(*args, **kwargs):
        during.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(inference, "window_vectors", spy)
    nlp = tiny_nlp()
    docs = list(nlp.pipe(TOY_TEXTS[:4]))
    assert docs and during and set(during) == {max(1, cores - 1)}
    assert torch.get_num_threads() == cores + 1  # put back after the pass
