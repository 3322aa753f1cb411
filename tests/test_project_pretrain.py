"""scripts/pretrain.py: preset choice on GPU/CPU, smoke overrides, resuming an interrupted ELMo run."""
import shutil
import sys
from pathlib import Path

import pytest

from ._project_helpers import ROOT, import_script
from .conftest import unwrapped

pretrain = import_script("pretrain")
presets = import_script("presets")


@pytest.fixture
def cuda(monkeypatch):
    import torch

    def set_available(available: bool) -> None:
        """A machine with two CUDA devices, or with none."""
        monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: 2 if available else 0)

    return set_available


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_gpu_asked_without_cuda_says_so_and_uses_the_cpu_preset(cuda, capsys):
    cuda(False)
    cmd = pretrain.build_command("elmo", Path("out"), 0, False, [])
    assert cmd[cmd.index("--gpu-id") + 1] == "-1"
    assert cmd[4] == str(presets.CONFIGS["elmo"])
    assert not set(presets.GPU_OVERRIDES["elmo"][::2]) & set(cmd)
    assert "no CUDA device" in unwrapped(capsys.readouterr().out)


def test_gpu_with_cuda_adds_the_gpu_overrides_before_the_passed_ones(cuda):
    cuda(True)
    cmd = pretrain.build_command("elmo", Path("out"), 1, False, ["--pretrain.max_epochs", "3"])
    assert cmd[4] == str(presets.CONFIGS["elmo"]) and cmd[cmd.index("--gpu-id") + 1] == "1"
    gpu = presets.GPU_OVERRIDES["elmo"]
    start = cmd.index(gpu[0])
    assert cmd[start:start + len(gpu)] == gpu
    assert cmd[-2:] == ["--pretrain.max_epochs", "3"]  # what the user passes wins over the preset


def test_gpu_id_minus_one_forces_the_cpu(cuda):
    cuda(True)
    cmd = pretrain.build_command("skipgram", Path("out"), -1, False, [])
    assert cmd[cmd.index("--gpu-id") + 1] == "-1"


def test_smoke_adds_the_smoke_overrides_after_the_passed_ones(cuda):
    cuda(False)
    cmd = pretrain.build_command("skipgram", Path("out"), -1, True, ["--paths.train", "t.txt"])
    assert cmd[:3] == [sys.executable, "-m", "spacy_elmo_w2v"]
    assert cmd[-len(presets.SMOKE_OVERRIDES["skipgram"]):] == presets.SMOKE_OVERRIDES["skipgram"]
    assert cmd[cmd.index("--paths.train") + 1] == "t.txt"
    assert "--overwrite" in cmd


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory) -> Path:
    """The output dir of a tiny ``pretrain-elmo`` run interrupted after its first epoch (checkpoint in its partial dir)."""
    from ._elmo_helpers import interrupted_run

    return interrupted_run(tmp_path_factory.mktemp("interrupted"))[0]


def write_checkpoint(output_dir: Path, interrupted: Path) -> None:
    """Put the interrupted run's real partial dir (with its checkpoint) where a run writing ``output_dir`` keeps it."""
    from spacy_elmo_w2v.output import partial_dir

    shutil.copytree(partial_dir(interrupted), partial_dir(output_dir))


def test_elmo_gets_resume_when_an_unfinished_run_left_a_checkpoint(tmp_path, interrupted):
    out = tmp_path / "elmo"
    assert pretrain.resume_flags("elmo", out) == []
    write_checkpoint(out, interrupted)
    assert pretrain.resume_flags("elmo", out) == ["--resume"]


def test_skipgram_never_gets_resume(tmp_path, interrupted):
    out = tmp_path / "sg"
    write_checkpoint(out, interrupted)
    assert pretrain.resume_flags("skipgram", out) == []


def test_n_procs_launches_the_command_under_torchrun(cuda):
    cuda(False)
    cmd = pretrain.build_command("elmo", Path("out"), -1, False, [], n_procs=2)
    assert cmd[:6] == [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    assert cmd[6:9] == ["-m", "spacy_elmo_w2v", "pretrain-elmo"]
    assert pretrain.build_command("elmo", Path("out"), -1, False, [], n_procs=1)[:3] == [sys.executable, "-m", "spacy_elmo_w2v"]
