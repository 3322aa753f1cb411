"""Pretraining skip-gram vectors from a config: read, train, save a pipeline."""
import shutil
import time
from pathlib import Path
from typing import Any, Dict, Optional, Union

import srsly
from spacy.language import Language
from wasabi import msg

from ..config import PRETRAIN_SECTION, load_config, pretrain_section
from ..corpus import empty_corpus_error, iter_corpus_blocks
from ..counting import count_blocks
from ..idfile import write_id_file
from ..progress import peak_rss_mb
from ..vocab import Vocabulary
from ..device import resolve_device, seed_everything
from ..errors import UserInputError
from ..output import atomic_output_dir, check_output_dir
from ..pipeline import find_pipe, nlp_from_config

TRAINING_KEYS = (
    "max_epochs", "batch_size", "learn_rate", "final_learn_rate", "seed", "max_vocab_size", "max_count_table",
)
# Written into the output directory during the run: one JSON metrics line per interval.
METRICS_FILE = "metrics.jsonl"


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
    ``spacy.load`` loads, plus ``training_log.json`` and ``metrics.jsonl``.

    The corpus is streamed twice, never held in memory: a counting pass
    builds the vocabulary (its table capped by ``[pretrain] max_count_table``,
    the vocabulary by ``max_vocab_size``), a second pass writes it as ids to
    ``OUTPUT_DIR.partial/ids`` (deleted after training), which training reads
    chunk by chunk.
    """
    from .train import train_skipgram

    started = time.perf_counter()
    check_output_dir(output_dir, overwrite)
    config = load_config(config_path, overrides or {})
    resolved = config.interpolate()
    train_path = resolved["paths"].get("train")
    if not train_path:
        raise UserInputError(
            "No training corpus: pass --paths.train FILE (or set [paths] train in the config)."
        )
    settings = _training_settings(pretrain_section(resolved, config_path))
    seed_everything(settings["seed"])
    device = resolve_device(gpu_id)
    lang = resolved["nlp"]["lang"]
    nlp = nlp_from_config(config)
    name, pipe = find_pipe(nlp, "skipgram_vectors")

    msg.info(f"Counting words in {train_path}")
    counted = count_blocks(iter_corpus_blocks(train_path, lang), pipe.normalizer, settings["max_count_table"])
    if counted.n_tokens == 0:
        raise empty_corpus_error(train_path)
    if counted.pruned:
        msg.warn(
            f"The word count table passed max_count_table={settings['max_count_table']:,} and was pruned "
            f"{counted.n_prunes} times: words seen fewer than {counted.min_reduce} times may be missing or "
            f"undercounted. Raise [{PRETRAIN_SECTION}] max_count_table if you have the memory."
        )
    words = Vocabulary.build(
        counted.counts, min_count=pipe.cfg["min_count"], max_size=settings["max_vocab_size"], source=str(train_path)
    )
    pipe.initialize(words=words)
    msg.info(
        f"{counted.n_tokens:,} tokens in {counted.n_sentences:,} sentences; "
        f"{len(pipe.words):,} words with count >= {pipe.cfg['min_count']}"
        + (f" (capped at max_vocab_size={settings['max_vocab_size']:,})" if settings["max_vocab_size"] else "")
        + f"; training on {device}"
    )
    if int(pipe.words.counts.sum() - pipe.words.counts[pipe.words.unk_id]) == 0:
        raise UserInputError(
            f"Every token of {train_path} is out of vocabulary: lower min_count "
            f"(--components.{name}.min_count 1)."
        )
    model = pipe.torch_model.to(device)
    with atomic_output_dir(output_dir, overwrite=overwrite) as tmp:
        ids_dir = tmp / "ids"
        msg.info(f"Writing the corpus as ids to {ids_dir}")
        id_file = write_id_file(iter_corpus_blocks(train_path, lang), pipe.words, pipe.normalizer, ids_dir)
        log = train_skipgram(
            model,
            id_file,
            pipe.words.counts,
            drop_id=pipe.words.unk_id,
            window=pipe.cfg["window"],
            negative=pipe.cfg["negative"],
            subsample=pipe.cfg["subsample"],
            max_epochs=settings["max_epochs"],
            batch_size=settings["batch_size"],
            noise_samples=pipe.cfg["noise_samples"],
            learn_rate=settings["learn_rate"],
            final_learn_rate=settings["final_learn_rate"],
            seed=settings["seed"],
            progress=progress,
            metrics_path=tmp / METRICS_FILE,
        )
        del id_file
        shutil.rmtree(ids_dir)
        model.to("cpu")
        pipe.sync_vectors()
        msg.good(
            f"Trained {settings['max_epochs']} epochs in {log.seconds:.1f}s "
            f"({log.tokens_per_second:,.0f} corpus tokens/s); loss by epoch: "
            + ", ".join(f"{x:.3f}" for x in log.epoch_losses)
        )
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
                "corpus_tokens": counted.n_tokens,
                "count_table_prunes": counted.n_prunes,
                "peak_rss_mb": peak_rss_mb(),
            },
        )
    msg.good(f"Saved pipeline to {output_dir} ({time.perf_counter() - started:.1f}s in all)")
    return nlp


def _training_settings(section: Dict[str, Any]) -> Dict[str, Any]:
    unknown = sorted(set(section) - set(TRAINING_KEYS))
    missing = [k for k in TRAINING_KEYS if k not in section]
    if unknown or missing:
        raise UserInputError(
            f"[{PRETRAIN_SECTION}] section: unknown keys {unknown}, missing keys {missing}. "
            f"Expected exactly {list(TRAINING_KEYS)} (see configs/skipgram.cfg)."
        )
    if section["max_epochs"] < 1 or section["batch_size"] < 1:
        raise UserInputError(f"[{PRETRAIN_SECTION}] max_epochs and batch_size must be at least 1.")
    for key in ("max_vocab_size", "max_count_table"):
        if section[key] is not None and (not isinstance(section[key], int) or section[key] < 1):
            raise UserInputError(
                f"[{PRETRAIN_SECTION}] {key} must be a positive whole number or null, not {section[key]!r}."
            )
    return dict(section)
