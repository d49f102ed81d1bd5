"""The notebooks in examples/: stored without outputs, linked from the README, and each one runs
from top to bottom on the session's `fitvault demo` vault (nbclient + ipykernel, headless).

The notebooks check their own results (heart rate lower at night than by day, stage minutes
adding up to time asleep, workout heart rate against the API's average ...): a failed check is
an error in a cell, so this test fails with it.
"""

from __future__ import annotations

import time

import nbformat
import pytest
from nbclient import NotebookClient
from support.demo_vault import REPO, subprocess_env

EXAMPLES = REPO / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def test_notebooks_are_stored_without_outputs_and_linked_from_the_readme():
    assert [p.name for p in NOTEBOOKS] == ["01-collect-your-own-heart-data.ipynb", "02-fitbit-web-api-with-python.ipynb",
                                           "03-next-analyses.ipynb"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs not stripped"
        assert not nb.metadata.get("widgets"), path.name
        assert f"examples/{path.name}" in readme, f"the README does not link {path.name}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_demo_vault(path, demo_vault, tmp_path, monkeypatch):
    # the kernel is a child process: it imports this checkout's fitvault and reads the demo vault
    for key, value in subprocess_env(FITVAULT_EXAMPLES_VAULT=str(demo_vault), FITVAULT_EXAMPLES_OUT=str(tmp_path / "out"),
                                     MPLBACKEND="Agg").items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(path, as_version=4)
    started = time.monotonic()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    print(f"{path.name}: {time.monotonic() - started:.1f} s")
    outputs = sorted(p.name for p in (tmp_path / "out").rglob("*") if p.is_file())
    expected = {"01": ["heart", "sleep"], "02": ["_intradata.csv", "_intradata.xlsx", "all_intradata.csv",
                                                 "coupledaysavergedByMin.png", "sleep_stages_per_night.csv"], "03": []}
    for piece in expected[path.name[:2]]:
        assert any(piece in name for name in outputs), (piece, outputs)
    if path.name.startswith("01"):
        assert sum(name.startswith("heart") and name.endswith(".csv") for name in outputs) == 7
