"""deepgrad vs PyTorch, side by side: ``python -m benchmarks [--quick] [--json PATH]``."""
