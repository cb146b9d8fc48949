"""Base of every architecture config: frozen, JSON-friendly, stored in the model card."""

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class ModelConfig:
    """A config read back from a JSON card has lists where the dataclass wants tuples; this
    turns them back, so that configs compare and hash. Subclasses validate after calling it."""

    def __post_init__(self):
        for field_ in fields(self):
            value = getattr(self, field_.name)
            if isinstance(value, list):
                object.__setattr__(self, field_.name, tuple(value))

    def to_dict(self) -> dict:
        return asdict(self)
