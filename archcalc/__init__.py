"""archcalc: exact architecture costs (params, MACs, FLOPs, memory traffic, peak activations)
of neural-network specs, before any model exists."""

from .api import Comparison, Options, analyze, compare, load
from .errors import ArchcalcError

__all__ = ["ArchcalcError", "Comparison", "Options", "analyze", "compare", "load"]
__version__ = "0.1.0"
