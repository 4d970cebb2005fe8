"""Every domain's tables on one metadata: what migrations/env.py and the drift test compare."""

from examhall.accounts import models as accounts_models
from examhall.db import Base
from examhall.trace import models as trace_models

__all__ = ["Base", "accounts_models", "trace_models"]
