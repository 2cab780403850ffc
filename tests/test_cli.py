"""The command line: fast start-up, help texts, python -m."""

import subprocess
import sys

HEAVY = ("torch", "stanza", "ctranslate2", "weasyprint", "argostranslate.translate", "spacy")


def test_help_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from translate.cli.main import cli\n"
        "try:\n    cli.main(['--help'], prog_name='translate')\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "publish" in out and "models" in out
    assert out.strip().splitlines()[-1] == "[]"


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "translate", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "Examples:" in result.stdout and "translate publish" in result.stdout


def test_publish_help_has_examples():
    result = subprocess.run([sys.executable, "-m", "translate", "publish", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "--to" in result.stdout and "translate publish source/taliban-delisting.md" in result.stdout


def test_unknown_language_is_a_one_line_error():
    result = subprocess.run([sys.executable, "-m", "translate", "publish", "--to", "ru,fa"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown language key 'fa'" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_interrupt_python_could_not_raise_still_ends_the_run_as_interrupted():
    """Ctrl-C landing in a finaliser or the import machinery's lock callback is
    reported by Python as "Exception ignored" and swallowed: the run must still
    end with status 130 and the one line, with no such report on screen."""
    code = (
        "import sys\n"
        "sys.argv = ['translate', '--version']\n"
        "from translate.cli import main as cli\n"
        "class Finaliser:\n"
        "    def __del__(self):\n"
        "        raise KeyboardInterrupt\n"
        "original = cli.cli.main\n"
        "def main(*args, **kwargs):\n"
        "    Finaliser()   # collected at once: the interrupt is unraisable\n"
        "    return original(*args, **kwargs)\n"
        "cli.cli.main = main\n"
        "cli.main()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 130, result.stderr
    assert result.stderr.rstrip().splitlines()[-1] == "interrupted: nothing half-written was left behind"
    assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr
