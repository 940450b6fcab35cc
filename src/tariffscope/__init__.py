"""tariffscope: tariff policy turned into numbers.

law -> rates -> scenarios -> economics -> exposure -> markets.

>>> import tariffscope
>>> tariffscope.__version__
'0.1.0'
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
