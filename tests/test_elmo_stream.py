"""pretrain-elmo on a streamed corpus: id files read per chunk, capped vocabulary, mid-epoch resume, progress."""
import json

import numpy as np
import pytest
import spacy
import torch

from ._elmo_helpers import CONFIG, tiny_training, write_toy_corpus
from spacy_elmo_w2v.corpus import build_vocab, iter_corpus_blocks, read_corpus
from spacy_elmo_w2v.elmo import pretrain as elmo_pretrain
from spacy_elmo_w2v.elmo.batching import n_stream_targets, stream_batches, stream_rows, stream_shard
from spacy_elmo_w2v.elmo.heads import AdaptiveSoftmax, valid_cutoffs
from spacy_elmo_w2v.counting import count_corpus
from spacy_elmo_w2v.idfile import DiskArray
from spacy_elmo_w2v.elmo.lm_data import EOS, head_blocks, stream_ids, write_lm_id_file
from spacy_elmo_w2v.elmo.pretrain import pretrain_elmo
from spacy_elmo_w2v.normalize import PTBNormalizer

TEXT = "the cat sat on the mat ."


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    return write_toy_corpus(root / "train.txt", 3), write_toy_corpus(root / "dev.txt")


def _lm_vocab(path, max_size=None):
    """The LM vocabulary of ``path`` the way pretrain-elmo builds it: counting pass, then the component."""
    import spacy

    pipe = spacy.blank("en").add_pipe("elmo_vectors", config={"min_count": 1})
    counted = count_corpus(iter_corpus_blocks(path), pipe.normalizer, None, source=str(path))
    return pipe.vocabulary_from_counts(counted.counts, max_size=max_size, source=str(path))


def _vocab_and_corpus(path):
    return _lm_vocab(path), PTBNormalizer()


def test_counting_pass_gives_the_in_memory_vocabulary(corpus):
    vocab, normalizer = _vocab_and_corpus(corpus[0])
    in_memory = build_vocab(read_corpus(corpus[0]), normalizer, 1, specials=(EOS,))
    assert vocab.words == in_memory.words


def test_max_vocab_size_keeps_the_most_frequent_words(tmp_path):
    from collections import Counter

    lines = ["apple banana cherry date elder fig", "apple banana cherry date elder", "apple banana cherry date",
             "apple banana cherry", "apple banana", "apple"]
    path = tmp_path / "train.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    counts = Counter(w for line in lines for w in line.split()).most_common()
    assert counts[2][1] > counts[3][1]  # no tie at the cut
    vocab = _lm_vocab(path, max_size=3)
    # max_size counts the words, not the specials <unk> and <eos>
    assert vocab.words == ["<unk>", EOS] + [w for w, _ in counts[:3]]
    # the words left out read as <unk>
    assert int(vocab.counts[vocab.unk_id]) == sum(n for _, n in counts[3:])


def test_id_file_stream_equals_the_in_memory_stream(corpus, tmp_path):
    vocab, normalizer = _vocab_and_corpus(corpus[0])
    on_disk = write_lm_id_file(iter_corpus_blocks(corpus[0]), vocab, normalizer, tmp_path / "ids")
    assert isinstance(on_disk, DiskArray)  # on disk, read batch by batch
    assert np.array_equal(np.asarray(on_disk), stream_ids(read_corpus(corpus[0]), vocab, normalizer))


def test_head_blocks_stops_after_max_sentences(corpus):
    blocks = list(head_blocks(iter_corpus_blocks(corpus[0], block_bytes=64), 5))
    assert sum(b.n_sentences for b in blocks) == 5


@pytest.mark.parametrize("length,batch_size,bptt", [(103, 4, 8), (50, 3, 7), (9, 8, 4)])
def test_chunked_batches_equal_batches_cut_from_the_whole_stream(length, batch_size, bptt):
    ids = np.arange(length, dtype=np.uint32) * 7 % 31
    fwd, bwd = stream_rows(ids, batch_size), stream_rows(np.ascontiguousarray(ids[::-1]), batch_size)
    batches = list(stream_batches(ids, batch_size, bptt))
    assert torch.equal(torch.cat([b.fwd_inputs for b in batches], 1), fwd[:, :-1])
    assert torch.equal(torch.cat([b.fwd_targets for b in batches], 1), fwd[:, 1:])
    assert torch.equal(torch.cat([b.bwd_inputs for b in batches], 1), bwd[:, :-1])
    assert torch.equal(torch.cat([b.bwd_targets for b in batches], 1), bwd[:, 1:])
    later = list(stream_batches(ids, batch_size, bptt, start_batch=1))
    assert len(later) == len(batches) - 1
    assert all(torch.equal(a.bwd_targets, b.bwd_targets) for a, b in zip(later, batches[1:]))


