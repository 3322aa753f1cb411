"""``python -m spacy_elmo_w2v export-word2vec MODEL OUTPUT_FILE``."""
from pathlib import Path

import typer
from wasabi import msg

from ._util import app, reports_user_errors


@app.command("export-word2vec")
@reports_user_errors
def export_word2vec_cli(
    model: str = typer.Argument(..., help="Pipeline name or path with skipgram_vectors"),
    output_file: Path = typer.Argument(..., help="Where to write the word2vec text file"),
) -> None:
    """Write the vectors in word2vec text format (read by `spacy init vectors` and gensim)."""
    from ..pipeline import find_pipe
    from ..storage import load_pipeline

    nlp = load_pipeline(model, "MODEL", "pretrain-skipgram")
    _, pipe = find_pipe(nlp, "skipgram_vectors", made_by="pretrain-skipgram")
    pipe.to_word2vec(output_file)
    msg.good(f"Wrote {len(nlp.vocab.vectors)} vectors of width {nlp.vocab.vectors.shape[1]} to {output_file}")
