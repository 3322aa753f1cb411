"""``python -m spacy_elmo_w2v evaluate-similarity MODEL PAIRS_FILE``."""
from pathlib import Path
from typing import Optional

import typer
from wasabi import msg

from ._util import app, reports_user_errors

DEFAULT_PROBES = "chip,intel,stock,monday"


@app.command("evaluate-similarity")
@reports_user_errors
def evaluate_similarity_cli(
    model: str = typer.Argument(..., help="Pipeline name or path with skipgram_vectors"),
    pairs_path: Path = typer.Argument(..., help="File of `word1 word2 score` lines (e.g. WordSim-353)"),
    probes: str = typer.Option(DEFAULT_PROBES, "--probes", help="Comma-separated words to show neighbours of"),
    n_neighbours: int = typer.Option(5, "--n", help="Neighbours per probe word"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the metrics as JSON here"),
) -> None:
    """Spearman rho and coverage of the vectors on word pairs, and neighbours of probe words."""
    import math

    from ..output import write_json_output
    from ..pipeline import find_pipe
    from ..similarity import evaluate_pairs, read_pairs
    from ..storage import load_pipeline

    nlp = load_pipeline(model, "MODEL", "pretrain-skipgram")
    _, pipe = find_pipe(nlp, "skipgram_vectors", made_by="pretrain-skipgram")
    scores = evaluate_pairs(nlp.vocab.vectors, read_pairs(pairs_path), pipe.normalizer)
    if math.isnan(scores["spearman"]):  # fewer than 2 pairs covered, or all of one score
        scores["spearman"] = None  # JSON has no NaN
        msg.warn(
            f"No Spearman rho: {scores['covered']} of {scores['total']} pairs of {pairs_path} have both words in the "
            f"vectors, and a rank correlation needs at least 2 with different scores. Were the vectors trained on "
            f"a corpus that holds these words (lower min_count to keep rare ones)?"
        )
    else:
        msg.good(
            f"Spearman rho {scores['spearman']:.3f} on {scores['covered']}/{scores['total']} pairs "
            f"(coverage {scores['coverage']:.1%})"
        )
    neighbours = {}
    for word in filter(None, (w.strip() for w in probes.split(","))):
        try:
            neighbours[word] = pipe.most_similar(word, n=n_neighbours)
        except KeyError:
            msg.warn(f"{word!r} has no vector")
            continue
        print(f"{word:>12}: " + ", ".join(f"{w} ({s:.2f})" for w, s in neighbours[word]))
    if output is not None:
        write_json_output(output, {**scores, "neighbours": neighbours})
        msg.good(f"Wrote {output}")
