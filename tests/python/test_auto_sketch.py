"""low_rank(sketch="auto"): the server tries the dataset's candidates on the
matrix and answers with the smallest exact error; the client returns that
answer with every candidate's figures (LowRankInfo.auto_choice)."""

import numpy as np
import pytest

import sketchd
from conftest import low_rank_family


def _error(a, y, z):
    return float(np.linalg.norm(a - y @ z.T))


def test_auto_answers_with_the_best_candidate_and_reports_every_trial(client, trained_dataset,
                                                                       family):
    name, job = trained_dataset
    a = family[22]  # held out: not uploaded
    y, z, info = client.low_rank(name, a, 4, sketch="auto", auto_seed=5)
    choice = info.auto_choice
    assert isinstance(choice, sketchd.AutoChoice)
    assert [t.candidate for t in choice.trials] == ["default", "random"]
    assert all(isinstance(t, sketchd.AutoTrial) and t.tried for t in choice.trials)
    assert choice.max_passes == 2 and choice.total_passes == 4
    best = min(choice.trials, key=lambda t: t.error)
    assert choice.chosen == best.candidate and best.chosen
    assert sum(t.chosen for t in choice.trials) == 1
    # The returned factors are the chosen candidate's: their error is its error,
    # and it is the error the summary reports.
    assert _error(a, y, z) == pytest.approx(best.error, rel=1e-9)
    assert info.error == pytest.approx(best.error, rel=1e-12)
    assert info.relative_error == pytest.approx(best.error / np.linalg.norm(a), rel=1e-9)
    assert info.sketch_m == best.m
    assert info.sketch_version == best.sketch_version
    assert choice.trials[0].sketch_version == job.sketch_version
    # The random candidate alone gives the same error as its trial (same m, seed).
    random = choice.trials[1]
    yr, zr, _ = client.low_rank(name, a, 4, sketch=("random", random.m, 5))
    assert _error(a, yr, zr) == pytest.approx(random.error, rel=1e-9)
    assert _error(a, y, z) <= _error(a, yr, zr) * (1 + 1e-12)


def test_auto_max_passes_buys_power_iterations(client, trained_dataset, family):
    name, _ = trained_dataset
    a = family[23]
    _, _, two = client.low_rank(name, a, 4, sketch="auto")
    y, z, six = client.low_rank(name, a, 4, sketch="auto", max_passes=6, random_m=8)
    assert six.auto_choice.max_passes == 6
    assert six.passes == 6
    assert [t.power_iters for t in six.auto_choice.trials] == [2, 2]
    assert six.auto_choice.trials[1].m == 8
    # More passes never give a worse best answer on the same matrix.
    assert six.error <= two.error * (1 + 1e-9)
    assert _error(a, y, z) == pytest.approx(six.error, rel=1e-9)


def test_auto_on_an_out_of_family_matrix_is_never_worse_than_its_random_candidate(
        client, trained_dataset):
    name, _ = trained_dataset
    stranger = low_rank_family(1, 200, 40, seed=77)[0]  # another column space
    y, z, info = client.low_rank(name, stranger, 4, sketch="auto", auto_seed=2)
    random = [t for t in info.auto_choice.trials if t.candidate == "random"][0]
    assert _error(stranger, y, z) <= random.error * (1 + 1e-9)


def test_non_auto_answers_have_no_auto_choice(client, trained_dataset, family):
    name, _ = trained_dataset
    _, _, info = client.low_rank(name, family[21], 4)
    assert info.auto_choice is None
    assert info.passes == 2 and info.error > 0


def test_bad_auto_arguments_are_refused_with_the_argument_to_fix(client, trained_dataset, family):
    name, _ = trained_dataset
    a = family[21]
    with pytest.raises(sketchd.InvalidArgument, match="max_passes = 1 is below 2"):
        client.low_rank(name, a, 4, sketch="auto", max_passes=1)
    with pytest.raises(ValueError, match="auto_seed must be ≥ 0, got -1"):
        client.low_rank(name, a, 4, sketch="auto", auto_seed=-1)
    with pytest.raises(ValueError, match="random_m must be ≥ 0, got -3"):
        client.low_rank(name, a, 4, sketch="auto", random_m=-3)
    with pytest.raises(TypeError, match="max_passes must be an integer, got 2.5"):
        client.low_rank(name, a, 4, sketch="auto", max_passes=2.5)
    with pytest.raises(ValueError, match="max_passes, auto_seed and random_m are for sketch='auto'"):
        client.low_rank(name, a, 4, max_passes=4)
    with pytest.raises(ValueError, match="sketch='auto' is for low_rank only"):
        client.solve(name, np.ones((200, 3)), np.ones(200), sketch="auto")
    # random_m above n = 200: the server's message for the random candidate's m.
    with pytest.raises(sketchd.InvalidArgument, match=r"m = 10000 must be in \[1, 200\]"):
        client.low_rank(name, a, 4, sketch="auto", random_m=10_000)
