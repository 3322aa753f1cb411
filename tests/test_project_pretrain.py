"""scripts/pretrain.py: preset choice on GPU/CPU, smoke overrides, resuming an interrupted ELMo run."""
import sys
from pathlib import Path

import pytest

from ._project_helpers import ROOT, import_script

pretrain = import_script("pretrain")
presets = import_script("presets")


@pytest.fixture
def cuda(monkeypatch):
    import torch

    def set_available(available: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: available)

    return set_available


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_gpu_asked_without_cuda_says_so_and_uses_the_cpu_preset(cuda, capsys):
    cuda(False)
    cmd = pretrain.build_command("elmo", Path("out"), 0, False, [])
    assert cmd[cmd.index("--gpu-id") + 1] == "-1"
    assert cmd[4] == str(presets.CONFIGS["elmo"]["cpu"])
    assert "no CUDA device" in " ".join(capsys.readouterr().out.split())


def test_gpu_with_cuda_uses_the_gpu_preset_when_there_is_one(cuda, monkeypatch, tmp_path):
    cuda(True)
    gpu_cfg = tmp_path / "elmo_gpu.cfg"
    gpu_cfg.write_text("")
    monkeypatch.setitem(presets.CONFIGS, "elmo", {"cpu": Path("configs/elmo.cfg"), "gpu": gpu_cfg})
    cmd = pretrain.build_command("elmo", Path("out"), 1, False, [])
    assert cmd[4] == str(gpu_cfg) and cmd[cmd.index("--gpu-id") + 1] == "1"
    gpu_cfg.unlink()
    assert pretrain.build_command("elmo", Path("out"), 1, False, [])[4] == "configs/elmo.cfg"


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


def test_elmo_gets_resume_when_an_unfinished_run_left_a_checkpoint(tmp_path):
    from spacy_elmo_w2v.elmo.checkpoint import checkpoint_path

    out = tmp_path / "elmo"
    assert pretrain.resume_flags("elmo", out) == []
    checkpoint_path(out).parent.mkdir(parents=True)
    checkpoint_path(out).write_bytes(b"")
    assert pretrain.resume_flags("elmo", out) == ["--resume"]


def test_skipgram_never_gets_resume(tmp_path):
    from spacy_elmo_w2v.elmo.checkpoint import checkpoint_path

    out = tmp_path / "sg"
    checkpoint_path(out).parent.mkdir(parents=True)
    checkpoint_path(out).write_bytes(b"")
    assert pretrain.resume_flags("skipgram", out) == []
