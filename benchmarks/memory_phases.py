"""Where a command's memory goes: its resident set sampled every 10 ms, the highest value in each
stretch between two of its output lines.

    python benchmarks/memory_phases.py -- python -m spacy_elmo_w2v pretrain-skipgram configs/skipgram.cfg OUT \\
        --overwrite --no-progress --paths.train CORPUS --pretrain.max_epochs 1 --components.skipgram_vectors.min_count 5

Each row: the stretch (seconds from the start), the highest VmRSS in it with its anonymous and
file-backed parts (``/proc/PID/status``), and the output line the stretch began after (the
pretraining commands log one per phase: counting, writing ids, training, saving). The last line
is the peak. Linux only. glibc's allocator can be tuned from the environment for a comparison
(e.g. ``MALLOC_MMAP_THRESHOLD_=1048576``).
"""
import argparse
import re
import subprocess
import sys
import threading
import time
from typing import List, Tuple

FIELDS = ("VmRSS", "RssAnon", "RssFile")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def read_status(pid: int) -> Tuple[int, int, int]:
    """``(VmRSS, RssAnon, RssFile)`` of ``pid`` in MB; raises OSError once it has gone."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            name = line.split(":", 1)[0]
            if name in FIELDS:
                values[name] = int(line.split()[1]) // 1024
    if "VmRSS" not in values:
        raise OSError("no memory figures (the process is exiting)")
    return values["VmRSS"], values.get("RssAnon", 0), values.get("RssFile", 0)


def profile(cmd: List[str], interval: float = 0.01) -> int:
    """Run ``cmd``, print the memory of each stretch between its output lines; return its exit status."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples: List[Tuple[float, int, int, int]] = []

    def sample() -> None:
        while proc.poll() is None:
            try:
                samples.append((time.monotonic() - started, *read_status(proc.pid)))
            except OSError:
                pass
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = [(time.monotonic() - started, ANSI.sub("", line).strip()[:90]) for line in proc.stdout]
    proc.wait()
    sampler.join()
    if not samples:
        print("no samples: the command ended at once", file=sys.stderr)
        return proc.returncode
    edges = [(0.0, "(start)")] + [line for line in lines if line[1]] + [(samples[-1][0] + 1.0, "")]
    for (begin, label), (end, _) in zip(edges, edges[1:]):
        stretch = [s for s in samples if begin <= s[0] < end]
        if stretch:
            top = max(stretch, key=lambda s: s[1])
            print(f"{begin:7.2f}-{end:7.2f} s  max {top[1]:5d} MB (anon {top[2]:5d}, file {top[3]:4d})  after: {label}")
    print(f"peak {max(s[1] for s in samples)} MB; exit status {proc.returncode}")
    return proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        parser.error("give the command to run after --")
    return profile(cmd)


if __name__ == "__main__":
    sys.exit(main())