@pytest.mark.parametrize("kind", [DiskArray, np.memmap])
def test_a_shard_of_an_id_file_is_read_lazily(tmp_path, kind):
    path = tmp_path / "ids.u32"
    np.arange(1000, dtype=np.uint32).tofile(path)
    ids = DiskArray(path, np.uint32) if kind is DiskArray else np.memmap(path, dtype=np.uint32, mode="r")
    shard = stream_shard(ids, 4, 1, 2)
    assert isinstance(shard, kind) and list(shard[:2]) == [500, 501]


@pytest.mark.parametrize("n_words", [3, 10, 5000, 100_000])
def test_adaptive_softmax_cutoffs_fit_any_vocabulary(n_words):
    cutoffs = valid_cutoffs([6000, 2000, 2000], n_words)
    assert cutoffs == sorted(set(cutoffs)) and all(0 < c < n_words - 1 for c in cutoffs) or cutoffs == [1]
    AdaptiveSoftmax(8, n_words, [6000, 2000, 2000], 2.0)  # torch accepts them


def test_mid_epoch_checkpoint_resumes_to_the_uninterrupted_result(corpus, tmp_path, monkeypatch):
    settings = {**tiny_training(*corpus, epochs=2), "pretrain.checkpoint_every_steps": 5}
    out = tmp_path / "interrupted"
    saved = []
    real_save = elmo_pretrain.save_checkpoint

    def save_then_crash(path, **state):
        real_save(path, **state)
        saved.append((state["epoch"], state["step"]))
        if state["epoch"] == 1 and state["step"] == 5:
            raise KeyboardInterrupt("simulated kill mid-epoch")

    with monkeypatch.context() as patch:
        patch.setattr(elmo_pretrain, "save_checkpoint", save_then_crash)
        with pytest.raises(KeyboardInterrupt):
            pretrain_elmo(CONFIG, out, settings)
    assert saved[-1] == (1, 5) and (0, 5) in saved and (1, 0) in saved
    resumed = pretrain_elmo(CONFIG, out, settings, resume=True)["history"]
    straight = pretrain_elmo(CONFIG, tmp_path / "straight", settings)["history"]
    assert [h["ppl_mean"] for h in resumed] == pytest.approx([h["ppl_mean"] for h in straight], rel=1e-6)
    assert np.allclose(spacy.load(out)(TEXT).tensor, spacy.load(tmp_path / "straight")(TEXT).tensor, atol=1e-6)


def test_training_writes_tokens_per_second_eta_and_memory_to_metrics_jsonl(corpus, tmp_path):
    out = tmp_path / "out"
    pretrain_elmo(CONFIG, out, tiny_training(*corpus, epochs=2))
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert all(r["tokens_per_s"] > 0 and r["rss_mb"] > 0 and "eta_s" in r for r in records)
    ends = [r for r in records if "epoch_done" in r]
    assert len(ends) == 2  # one record at the end of each epoch
    # every epoch's bar ends full: the total is the targets the pass predicts, short last batch included
    assert all(r["epoch_done"] and r["tokens"] == r["total_tokens"] > 0 and r["eta_s"] == 0 for r in ends)
    assert not (out / "lm_ids").exists()


@pytest.mark.parametrize("n_ids,batch_size,bptt", [(101, 4, 7), (50, 3, 5), (9, 8, 3), (1000, 10, 35)])
def test_n_stream_targets_counts_the_targets_of_the_batches(n_ids, batch_size, bptt):
    batches = list(stream_batches(np.arange(n_ids), batch_size, bptt))
    sizes = [b.fwd_targets.numel() for b in batches]
    assert n_stream_targets(n_ids, batch_size, bptt) == sum(sizes)
    for k in range(len(batches) + 2):
        assert n_stream_targets(n_ids, batch_size, bptt, batches=k) == sum(sizes[:k])


def test_a_checkpoint_write_that_fails_keeps_the_last_checkpoint_and_leaves_no_temporary_file(tmp_path):
    from spacy_elmo_w2v.elmo.checkpoint import load_checkpoint, save_checkpoint

    path = tmp_path / "checkpoint" / "elmo.pt"
    save_checkpoint(path, epoch=1, model={"w": torch.ones(2)})
    with pytest.raises(Exception):
        save_checkpoint(path, epoch=2, model=lambda: None)  # torch.save cannot pickle a lambda
    assert load_checkpoint(path)["epoch"] == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["elmo.pt"]
