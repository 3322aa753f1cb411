"""Pretraining skip-gram vectors from a config: read, train, save a pipeline."""
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional, Union

import srsly
from spacy.language import Language
from wasabi import msg

from ..config import PRETRAIN_SECTION, load_config, pretrain_section
from ..corpus import read_corpus
from ..device import resolve_device, seed_everything
from ..errors import UserInputError
from ..output import atomic_output_dir, check_output_dir
from ..pipeline import find_pipe, nlp_from_config
from ..settings import settings_from_section



@dataclass
class SkipGramSettings:
    """The pretraining section of configs/skipgram.cfg; types and bounds are checked before any data is read."""

    max_epochs: int = field(metadata={"min": 1})
    batch_size: int = field(metadata={"min": 1})
    learn_rate: float = field(metadata={"above": 0})
    final_learn_rate: float = field(metadata={"min": 0})
    seed: int = field(metadata={"min": 0})


def pretrain_skipgram(
    config_path: Union[str, Path],
    output_dir: Union[str, Path],
    *,
    overrides: Optional[Dict[str, Any]] = None,
    gpu_id: int = -1,
    overwrite: bool = False,
    progress: bool = True,
) -> Language:
    """Train the config's ``skipgram_vectors`` on ``[paths] train``; save to ``output_dir``.

    Returns the trained pipeline. ``output_dir`` is written only when the run
    succeeds (see :mod:`spacy_elmo_w2v.output`); it holds a pipeline that
    ``spacy.load`` loads, plus ``training_log.json``.
    """
    started = time.perf_counter()
    config = load_config(config_path, overrides or {})
    resolved = config.interpolate()
    train_path = resolved["paths"].get("train")
    if not train_path:
        raise UserInputError(
            "No training corpus: pass --paths.train FILE (or set [paths] train in the config)."
        )
    section = pretrain_section(resolved, config_path)
    settings = settings_from_section(SkipGramSettings, section, PRETRAIN_SECTION, "configs/skipgram.cfg")
    check_output_dir(output_dir, overwrite)
    nlp = nlp_from_config(config)
    name, pipe = find_pipe(nlp, "skipgram_vectors")
    seed_everything(settings.seed)
    device = resolve_device(gpu_id)

    from .train import make_stream, train_skipgram  # torch: imported once the settings are known to be good

    msg.info(f"Reading {train_path}")
    corpus = read_corpus(train_path, lang=resolved["nlp"]["lang"], what="--paths.train")
    pipe.initialize(corpus=corpus)
    ids, sentences = pipe.encode(corpus)
    msg.info(
        f"{len(corpus):,} tokens in {corpus.n_sentences:,} sentences; "
        f"{len(pipe.words):,} words with count >= {pipe.cfg['min_count']}; training on {device}"
    )
    model = pipe.torch_model.to(device)
    stream = make_stream(ids, sentences, len(pipe.words), pipe.words.unk_id, device)
    if len(stream.ids) == 0:
        raise UserInputError(
            f"Every token of {train_path} is out of vocabulary: lower min_count "
            f"(--components.{name}.min_count 1)."
        )
    log = train_skipgram(
        model,
        stream,
        window=pipe.cfg["window"],
        negative=pipe.cfg["negative"],
        subsample=pipe.cfg["subsample"],
        max_epochs=settings.max_epochs,
        batch_size=settings.batch_size,
        noise_samples=pipe.cfg["noise_samples"],
        learn_rate=settings.learn_rate,
        final_learn_rate=settings.final_learn_rate,
        seed=settings.seed,
        progress=progress,
    )
    model.to("cpu")
    pipe.sync_vectors()
    msg.good(
        f"Trained {settings.max_epochs} epochs in {log.seconds:.1f}s "
        f"({log.tokens_per_second:,.0f} corpus tokens/s); loss by epoch: "
        + ", ".join(f"{x:.3f}" for x in log.epoch_losses)
    )
    with atomic_output_dir(output_dir, overwrite=overwrite) as tmp:
        nlp.to_disk(tmp)
        srsly.write_json(
            Path(tmp) / "training_log.json",
            {
                "epoch_losses": log.epoch_losses,
                "train_seconds": log.seconds,
                "corpus_tokens_per_second": log.tokens_per_second,
                "total_seconds": time.perf_counter() - started,
                "device": str(device),
                "n_words": len(pipe.words),
            },
        )
    msg.good(f"Saved pipeline to {output_dir} ({time.perf_counter() - started:.1f}s in all)")
    return nlp

