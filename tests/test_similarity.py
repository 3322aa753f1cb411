"""Spearman's rho of the word-similarity evaluation, checked against scipy's."""
import numpy as np
import pytest

from spacy_elmo_w2v.similarity import rankdata, spearman

stats = pytest.importorskip("scipy.stats")


@pytest.mark.parametrize("seed", range(5))
def test_spearman_equals_scipy_on_data_with_many_ties(seed):
    rng = np.random.default_rng(seed)
    human = rng.integers(0, 5, size=60).astype(float)  # WordSim-353 style scores repeat a lot
    model = np.round(human + rng.normal(0, 2, size=60), 1)
    model[:10] = model[0]  # a run of tied model scores too
    assert spearman(human, model) == pytest.approx(stats.spearmanr(human, model).statistic, abs=1e-12)


def test_ranks_of_ties_are_the_mean_of_their_positions_as_in_scipy():
    values = [3.0, 1.0, 3.0, 2.0, 3.0, 1.0]
    assert rankdata(values).tolist() == stats.rankdata(values).tolist() == [5.0, 1.5, 5.0, 3.0, 5.0, 1.5]


def test_spearman_of_a_constant_list_is_nan():
    assert np.isnan(spearman([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))

