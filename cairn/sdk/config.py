"""``run.config``: a dict with attribute access whose every change is recorded."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInputError

DEFAULTS_FILE = "config-defaults.yaml"
log = logging.getLogger("cairn")


def as_mapping(source: Any) -> dict[str, Any]:
    """A dict from a dict, argparse Namespace, dataclass instance, or YAML file path."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, argparse.Namespace):
        return dict(vars(source))
    if dataclasses.is_dataclass(source) and not isinstance(source, type):
        return dataclasses.asdict(source)
    if isinstance(source, str | Path) and str(source).endswith((".yaml", ".yml")):
        return load_yaml(Path(source))
    raise InvalidInputError(
        f"config must be a dict, argparse.Namespace, dataclass or YAML path, "
        f"not {type(source).__name__}"
    )


def load_yaml(path: Path) -> dict[str, Any]:
    """A YAML config file; W&B's ``{key: {value: v, desc: ...}}`` form is unwrapped."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInputError(f"cannot read config file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"config file {path} must hold a mapping at the top")
    return {
        str(k): v["value"] if isinstance(v, dict) and "value" in v else v
        for k, v in data.items()
        if k != "wandb_version"
    }


def _plain(value: Any) -> Any:
    """Config values as JSON-able data (tuples → lists, paths → strings, others → repr)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "size", None) == 1:
        return item()
    return repr(value)


class Config(MutableMapping[str, Any]):
    """Dict and attribute access; changes go to ``on_change`` as a recorded update."""

    def __init__(self, on_change: Callable[[dict[str, Any]], None]) -> None:
        object.__setattr__(self, "_data", {})
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_locked", {})

    def lock(self, keys: Iterable[str], by: str) -> None:
        """Keep ``keys`` as they are: later updates of them are ignored with a warning (a
        sweep's parameters win over what the script sets afterwards, as in W&B)."""
        locked: dict[str, str] = self._locked
        locked.update(dict.fromkeys(keys, by))

    def update(  # type: ignore[override]
        self, source: Any = None, allow_val_change: bool = False, **kwargs: Any
    ) -> None:
        """Merge a dict/Namespace/dataclass/YAML file; changing a value needs allow_val_change."""
        values = {k: _plain(v) for k, v in {**as_mapping(source), **kwargs}.items()}
        data: dict[str, Any] = self._data
        locked: dict[str, str] = self._locked
        for key in [k for k in values if k in locked]:
            if values.pop(key) != data.get(key):
                log.warning("cairn: config key %r is set by the %s; ignoring the update",
                            key, locked[key])  # fmt: skip
        if not allow_val_change:
            changed = [k for k, v in values.items() if k in data and data[k] != v]
            if changed:
                raise InvalidInputError(
                    f"config keys {changed} already have other values; pass "
                    "allow_val_change=True to change them"
                )
        fresh = {k: v for k, v in values.items() if data.get(k, _MISSING) != v}
        if fresh:
            data.update(fresh)
            self._on_change(fresh)

    def setdefaults(self, source: Any) -> None:
        """Set only the keys not set yet."""
        values = as_mapping(source)
        self.update({k: v for k, v in values.items() if k not in self._data})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        raise InvalidInputError("config keys cannot be deleted once recorded")

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self.update({name: value})

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def as_dict(self) -> dict[str, Any]:
        """A plain copy."""
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Config({self._data!r})"


_MISSING = object()
