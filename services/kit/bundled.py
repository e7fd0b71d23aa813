"""Data files shipped inside a package (built-in templates): read once, validated as models."""

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


def load_folder(folder: Path, model: type[Model]) -> dict[str, Model]:
    """Return every `*.json` file of a folder as a model, keyed by file name without `.json`."""
    return {
        path.stem: model.model_validate_json(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    }
