"""``pretrain-elmo``: train the biLM on a corpus and write a pipeline holding ``elmo_vectors``.

Flow: config + overrides -> nlp built from the config (the component's
spec) -> corpus -> vocabulary -> id streams (``<eos>`` after each line) ->
epochs of truncated-BPTT batches (:func:`.train.train_epoch` over
:func:`.objective.stream_pass`) -> dev perplexity each epoch, best weights
kept, a checkpoint each epoch in ``OUTPUT_DIR.partial/checkpoint`` -> the
best biLM in the component -> ``nlp.to_disk``. Every setting comes from the config's ``[pretrain]`` section.

Under ``torchrun`` the same loop runs on every rank, on its own shard of the
stream, with DDP averaging the gradients (:mod:`spacy_elmo_w2v.distributed`);
rank 0 alone writes checkpoints, logs and the pipeline.
"""
import copy
import shutil
import time
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Union

import torch
from wasabi import msg

from ..config import PRETRAIN_SECTION, load_config, pretrain_section, system_seed
from ..corpus import empty_corpus_error, iter_corpus_blocks
from ..idfile import IdFile
from ..device import resolve_device, seed_everything
from ..distributed import (
    ProcessGroup,
    data_parallel,
    main_process_output,
    process_group,
    rank_device,
    rank_seed,
)
from ..errors import UserInputError
from ..fingerprint import corpus_fingerprint, path_fingerprint
from ..output import atomic_output_dir, check_output_dir, partial_dir, staging_dir
from ..pipeline import find_pipe, nlp_from_config
from ..progress import METRICS_FILE
from ..staging import StagedCorpus, count_vocabulary
from ..vocab import Vocabulary
from .batching import n_stream_batches, stream_shard
from .checkpoint import CHECKPOINT, check_resumable, checkpoint_path, load_checkpoint, refuse_to_discard, run_fingerprint, save_checkpoint
from .hooks import FACTORY
from .lm_data import EOS, head_blocks, write_lm_id_file
from .objective import Perplexity, StreamObjective, evaluate_stream
from .optim import make_adam
from .settings import TrainingSettings
from .train import autocast_and_scaler, train_epoch

# The LM id streams (train/, dev/), inside OUTPUT_DIR.partial while training runs.
LM_IDS_DIR = "lm_ids"


@contextmanager
def _resume_hint(checkpoint_file: Path) -> Iterator[None]:
    """On any failure or interruption, say how to continue from the checkpoint (when there is one)."""
    try:
        yield
    except BaseException:
        if checkpoint_file.exists():
            msg.info(
                f"The finished epochs are kept in {checkpoint_file}: run the same command with --resume to "
                f"continue, or with --restart to start over."
            )
        raise


def pretrain_elmo(
    config_path: Union[str, Path],
    output_dir: Union[str, Path],
    overrides: Optional[Dict[str, Any]] = None,
    gpu_id: int = -1,
    resume: bool = False,
    overwrite: bool = False,
    restart: bool = False,
    dist_timeout: Optional[float] = None,
) -> Dict[str, Any]:
    """Train the biLM the config describes and write the pipeline to ``output_dir``.

    resume: continue the checkpoint in ``OUTPUT_DIR.partial`` (only when it
        was written by the same run: same config and input files).
    restart: discard such a checkpoint and start over. Without either, an
        existing checkpoint stops the run with an error that says so.
    overwrite: replace an existing ``output_dir`` written by an earlier run.

    Returns the metrics written to the pipeline's ``meta.json``
    (``performance``): best dev perplexities and the per-epoch history.

    Under ``torchrun --nproc-per-node N`` the run is data-parallel (see
    :mod:`spacy_elmo_w2v.distributed`): each rank trains on its contiguous
    shard of the stream, DDP averages the gradients, only rank 0 writes;
    ``dist_timeout`` (seconds) bounds how long a rank waits for the others.
    """
    if resume and restart:
        raise UserInputError("--resume continues the checkpoint and --restart discards it: pass only one of them.")
    output_dir = Path(output_dir)
    config = load_config(config_path, overrides or {})
    resolved = config.interpolate()
    settings = TrainingSettings.from_config(pretrain_section(resolved, config_path))
    check_output_dir(output_dir, overwrite, {"--paths.train": settings.train, "--paths.dev": settings.dev})
    device = resolve_device(gpu_id)
    # Rank 0 alone reads the training text; its staged ids (next to the output, made only when
    # the text pass runs: not on resume) live until the id file is written.
    with process_group(device, dist_timeout) as group, main_process_output(group), ExitStack() as scratch:
        for key, rows in (("batch_size", settings.batch_size), ("eval_batch_size", settings.eval_batch_size)):
            if rows % group.world_size:
                raise UserInputError(
                    f"{PRETRAIN_SECTION}.{key} {rows} is not a multiple of the {group.world_size} processes: "
                    f"each process reads {key} / processes rows; pick a {key} divisible by {group.world_size}."
                )
        return _train_and_save(
            config, resolved, settings, output_dir, rank_device(device, group), group, resume, restart, overwrite, scratch
        )


