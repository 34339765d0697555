"""Where the project's own files are, importable without the settings machinery."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The report kinds (form.yaml and report.docx each); NIANBAO_TEMPLATES_DIR (bot.config) moves it.
TEMPLATES_DIR = PROJECT_ROOT / "templates"
TEMPLATES_DIR_VARIABLE = "NIANBAO_TEMPLATES_DIR"
