"""``python -m spacy_elmo_w2v pretrain-skipgram CONFIG OUTPUT_DIR``."""
from pathlib import Path
from typing import Optional

import typer

from ..distributed import DEFAULT_TIMEOUT_S
from ._util import OVERRIDES_SETTINGS, app, overrides_from, reports_user_errors


@app.command("pretrain-skipgram", context_settings=OVERRIDES_SETTINGS)
@reports_user_errors
def pretrain_skipgram_cli(
    ctx: typer.Context,
    config_path: Path = typer.Argument(..., help="Config file, e.g. configs/skipgram.cfg", dir_okay=False),
    output_dir: Path = typer.Argument(..., help="Where to write the trained pipeline (must not exist)"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, or -1 for CPU"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace OUTPUT_DIR if an earlier run wrote it"),
    dist_timeout: Optional[float] = typer.Option(
        None, "--dist-timeout", help=f"Under torchrun: seconds a process waits for the others before the run stops (default {DEFAULT_TIMEOUT_S:g})"
    ),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="Show a progress bar (default: shown)"
    ),
) -> None:
    """Pretrain skip-gram vectors on a corpus and save a spaCy pipeline.

    Extra options override the config, as in spaCy's CLI:
    --paths.train FILE --pretrain.max_epochs 1 --components.skipgram_vectors.min_count 5
    Data-parallel: torchrun --nproc-per-node N -m spacy_elmo_w2v pretrain-skipgram ...
    """
    from ..skipgram.pretrain import pretrain_skipgram

    shown = {} if progress is None else {"progress": progress}  # pretrain_skipgram's default unless the flag is given
    pretrain_skipgram(
        config_path, output_dir, overrides=overrides_from(ctx), gpu_id=gpu_id, overwrite=overwrite,
        dist_timeout=dist_timeout, **shown,
    )
