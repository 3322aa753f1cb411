"""``python -m spacy_elmo_w2v pretrain-elmo CONFIG OUTPUT_DIR``."""
from pathlib import Path
from typing import Optional

import typer

from ..distributed import DEFAULT_TIMEOUT_S
from ._util import OVERRIDES_SETTINGS, app, overrides_from, reports_user_errors


@app.command("pretrain-elmo", context_settings=OVERRIDES_SETTINGS)
@reports_user_errors
def pretrain_elmo_cli(
    ctx: typer.Context,
    config_path: Path = typer.Argument(..., help="Config file, e.g. configs/elmo.cfg", dir_okay=False),
    output_dir: Path = typer.Argument(..., help="Where to write the pipeline (spacy.load can load it)"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, -1 for CPU"),
    resume: bool = typer.Option(False, "--resume", help="Continue the checkpoint in OUTPUT_DIR.partial (same config and files only)"),
    restart: bool = typer.Option(False, "--restart", help="Discard a checkpoint in OUTPUT_DIR.partial and start over"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUTPUT_DIR if an earlier run wrote it"),
    dist_timeout: Optional[float] = typer.Option(
        None, "--dist-timeout", help=f"Under torchrun: seconds a process waits for the others before the run stops (default {DEFAULT_TIMEOUT_S:g})"
    ),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="Show a progress bar (default: the config's [pretrain] progress)"
    ),
) -> None:
    """Pretrain the ELMo biLM and save a pipeline with the elmo_vectors component.

    Config values can be overridden as in spaCy: --paths.train F --paths.dev F
    --paths.vectors SKIPGRAM_PIPELINE --pretrain.max_epochs 1.
    Data-parallel: torchrun --nproc-per-node N -m spacy_elmo_w2v pretrain-elmo ...
    """
    from ..elmo.pretrain import pretrain_elmo

    overrides = overrides_from(ctx)
    if progress is not None:  # the flag spelled as pretrain-skipgram's; the setting stays the config's
        overrides["pretrain.progress"] = progress
    pretrain_elmo(
        config_path, output_dir, overrides, gpu_id=gpu_id, resume=resume, overwrite=overwrite, restart=restart,
        dist_timeout=dist_timeout,
    )
