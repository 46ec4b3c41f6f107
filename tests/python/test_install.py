"""`pip install ./client/python` works offline into a venv that uses Debian's
packages, and the installed package (stubs and compiled bindings included)
works from anywhere without PYTHONPATH."""

import os
import shutil
import subprocess
import sys

from conftest import REPO


def test_pip_install_into_a_venv(tmp_path):
    build_dir = os.environ.get("SKETCHD_BUILD_DIR", os.path.join(REPO, "build"))
    # Build from a copy so setuptools' build/ and egg-info stay out of the source tree.
    source = tmp_path / "src"
    shutil.copytree(os.path.join(REPO, "client", "python"), source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(SKETCHD_SOURCE_DIR=REPO, SKETCHD_BUILD_DIR=build_dir, PIP_NO_INPUT="1")
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index",
                          "--no-build-isolation", "--quiet", str(source)],
                         env=env, capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    check = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import numpy as np, sketchd, sketchd.v1.sketchd_pb2 as pb\n"
         "assert sketchd.__file__.startswith(%r), sketchd.__file__\n"
         "a = np.random.default_rng(0).standard_normal((50, 8))\n"
         "y, z, info = sketchd.local.low_rank(sketchd.Sketch.random(16, 50, 1), a, 8)\n"
         "assert np.allclose(y @ z.T, a), 'rank-8 input must be reproduced'\n"
         "print(pb.DTYPE_FLOAT64, info.rank)" % str(venv)],
        env=env, cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.split() == ["2", "8"]
