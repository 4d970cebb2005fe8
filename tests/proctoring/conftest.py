from tests.delivery.conftest import room
from tests.sittings.conftest import arranged

__all__ = ["arranged", "room"]  # the delivery fixtures, used here too
