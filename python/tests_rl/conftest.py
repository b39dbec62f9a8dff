"""The RL smoke tests (npm run test:python-rl): Stable-Baselines3 and RLlib training through sspe_gym.

They need scripts/setup-python-rl.sh (torch, Stable-Baselines3, sb3-contrib,
ray[rllib]) and a built checkout whose CLI has serve-env (`npm run build`),
or SSPE_COMMAND naming another server; they fail, not skip, without them,
since `npm run test:python-rl` installs and builds first.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The source tree's sspe_gym and the examples the tests drive.
for path in (REPO / "python", REPO / "python" / "examples"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
