"""sketchd.LearnedLowRank: fit / approximate / score, locally and on a server,
and the scikit-learn parameter protocol."""

import numpy as np
import pytest

import sketchd
from conftest import unique_name


def _relative_excess(a, y, z, k):
    s = np.linalg.svd(a, compute_uv=False)
    optimal = np.sqrt(np.sum(s[k:] ** 2))
    return (np.linalg.norm(a - y @ z.T) - optimal) / optimal


def test_local_fit_approximate_score(family):
    est = sketchd.LearnedLowRank(n_components=4, sketch_size=12, random_state=3)
    assert est.fit(family[:20]) is est
    a = family[21]
    y, z = est.approximate(a)
    assert y.shape == (a.shape[0], 4) and z.shape == (a.shape[1], 4)
    score = est.score(a)
    assert score == pytest.approx(_relative_excess(a, y, z, 4), rel=1e-8, abs=1e-12)
    # On held-out members of the family the learned sketch beats a random one.
    baseline = sketchd.LearnedLowRank(n_components=4, sketch_size=12, method="random",
                                      random_state=3).fit(family[:20])
    held_out = family[20:]
    learned = np.mean([est.score(a) for a in held_out])
    random = np.mean([baseline.score(a) for a in held_out])
    assert learned < random, (learned, random)
    assert est.validation_["ratio"] < 1


def test_server_fit_matches_local_fit(client, family):
    name = unique_name("estimator")
    remote = sketchd.LearnedLowRank(n_components=4, sketch_size=12, random_state=3,
                                    client=client, dataset=name,
                                    train_options={"threads": 2}).fit(family[:20])
    assert remote.dataset_ == name and remote.job_.succeeded
    local = sketchd.LearnedLowRank(n_components=4, sketch_size=12, random_state=3,
                                   train_options={"threads": 2}).fit(family[:20])
    np.testing.assert_array_equal(remote.sketch_.positions, local.sketch_.positions)
    a = family[22]
    y_r, z_r = remote.approximate(a)
    y_l, z_l = local.approximate(a)
    np.testing.assert_allclose(y_r @ z_r.T, y_l @ z_l.T, atol=1e-10)
    assert remote.score(a) == pytest.approx(local.score(a), rel=1e-6, abs=1e-12)


def test_params_protocol():
    est = sketchd.LearnedLowRank()
    assert est.get_params() == {"n_components": 10, "sketch_size": 20, "method": "inner_product",
                                "random_state": 0, "client": None, "dataset": None,
                                "train_options": None}
    assert est.set_params(n_components=5, method="ivy") is est
    assert (est.n_components, est.method) == (5, "ivy")
    with pytest.raises(ValueError, match="invalid parameter 'components'"):
        est.set_params(components=3)
    assert repr(est) == "LearnedLowRank(n_components=5, method='ivy')"
    with pytest.raises(sketchd.FailedPrecondition, match="not fitted"):
        est.approximate(np.ones((4, 4)))
