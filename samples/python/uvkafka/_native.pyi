# The CPython extension (src/*.c): its types and functions are internal; the package's public
# API is typed in the .py modules around it.
from typing import Any

class NativeError(Exception): ...

def __getattr__(name: str) -> Any: ...
