"""The sdist (`python -m build --sdist`) carries libuvkafka's sources, not the
subprojects/uvkafka symlink, so it builds without this checkout (building a wheel from it
compiles the whole library: done by hand, see docs/python.md, not in this suite)."""
import os
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_sdist_carries_the_library_sources(tmp_path):
    # --no-isolation: the venv's pinned meson-python, meson and ninja (requirements-test.txt).
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    r = subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path), HERE],
                       capture_output=True, text=True, timeout=300, cwd=str(tmp_path), env=env)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    [name] = [f for f in os.listdir(tmp_path) if f.endswith(".tar.gz")]
    with tarfile.open(tmp_path / name) as t:
        members = {m.name: m for m in t.getmembers()}
    root = name[:-len(".tar.gz")]
    assert not [m for m in members.values() if m.issym() or m.islnk()]
    for path in ["pyproject.toml", "meson.build", "src/produce.c", "uvkafka/_admin.py",
                 "subprojects/uvkafka/meson.build", "subprojects/uvkafka/meson_options.txt",
                 "subprojects/uvkafka/include/uvkafka/uvkafka.h", "subprojects/uvkafka/lib/meson.build"]:
        assert members[root + "/" + path].isfile(), path
    assert not [n for n in members if "/subprojects/uvkafka/samples/" in n or "/subprojects/uvkafka/test/" in n]
