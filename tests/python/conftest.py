"""Where the tests find the module (the build tree, PYTHONPATH) and the project's data."""
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.environ.get("XN_MODELS_DIR", os.path.join(ROOT, "models"))
DATA = os.environ.get("XN_DATA_DIR", os.path.join(ROOT, "tests", "data"))


@pytest.fixture
def panda():
    import xiaonao as xn

    return xn.Model.from_urdf(os.path.join(MODELS, "urdf", "panda.urdf"))
