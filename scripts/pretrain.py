"""Run ``pretrain-skipgram`` or ``pretrain-elmo`` with the preset this machine and mode call for.

Usage: python scripts/pretrain.py {skipgram,elmo} OUTPUT_DIR --gpu-id N --smoke true|false [OVERRIDES ...]

- ``--gpu-id N >= 0`` with CUDA: the config with the GPU overrides of
  scripts/presets.py; without CUDA it says so and runs on the CPU with the
  config as it is (the CPU preset).
- ``--smoke true`` adds the smoke overrides of scripts/presets.py.
- ELMo: when an interrupted run of the same command left a checkpoint in
  ``OUTPUT_DIR.partial``, it passes ``--resume`` so training continues from it.
  A checkpoint from a different command or different inputs is not resumed
  (the shapes would not match); training starts over.
Other arguments (``--paths.train F`` ...) are passed on to the command.
"""
import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from presets import CONFIGS, GPU_OVERRIDES, SMOKE_OVERRIDES, parse_bool
from wasabi import msg

# Where pretrain-elmo keeps its checkpoint, relative to OUTPUT_DIR.partial.
ELMO_CHECKPOINT = Path("checkpoint/elmo.pt")


def choose_device(gpu_id: int) -> Tuple[int, str]:
    """The GPU id to pass on (-1 for CPU) and the preset kind (``"gpu"`` or ``"cpu"``)."""
    if gpu_id < 0:
        return -1, "cpu"
    import torch

    if not torch.cuda.is_available():
        msg.warn(f"gpu_id is {gpu_id} but no CUDA device is available: continuing on CPU with the CPU-sized preset.")
        return -1, "cpu"
    return gpu_id, "gpu"


def partial_dir(output_dir: Path) -> Path:
    """Where an unfinished run keeps its files (see spacy_elmo_w2v.output)."""
    from spacy_elmo_w2v.output import partial_dir as product_partial_dir

    return product_partial_dir(output_dir)


def run_fingerprint(argv: Sequence[str], output_dir: Path) -> str:
    """A hash of the command line and of the size and mtime of every input file it names.

    Two runs with the same fingerprint train the same model on the same data,
    so the later one may resume from the earlier one's checkpoint. The output
    directory (an older finished run) is not an input and is left out.
    """
    digest = hashlib.md5(json.dumps(list(argv)).encode("utf8"))
    for arg in argv:
        path = Path(arg)
        if not path.exists() or path.resolve() == output_dir.resolve():
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            stat = file.stat()
            digest.update(f"{file}:{stat.st_size}:{stat.st_mtime_ns}".encode("utf8"))
    return digest.hexdigest()


def fingerprint_file(output_dir: Path) -> Path:
    """Where the fingerprint of the run that writes ``output_dir`` is kept (beside its partial dir)."""
    return output_dir.with_name(output_dir.name + ".run.json")


def should_resume(output_dir: Path, fingerprint: str) -> bool:
    """True when ``OUTPUT_DIR.partial`` holds a checkpoint written by a run with this fingerprint."""
    checkpoint = partial_dir(output_dir) / ELMO_CHECKPOINT
    if not checkpoint.exists():
        return False
    saved = fingerprint_file(output_dir)
    if saved.exists() and json.loads(saved.read_text(encoding="utf8")).get("fingerprint") == fingerprint:
        msg.info(f"Found the checkpoint of an interrupted run in {checkpoint}: resuming.")
        return True
    msg.warn(f"{checkpoint} comes from a different command or different inputs: starting over.")
    return False


def build_command(command: str, output_dir: Path, gpu_id: int, smoke: bool, extra: Sequence[str]) -> List[str]:
    """The ``python -m spacy_elmo_w2v pretrain-...`` argv (without ``--resume``): the command's
    config, then the GPU overrides on a GPU, the passed arguments, and the smoke overrides."""
    device_id, kind = choose_device(gpu_id)
    argv = [sys.executable, "-m", "spacy_elmo_w2v", f"pretrain-{command}", str(CONFIGS[command]), str(output_dir)]
    argv += ["--gpu-id", str(device_id), "--overwrite"]
    if kind == "gpu":
        argv += GPU_OVERRIDES[command]
    argv += list(extra)
    if smoke:
        argv += SMOKE_OVERRIDES[command]
    return argv


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Build and run the command; returns its exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=sorted(CONFIGS))
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--gpu-id", type=int, default=-1)
    parser.add_argument("--smoke", type=parse_bool, default=False)
    args, extra = parser.parse_known_args(argv)
    cmd = build_command(args.command, args.output_dir, args.gpu_id, args.smoke, extra)
    if args.command == "elmo":
        fingerprint = run_fingerprint(cmd, args.output_dir)
        if should_resume(args.output_dir, fingerprint):
            cmd.append("--resume")
        args.output_dir.parent.mkdir(parents=True, exist_ok=True)
        fingerprint_file(args.output_dir).write_text(json.dumps({"fingerprint": fingerprint, "argv": cmd}), encoding="utf8")
    msg.info(" ".join(cmd[1:]))
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
