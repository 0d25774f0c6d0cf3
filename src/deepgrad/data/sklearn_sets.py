"""scikit-learn's bundled tables (no download): digits, iris, wine, breast cancer, diabetes.

Optional: needs ``scikit-learn`` (the ``extras`` extra); imported only when called.
"""

from __future__ import annotations

import numpy as np

from .catalog import Dataset, register

__all__ = ["sklearn_dataset", "SKLEARN_SETS"]

SKLEARN_SETS = {
    "digits": "load_digits",            # 1,797 8x8 digit images, 10 classes
    "iris": "load_iris",                # 150 x 4, 3 classes
    "wine": "load_wine",                # 178 x 13, 3 classes
    "breast_cancer": "load_breast_cancer",  # 569 x 30, 2 classes
    "diabetes": "load_diabetes",        # 442 x 10, regression target
}


def sklearn_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of one of scikit-learn's bundled sets; X float32 (digits: 0..16 values),
    y int64 for classification, float32 for ``diabetes``."""
    if name not in SKLEARN_SETS:
        raise KeyError(f"sklearn_dataset: unknown set {name!r}; known: {sorted(SKLEARN_SETS)}")
    try:
        import sklearn.datasets as skd
    except ImportError as e:
        raise ImportError("sklearn_dataset needs scikit-learn: pip install 'deepgrad[extras]'") \
            from e
    bunch = getattr(skd, SKLEARN_SETS[name])()
    y = bunch.target.astype(np.float32 if name == "diabetes" else np.int64)
    return bunch.data.astype(np.float32), y


def _sklearn_present() -> bool:
    import importlib.util

    return importlib.util.find_spec("sklearn") is not None


register(Dataset("sklearn", "scikit-learn bundled: digits, iris, wine, breast_cancer, diabetes",
                 "ships with scikit-learn (pip install 'deepgrad[extras]')", _sklearn_present))
