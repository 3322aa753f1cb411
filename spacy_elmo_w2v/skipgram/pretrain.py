"""Pretraining skip-gram vectors from a config: read, train, save a pipeline."""
import shutil
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

import srsly
from spacy.language import Language
from wasabi import msg

from ..config import PRETRAIN_SECTION, load_config, pretrain_section, reject_pretrain_seed, system_seed
from ..corpus import iter_corpus_blocks
from ..memory import release_free_memory
from ..progress import METRICS_FILE, peak_rss_mb
from ..staging import StagedCorpus, count_vocabulary
from ..device import resolve_device, seed_everything
from ..errors import UserInputError
from ..output import atomic_output_dir, check_output_dir, partial_dir, staging_dir
from ..pipeline import find_pipe, nlp_from_config
from ..settings import above, at_least, settings_from_section
from ..vocab import Vocabulary

# The corpus as ids, inside OUTPUT_DIR.partial while training runs.
IDS_DIR = "ids"


@dataclass
class SkipGramSettings:
    """The pretraining section of configs/skipgram.cfg; types and bounds are checked before any data is read."""

    max_epochs: int = at_least(1)
    batch_size: int = at_least(1)
    learn_rate: float = above(0)
    final_learn_rate: float = at_least(0)
    max_vocab_size: Optional[int] = at_least(1)
    max_count_table: Optional[int] = at_least(1)
    sync_every: int = at_least(1)


def pretrain_skipgram(
    config_path: Union[str, Path],
    output_dir: Union[str, Path],
    *,
    overrides: Optional[Dict[str, Any]] = None,
    gpu_id: int = -1,
    overwrite: bool = False,
    progress: bool = True,
    dist_timeout: Optional[float] = None,
) -> Language:
    """Train the config's ``skipgram_vectors`` on ``[paths] train``; save to ``output_dir``.

    Returns the trained pipeline. ``output_dir`` is written only when the run
    succeeds (see :mod:`spacy_elmo_w2v.output`); it holds a pipeline that
    ``spacy.load`` loads, plus ``training_log.json`` and ``metrics.jsonl``.

    The corpus is streamed once, never held in memory: one pass counts the
    words (the table capped by ``[pretrain] max_count_table``) and stages
    provisional ids next to the output (:mod:`spacy_elmo_w2v.staging`); once
    the vocabulary is built (capped by ``max_vocab_size``) they become
    vocabulary ids in ``OUTPUT_DIR.partial/ids`` (deleted when training ends or fails),
    which training reads chunk by chunk. A pruned count table costs a second
    text pass instead.

    Under ``torchrun --nproc-per-node N`` the run is data-parallel: rank 0
    counts the corpus, builds the vocabulary and the initial tables, shares
    them and writes the id file (``OUTPUT_DIR.partial`` must be on a file
    system every rank sees); each rank trains on its contiguous token range
    of the id file with its own sampling seed and ``batch_size / N`` centers
    per step, the ranks add up their moves every ``[pretrain] sync_every``
    steps and after each chunk (:mod:`.sync`), and rank 0 alone writes the output.
    ``dist_timeout`` (seconds) bounds how long a rank waits for the others.
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
    reject_pretrain_seed(section)
    settings = settings_from_section(SkipGramSettings, section, PRETRAIN_SECTION, "configs/skipgram.cfg")
    check_output_dir(output_dir, overwrite, {"--paths.train": train_path})
    device = resolve_device(gpu_id)

    # torch: imported once the settings are known to be good
    from ..distributed import main_process_output, process_group, rank_device

    # Rank 0 alone reads the text; its staged ids (next to the output) live until the id file is written.
    with process_group(device, dist_timeout) as group, main_process_output(group), (
        staging_dir(output_dir) if group.is_main else nullcontext()
    ) as stage:
        return _train_and_save(
            config, resolved, settings, output_dir, rank_device(device, group), group, overwrite, progress, started, stage
        )


def _count_vocabulary(
    pipe, train_path: str, lang: str, settings: SkipGramSettings, stage: Path
) -> Tuple[Tuple[Dict[str, Any], Vocabulary], StagedCorpus]:
    """The text pass: count words and stage ids in ``stage``; return the counting figures and
    ``pipe``'s vocabulary of the corpus (not yet given to ``pipe``), and the staged ids."""
    msg.info(f"Counting words in {train_path}")
    words, staged = count_vocabulary(
        iter_corpus_blocks(train_path, lang, what="--paths.train"), pipe, settings.max_count_table,
        settings.max_vocab_size, stage, source=str(train_path),
    )
    c = staged.counted
    return ({"n_tokens": c.n_tokens, "n_sentences": c.n_sentences, "n_prunes": c.n_prunes}, words), staged


