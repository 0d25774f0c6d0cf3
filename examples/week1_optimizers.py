"""Week 1: the optimization lab: GD, SGD, mini-batch SGD, momentum, Nesterov, AdaGrad, RMSprop and
Adam (all deepgrad.optim) racing on 2-D functions and on logistic regression of real data.

    python examples/week1_optimizers.py [--quick]      # = deepgrad optlab [--quick]

The lab is the task deepgrad.tasks.optlab (its docstring says what each figure shows); this
script runs it and prints where the trajectories, the steps-to-tolerance table and the
logistic-regression race went.
"""

import argparse

from deepgrad.tasks import run_task

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    out, result = run_task("optlab", quick=ap.parse_args().quick)
