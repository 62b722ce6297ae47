"""Spec parsing: files (YAML/JSON/TOML), ``zoo:NAME`` entries and inline block strings."""

from .model import LayerSpec, Spec
from .load import load_spec

__all__ = ["LayerSpec", "Spec", "load_spec"]