def _train_and_save(
    config,
    resolved,
    settings: SkipGramSettings,
    output_dir: Union[str, Path],
    device,
    group,
    overwrite: bool,
    progress: bool,
    started: float,
    stage: Optional[Path],
) -> Language:
    """The body of :func:`pretrain_skipgram` once the process group is up; rank 0 stages ids in ``stage``."""
    from ..distributed import rank_seed
    from ..idfile import IdFile
    from .train import train_skipgram

    train_path = resolved["paths"]["train"]
    lang = resolved["nlp"]["lang"]
    nlp = nlp_from_config(config)
    name, pipe = find_pipe(nlp, "skipgram_vectors")
    seed = system_seed(resolved)
    seed_everything(seed)

    # One vocabulary, counted on rank 0 and shared (its staged ids stay there); one initial model, rank 0's.
    (counted, words), staged = group.from_main_keeping(
        lambda: _count_vocabulary(pipe, train_path, lang, settings, stage / IDS_DIR)
    )
    pipe.initialize_from_vocabulary(words, defer_vectors=True)
    group.broadcast_(pipe.torch_model.parameters())
    msg.info(
        f"{counted['n_tokens']:,} tokens in {counted['n_sentences']:,} sentences; "
        f"{len(pipe.words):,} words with count >= {pipe.cfg['min_count']}"
        + (f" (capped at max_vocab_size={settings.max_vocab_size:,})" if settings.max_vocab_size else "")
        + f"; training on {device}"
        + (f" x {group.world_size} processes" if group.is_distributed else "")
    )
    if int(pipe.words.counts.sum() - pipe.words.counts[pipe.words.unk_id]) == 0:
        raise UserInputError(
            f"Every token of {train_path} is out of vocabulary: lower min_count "
            f"(--components.{name}.min_count 1)."
        )
    model = pipe.torch_model.to(device)
    # batch_size and noise_groups are those of all processes together: each process takes its share,
    # so that the ranks' steps together hold the one-process step's centers, in groups of the same size
    per_process = {
        "batch_size": max(1, settings.batch_size // group.world_size),
        "noise_groups": max(1, pipe.cfg["noise_groups"] // group.world_size),
    }

    def train(id_file, metrics_path: Optional[Path]):
        return train_skipgram(
            model,
            id_file,
            pipe.words.counts,
            drop_id=pipe.words.unk_id,
            window=pipe.cfg["window"],
            negative=pipe.cfg["negative"],
            subsample=pipe.cfg["subsample"],
            max_epochs=settings.max_epochs,
            batch_size=per_process["batch_size"],
            noise_samples=pipe.cfg["noise_samples"],
            noise_groups=per_process["noise_groups"],
            learn_rate=settings.learn_rate,
            final_learn_rate=settings.final_learn_rate,
            seed=rank_seed(seed, group.rank),
            progress=progress,
            metrics_path=metrics_path,
            group=group,
            sync_every=settings.sync_every,
        )

    if not group.is_main:
        group.barrier()  # rank 0 has written the id file
        train(IdFile.open(partial_dir(output_dir) / IDS_DIR), None)
        group.barrier()  # rank 0 has written the output
        return nlp
    with atomic_output_dir(output_dir, overwrite=overwrite) as tmp:
        ids_dir = tmp / IDS_DIR
        msg.info(f"Writing the corpus as ids to {ids_dir}")
        try:
            id_file = staged.write_ids(ids_dir, pipe.words, lambda: iter_corpus_blocks(train_path, lang), pipe.normalizer)
            group.barrier()
            log = train(id_file, tmp / METRICS_FILE)
            del id_file
        finally:  # 4 bytes a corpus token that nothing reads again, whether training ended or failed (no resume)
            shutil.rmtree(ids_dir, ignore_errors=True)
        release_free_memory()  # training's working memory, before the vectors table is built
        pipe.set_trained(model)
        msg.good(
            f"Trained {settings.max_epochs} epochs in {log.seconds:.1f}s "
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
                "corpus_tokens": counted["n_tokens"],
                "count_table_prunes": counted["n_prunes"],
                "peak_rss_mb": peak_rss_mb(),
                "processes": group.world_size,
                "per_process": per_process,
            },
        )
    group.barrier()
    msg.good(f"Saved pipeline to {output_dir} ({time.perf_counter() - started:.1f}s in all)")
    return nlp
