"""The README's two commands are the ones CI and users run."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    blocks = [i for i, line in enumerate(lines) if line.startswith("```")]
    return [lines[start + 1] for start in blocks[0::2]]


def test_ci_runs_readme_test_command():
    test_command = next(c for c in readme_commands() if "pytest" in c)

    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_readme_first_command_starts_app():
    assert readme_commands()[0] == "pip install -r requirements.txt && streamlit run app.py"
