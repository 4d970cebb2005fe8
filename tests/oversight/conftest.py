"""A held sitting (the grading tests'), to be sealed and published for oversight to summarise."""

from tests.delivery.conftest import room
from tests.grading.conftest import held
from tests.sittings.conftest import arranged

__all__ = ["arranged", "held", "room"]
