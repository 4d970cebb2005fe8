"""Every domain's tables on one metadata: what migrations/env.py and the drift test compare."""

from examhall.accounts import models as accounts_models
from examhall.assessments import models as assessments_models
from examhall.banks import models as banks_models
from examhall.certificates import models as certificates_models
from examhall.db import Base
from examhall.delivery import models as delivery_models
from examhall.grading import models as grading_models
from examhall.oversight import models as oversight_models
from examhall.papers import models as papers_models
from examhall.proctoring import models as proctoring_models
from examhall.sittings import models as sittings_models
from examhall.spotchecks import models as spotchecks_models
from examhall.trace import models as trace_models

__all__ = [
    "Base",
    "accounts_models",
    "assessments_models",
    "banks_models",
    "certificates_models",
    "delivery_models",
    "grading_models",
    "oversight_models",
    "papers_models",
    "proctoring_models",
    "sittings_models",
    "spotchecks_models",
    "trace_models",
]
