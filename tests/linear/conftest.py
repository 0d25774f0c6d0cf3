import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # these problems are tiny; OpenBLAS threads only spin against each other on a loaded machine
    with threadpool_limits(1):
        yield
