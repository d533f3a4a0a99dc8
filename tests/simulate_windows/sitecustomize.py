"""`make test-windows` (the first part of `make test`): the whole suite as on Windows, where
POSIX-only modules do not exist.

Put on PYTHONPATH, this makes `import fcntl` (and resource, termios, pwd, grp) fail exactly as it
does on Windows, for vos and for every library it uses, in this process and in every `vos`
subprocess the tests start. It proves that vos starts, locks, measures memory and writes its
reports without them (issue: runs where staff work).
"""

import os
import sys
import warnings

POSIX_ONLY = ("fcntl", "resource", "termios", "pwd", "grp")

if os.environ.get("VOS_SIMULATE_WINDOWS"):
    for name in POSIX_ONLY:
        sys.modules[name] = None  # `import name` now raises ImportError, as on Windows
    # without fcntl on a non-Windows OS filelock warns that it falls back to a soft lock; on real
    # Windows it uses LockFileEx and says nothing
    warnings.filterwarnings("ignore", "only soft file lock", UserWarning)