def _train_and_save(
    config,
    resolved,
    settings: TrainingSettings,
    output_dir: Path,
    device: torch.device,
    group: ProcessGroup,
    resume: bool,
    restart: bool,
    overwrite: bool,
    scratch: ExitStack,
) -> Dict[str, Any]:
    """The body of :func:`pretrain_elmo` once the process group is up.

    scratch: holds rank 0's staging directory (:func:`..output.staging_dir`)
    from the text pass until :func:`pretrain_elmo` returns.
    """
    nlp = nlp_from_config(config)
    _, pipe = find_pipe(nlp, FACTORY)
    inputs = {
        "--paths.train": corpus_fingerprint(settings.train, "--paths.train"),
        "--paths.dev": corpus_fingerprint(settings.dev, "--paths.dev"),
        "--paths.vectors": path_fingerprint(settings.vectors),  # a pipeline: every file
    }
    fingerprint = run_fingerprint(resolved, PRETRAIN_SECTION, inputs)
    checkpoint_file = checkpoint_path(output_dir)
    checkpoint = load_checkpoint(checkpoint_file) if resume else None
    if checkpoint is not None:
        check_resumable(checkpoint.get("fingerprint"), fingerprint, checkpoint_file)
        _check_world_size(checkpoint, checkpoint_file, group.world_size)
    elif checkpoint_file.exists() and not restart:
        refuse_to_discard(checkpoint_file)
    seed = system_seed(resolved)
    seed_everything(seed)

    lang = resolved["nlp"]["lang"]

    def train_blocks():
        return head_blocks(iter_corpus_blocks(settings.train, lang, what="--paths.train"), settings.max_train_sentences)

    if next(iter_corpus_blocks(settings.dev, lang, what="--paths.dev"), None) is None:  # reads one block
        raise empty_corpus_error(settings.dev, "--paths.dev")
    staged: Optional[StagedCorpus] = None  # rank 0's text pass, when it counts
    if checkpoint is not None:
        vocab = Vocabulary.from_dict(checkpoint["vocab"])
    else:  # counted on rank 0 and shared; the staged ids stay on rank 0
        vocab, staged = group.from_main_keeping(
            lambda: count_vocabulary(
                train_blocks(), pipe, settings.max_count_table, settings.max_vocab_size,
                scratch.enter_context(staging_dir(output_dir)) / LM_IDS_DIR, source=str(settings.train),
            )
        )

    # The component builds the biLM over the vocabulary (on resume, the checkpoint's
    # vocabulary; its weights replace the fresh ones below); the loop trains it.
    found = pipe.initialize_from_vocabulary(vocab, vectors=settings.vectors)
    if found is not None and checkpoint is None:
        msg.info(f"Word embeddings: {found} of {len(vocab)} words start from the vectors in {settings.vectors}")
    bilm = pipe.torch_model.to(device)
    forward = data_parallel(StreamObjective(bilm, every_parameter=group.is_distributed), device, group)
    torch.manual_seed(rank_seed(seed, group.rank))  # dropout masks differ per rank
    optimizer = make_adam(bilm.parameters(), settings.lr)
    autocast, scaler = autocast_and_scaler(device, settings.mixed_precision)

    t0 = time.perf_counter()
    deadline = t0 + 60 * settings.max_minutes if settings.max_minutes else None
    # Only rank 0 writes; the others see the same scratch path but never touch it.
    output = atomic_output_dir(output_dir, overwrite=overwrite, keep_partial=resume) if group.is_main else nullcontext(partial_dir(output_dir))
    with output as tmp, _resume_hint(checkpoint_file):
        train_stream, dev_stream = _lm_id_streams(tmp, train_blocks, vocab, pipe, settings, lang, group, staged)
        train_ids = stream_shard(train_stream, settings.batch_size, group.rank, group.world_size)
        dev_ids = stream_shard(dev_stream, settings.eval_batch_size, group.rank, group.world_size)
        eval_rows = max(1, settings.eval_batch_size // group.world_size)
        steps_per_epoch = max(1, n_stream_batches(len(train_ids), settings.batch_size // group.world_size, settings.bptt))
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: settings.lr_decay ** (step / steps_per_epoch))

        history: List[Dict[str, Any]] = []
        best_ppl, best_state, start_epoch, start_step, states = float("inf"), None, 0, 0, (None, None)
        if checkpoint is not None:
            bilm.load_state_dict(checkpoint["model"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            scheduler.load_state_dict(checkpoint["scheduler"])
            torch.set_rng_state(checkpoint["rng"][group.rank])
            history, best_ppl, best_state = checkpoint["history"], checkpoint["best_ppl"], checkpoint["best_model"]
            start_epoch, start_step = checkpoint["epoch"], checkpoint.get("step", 0)
            if start_step:
                states = _states_to(checkpoint["lstm_states"][group.rank], device)
                msg.info(f"Resuming epoch {start_epoch + 1} after step {start_step} of {steps_per_epoch}")
            else:
                msg.info(f"Resuming after epoch {start_epoch} (best dev mean perplexity {best_ppl:.2f})")

        msg.info(
            f"Training on {device} x {group.world_size} process(es){_threads_note(device)}: {len(train_stream):,} train / "
            f"{len(dev_stream):,} dev tokens (with <eos>), vocabulary {len(vocab):,}, "
            f"{sum(p.numel() for p in bilm.parameters()):,} parameters"
        )

        def checkpoint_state(epoch: int, step: int, lstm_states: Any) -> None:
            _checkpoint_agreed(
                tmp / CHECKPOINT, group, fingerprint=fingerprint, epoch=epoch, step=step, lstm_states=lstm_states,
                model=bilm.state_dict(), optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
                history=history, best_ppl=best_ppl, best_model=best_state, vocab=vocab.to_dict(),
            )

        for epoch in range(start_epoch, settings.max_epochs):
            every = settings.checkpoint_every_steps

            def after_step(step: int, fwd_state: Any, bwd_state: Any, epoch: int = epoch) -> None:
                if every and step % every == 0 and step < steps_per_epoch:
                    checkpoint_state(epoch, step, _states_to((fwd_state, bwd_state), torch.device("cpu")))

            result = train_epoch(
                bilm, train_ids, settings, optimizer, scheduler, device, autocast, scaler, deadline,
                f"epoch {epoch + 1}/{settings.max_epochs}", forward, group,
                start_step=start_step if epoch == start_epoch else 0, states=states if epoch == start_epoch else (None, None),
                after_step=after_step, metrics_path=tmp / METRICS_FILE,
            )
            finished = result.finished
            ppl: Perplexity = evaluate_stream(bilm, dev_ids, eval_rows, settings.bptt, device, sum_over_ranks=group.sum)
            history.append({
                "epoch": epoch + 1, "complete": finished, "seconds": time.perf_counter() - t0,
                "train_tokens": result.tokens * group.world_size,
                "train_tokens_per_second": result.tokens * group.world_size / max(result.seconds, 1e-9),
                **ppl.to_dict(),
            })
            improved = ppl.mean < best_ppl
            if improved:
                best_ppl = ppl.mean
                best_state = copy.deepcopy({k: v.cpu() for k, v in bilm.state_dict().items()}) if group.is_main else None
            msg.row([f"epoch {epoch + 1}", f"dev {ppl}", "best" if improved else "", f"{time.perf_counter() - t0:.0f}s"], widths=(10, 44, 5, 8))
            checkpoint_state(epoch + 1, 0, None)
            if not finished:
                msg.info(f"Stopped after {settings.max_minutes} minutes ({PRETRAIN_SECTION}.max_minutes)")
                break
        best = min(history, key=lambda h: h["ppl_mean"]) if history else {}
        metrics = {"dev_" + k: v for k, v in best.items() if k.startswith("ppl")}
        metrics["history"] = history
        if group.is_main:
            if best_state is not None:
                bilm.load_state_dict(best_state)
            pipe.set_trained(bilm)
            nlp.meta["performance"] = {k: v for k, v in metrics.items() if k != "history"}
            nlp.meta.setdefault("elmo", {})["history"] = history
            nlp.to_disk(tmp)
            shutil.rmtree(tmp / Path(CHECKPOINT).parent, ignore_errors=True)
            shutil.rmtree(tmp / LM_IDS_DIR, ignore_errors=True)
    group.barrier()
    msg.good(f"Saved pipeline to {output_dir}")
    return metrics


def _checkpoint_agreed(path: Path, group: ProcessGroup, *, epoch: int, step: int, lstm_states: Any, **state: Any) -> None:
    """Write the checkpoint at ``step`` of the epoch after ``epoch`` finished ones on rank 0,
    once every rank has reached it (``step`` 0: at the end of epoch ``epoch``).

    The ranks first exchange their position, RNG state and carried LSTM
    states (which proves they all reached the same step; each rank resumes
    with its own RNG and states), then rank 0 writes the file atomically and
    the others wait for it.
    """
    reached = group.gather_objects(((epoch, step), torch.get_rng_state(), lstm_states))
    positions = [p for p, _, _ in reached]
    if len(set(positions)) != 1:
        raise RuntimeError(f"ranks disagree on the (epoch, step) they reached: {positions}")
    if group.is_main:
        save_checkpoint(
            path, epoch=epoch, step=step, rng=[r for _, r, _ in reached], lstm_states=[s for _, _, s in reached],
            world_size=group.world_size, **state,
        )
    group.barrier()


def _threads_note(device: torch.device) -> str:
    """`` (N threads)`` on the CPU: how many threads each process computes with (OMP_NUM_THREADS)."""
    return f" ({torch.get_num_threads()} thread(s) each)" if device.type == "cpu" else ""


def _states_to(states: Any, device: torch.device) -> Any:
    """The carried ``(fwd_state, bwd_state)`` LSTM states, detached, on ``device``."""
    return tuple(None if st is None else [(h.detach().to(device), c.detach().to(device)) for h, c in st] for st in states)


def _lm_id_streams(
    tmp: Path, train_blocks, vocab: Vocabulary, pipe, settings: TrainingSettings, lang: str, group: ProcessGroup,
    staged: Optional[StagedCorpus],
):
    """The train and dev LM id streams, read from the id files that rank 0 writes once in ``tmp``
    (the training stream from the ids ``staged`` by the text pass when it ran, else from the text)."""
    train_dir, dev_dir = tmp / LM_IDS_DIR / "train", tmp / LM_IDS_DIR / "dev"
    if group.is_main:
        if staged is not None:
            staged.write_ids(train_dir, vocab, train_blocks, pipe.normalizer, sentence_end_id=vocab.index[EOS])
        else:
            write_lm_id_file(train_blocks(), vocab, pipe.normalizer, train_dir)
        dev_blocks = iter_corpus_blocks(settings.dev, lang, what="--paths.dev")
        write_lm_id_file(dev_blocks, vocab, pipe.normalizer, dev_dir)
    group.barrier()
    return IdFile.open(train_dir).ids, IdFile.open(dev_dir).ids


def _check_world_size(checkpoint: Dict[str, Any], path: Path, world_size: int) -> None:
    """:class:`UserInputError` when the checkpoint was written by a run of another number of processes."""
    saved = checkpoint.get("world_size", 1)
    if saved != world_size:
        raise UserInputError(
            f"The checkpoint at {path} was written by a run of {saved} process(es), this run has {world_size}: "
            f"resume with the same number of processes (torchrun --nproc-per-node {saved})."
        )
