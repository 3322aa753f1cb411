"""Thread defaults of the command line: filled in only where the user set nothing."""
import os

from spacy_elmo_w2v.threads import DEFAULT_SPINCOUNT, available_cores, configure_threads, free_cores


def test_defaults_follow_the_cores_this_process_may_use():
    env = {}
    chosen = configure_threads(env)
    assert available_cores() == len(os.sched_getaffinity(0))
    assert 1 <= int(env["OMP_NUM_THREADS"]) <= available_cores()
    assert env["GOMP_SPINCOUNT"] == DEFAULT_SPINCOUNT
    assert chosen == env


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


def test_a_busy_process_is_seen_as_runnable():
    import subprocess
    import sys
    import time

    from spacy_elmo_w2v.threads import running_others

    if not os.path.exists("/proc/loadavg"):
        assert running_others() is None
        return
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        assert running_others(samples=5, pause=0.02) >= 1
    finally:
        busy.kill()
        busy.wait()


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


def test_the_cli_entry_sets_them_before_torch_starts(tmp_path):
    import subprocess
    import sys

    probe = tmp_path / "probe.py"
    probe.write_text(
        "import atexit, os, runpy, sys\n"
        "atexit.register(lambda: print('ENV', os.environ.get('GOMP_SPINCOUNT'), 'torch' in sys.modules))\n"
        "sys.argv = ['spacy_elmo_w2v', '--help']\n"
        "runpy.run_module('spacy_elmo_w2v', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    out = subprocess.run([sys.executable, str(probe)], env=env, capture_output=True, text=True, timeout=120)
    assert f"ENV {DEFAULT_SPINCOUNT} False" in out.stdout
