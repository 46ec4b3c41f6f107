"""Packaging glue for `pip install ./client/python` (metadata is in pyproject.toml).

The wheel holds the pure-Python package plus two generated parts:
  * sketchd/v1/sketchd_pb2*.py — generated here from proto/ with protoc and
    Debian's grpc_python_plugin (the same commands as the CMake target);
  * sketchd/_core*.so — the core bindings, compiled by the CMake build (they
    link core's static libraries, which only CMake knows how to build) and
    taken from $SKETCHD_BUILD_DIR/python/sketchd (default: <repo>/build).
Build first:  cmake -S . -B build && cmake --build build --target sketchd_python
"""

import glob
import os
import shutil
import subprocess
import sysconfig

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository root (for proto/ and build/); overridable when this folder is
# built from a copy.
REPO = os.environ.get("SKETCHD_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))


class BuildWithGeneratedParts(build_py):
    def run(self):
        super().run()
        package = os.path.join(self.build_lib, "sketchd")
        self._generate_stubs()
        self._copy_bindings(package)

    def _generate_stubs(self):
        proto_root = os.path.join(REPO, "proto")
        plugin = shutil.which("grpc_python_plugin")
        if plugin is None or shutil.which("protoc") is None:
            raise SystemExit("protoc and grpc_python_plugin are needed "
                             "(Debian: protobuf-compiler, protobuf-compiler-grpc)")
        subprocess.run(["protoc", "-I", proto_root, f"--python_out={self.build_lib}",
                        f"--grpc_python_out={self.build_lib}",
                        f"--plugin=protoc-gen-grpc_python={plugin}",
                        os.path.join(proto_root, "sketchd", "v1", "sketchd.proto")], check=True)
        open(os.path.join(self.build_lib, "sketchd", "v1", "__init__.py"), "a").close()

    def _copy_bindings(self, package):
        build_dir = os.environ.get("SKETCHD_BUILD_DIR", os.path.join(REPO, "build"))
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        pattern = os.path.join(build_dir, "python", "sketchd", "_core" + suffix)
        found = glob.glob(pattern)
        if not found:
            raise SystemExit(f"{pattern} not found: build the bindings first "
                             "(cmake --build build --target sketchd_python) or set "
                             "SKETCHD_BUILD_DIR to the CMake build directory")
        shutil.copy2(found[0], package)


class BinaryDistribution(Distribution):
    """The wheel carries a compiled extension: tag it for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithGeneratedParts}, distclass=BinaryDistribution)
