"""Join the skip-gram and ELMo pipelines into the one pipeline that gets packaged.

Usage: python scripts/assemble_pipeline.py SKIPGRAM_DIR ELMO_DIR OUTPUT_DIR
           --name NAME --version VERSION --corpus FILE [FILE ...] [--smoke true|false]
           [--metrics metrics/metrics.json] [--project-dir DIR]

The result is the skip-gram pipeline (its vectors in ``nlp.vocab.vectors``)
with the ``elmo_vectors`` component of ELMO_DIR (its weights and settings,
with ``output`` set so that it writes ``doc.tensor`` and the contextual
``doc[i].vector``), and a meta.json with the package name, version, the
corpus it was trained on (``--corpus``: the files the workflow read; an asset
of project.yml with its MD5 is named by its description and URL, any other
file by its path and MD5) and the metrics.
"""
import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import spacy
import srsly
from check_assets import project_assets
from presets import SMOKE_LINES, parse_bool
from spacy.language import Language
from wasabi import msg
from weasel.util import get_checksum

from spacy_elmo_w2v.output import atomic_output_dir
from spacy_elmo_w2v.pipeline import find_pipe


def corpus_sources(files: Sequence[Path], project_dir: Path) -> List[Dict[str, str]]:
    """One meta ``sources`` entry per corpus file: the project asset it is (name and URL), or its path and MD5."""
    assets = project_assets(project_dir)
    sources = []
    for path in files:
        md5 = get_checksum(path)
        asset = assets.get(path.resolve())
        if asset is not None and asset.get("checksum") == md5:
            sources.append({"name": asset.get("description", asset["dest"]), "url": asset["url"]})
        else:
            sources.append({"name": str(path), "md5": md5})
    return sources


#: What the packaged pipeline's ``doc.tensor`` and ``doc[i].vector`` hold.
PACKAGED_OUTPUT = "average"


def assemble(skipgram_dir: Path, elmo_dir: Path) -> Language:
    """The skip-gram pipeline with the ELMo pipeline's ``elmo_vectors`` component added after it,
    writing ``doc.tensor`` and the vector hooks whatever ELMO_DIR's own ``output`` setting is."""
    nlp = spacy.load(skipgram_dir)
    find_pipe(nlp, "skipgram_vectors")
    elmo_nlp = spacy.load(elmo_dir)
    name, elmo = find_pipe(elmo_nlp, "elmo_vectors")
    config = {k: v for k, v in elmo_nlp.config["components"][name].items() if k != "factory"}
    config["output"] = elmo.cfg["output"] if elmo.cfg["output"] is not None else PACKAGED_OUTPUT
    pipe = nlp.add_pipe("elmo_vectors", name=name, config=config)
    pipe.from_bytes(elmo.to_bytes())
    return nlp


def package_meta(
    nlp: Language, name: str, version: str, sources: List[Dict[str, str]], smoke: bool, metrics: Optional[Dict[str, Any]]
) -> Dict[str, Any]:
    """``nlp.meta`` with the package name and version, the corpus it was trained on and the metrics."""
    corpus = "; ".join(source["name"] for source in sources)
    if smoke:
        corpus = f"a smoke-run slice (the first {SMOKE_LINES['train']:,} training lines) of {corpus}"
    meta = dict(nlp.meta)
    meta.update(
        name=name,
        version=version,
        description=f"Skip-gram (word2vec) static vectors and ELMo contextual vectors pretrained on {corpus}.",
        sources=sources,
    )
    if metrics is not None:
        meta["performance"] = metrics
    return meta


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Assemble, set the meta, and write OUTPUT_DIR; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("skipgram_dir", type=Path)
    parser.add_argument("elmo_dir", type=Path)
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--name", required=True, help="Package name without the language prefix")
    parser.add_argument("--version", required=True)
    parser.add_argument("--corpus", type=Path, nargs="+", required=True, help="The corpus files the pipeline was trained on")
    parser.add_argument("--smoke", type=parse_bool, default=False, help="true: the workflow trained on a slice")
    parser.add_argument("--metrics", type=Path, default=None, help="JSON written by scripts/collect_metrics.py")
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="Directory holding project.yml")
    args = parser.parse_args(argv)
    nlp = assemble(args.skipgram_dir, args.elmo_dir)
    metrics = srsly.read_json(args.metrics) if args.metrics else None
    sources = corpus_sources(args.corpus, args.project_dir)
    nlp.meta.update(package_meta(nlp, args.name, args.version, sources, args.smoke, metrics))
    with atomic_output_dir(args.output_dir, overwrite=True) as tmp:
        nlp.to_disk(tmp)
    msg.good(f"Saved {nlp.pipe_names} with {len(nlp.vocab.vectors):,} static vectors to {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
