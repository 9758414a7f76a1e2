"""The installed package type-checks (mypy, pinned in requirements-test.txt): its hints are
complete and consistent, py.typed and the extension's stub are installed with it."""
import os
import subprocess
import sys

import uvkafka


def test_the_installed_package_type_checks(tmp_path):
    pkg = os.path.dirname(uvkafka.__file__)
    assert os.path.exists(os.path.join(pkg, "py.typed")) and os.path.exists(os.path.join(pkg, "_native.pyi"))
    # -p: the package as an installed, typed (PEP 561) package is found, from a folder of its own.
    r = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--ignore-missing-imports",
                        "--python-executable", sys.executable, "-p", "uvkafka"],
                       capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "Success" in r.stdout
