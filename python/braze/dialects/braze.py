"""The braze dialect: generated op classes and enums.

    from braze.dialects import braze as bz
    y = bz.Conv2DOp(x, w, b, strides=[2, 2], pads=[1, 1, 1, 1]).result
"""

from ._braze_enum_gen import *  # noqa: F401,F403
from ._braze_ops_gen import *  # noqa: F401,F403
