"""``python -m spacy_elmo_w2v evaluate-perplexity MODEL FILE``."""
from pathlib import Path
from typing import Optional

import typer

from ._util import app, reports_user_errors


@app.command("evaluate-perplexity")
@reports_user_errors
def evaluate_perplexity_cli(
    model: Path = typer.Argument(..., help="A pipeline with elmo_vectors (pretrain-elmo output)"),
    data: Path = typer.Argument(..., help="Text file, one tokenized sentence per line (e.g. ptb.test.txt)"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the metrics as JSON here"),
    # None: LanguageModel.corpus_perplexity's layout (elmo/lm_data.py EVAL_ROWS, EVAL_BPTT); importing it
    # here would import spaCy and torch for every --help
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Rows the stream is cut into (default 10)"),
    bptt: Optional[int] = typer.Option(None, "--bptt", help="Tokens per chunk, the state carried across them (default 35)"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, -1 for CPU"),
    exclude_unk: bool = typer.Option(False, "--exclude-unk", help="Leave out-of-vocabulary words (<unk> targets) out of the score"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar"),
) -> None:
    """Word-level perplexity (forward, backward, mean) of the biLM on FILE, with <eos> after each line."""
    from wasabi import msg

    from ..corpus import read_corpus
    from ..device import resolve_device
    from ..elmo.lm import LanguageModel
    from ..output import write_json_output

    lm = LanguageModel.from_pipeline(model, device=resolve_device(gpu_id))
    layout = {k: v for k, v in (("batch_size", batch_size), ("bptt", bptt)) if v is not None}
    ppl = lm.corpus_perplexity(read_corpus(data, lm.lang, what="FILE"), exclude_unk=exclude_unk, progress=progress, **layout)
    metrics = {"model": str(model), "data": str(data), "exclude_unk": exclude_unk, **ppl.to_dict()}
    rows = [("forward", f"{ppl.fwd:.2f}"), ("backward", f"{ppl.bwd:.2f}"), ("mean", f"{ppl.mean:.2f}")]
    scored = "left out of the score" if exclude_unk else "scored as <unk>"
    rows.append(("out of vocabulary", f"{ppl.n_oov:,} of {ppl.n_tokens:,} tokens ({ppl.oov_rate:.1%}), {scored}"))
    msg.table(rows, header=("perplexity", str(data.name)))
    if output is not None:
        write_json_output(output, metrics)
        msg.good(f"Wrote {output}")
