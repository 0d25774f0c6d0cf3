"""Week 4: autoencoders from PCA to denoising, retrieval and morphing (= deepgrad autoencoder).

    python examples/week4_autoencoders.py [--dataset fashion_mnist] [--quick]

PCA as a linear autoencoder trained by gradient descent (checked against an SVD), a dense and
a convolutional autoencoder and a denoising one, all with 32-number codes; test MSEs, retrieval
precision@5 in code space, reconstructions, retrieval rows and morph strips (also of
scikit-image's 100 faces) in out/autoencoder/<timestamp>/ (the task deepgrad.tasks.autoencoder).
"""

import argparse
import dataclasses

from deepgrad.tasks import autoencoder, run_task

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dataset", default=None, choices=["mnist", "fashion_mnist", "lfw"])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cfg = autoencoder.QUICK if args.quick else autoencoder.Config()
    if args.dataset:
        cfg = dataclasses.replace(cfg, dataset=args.dataset)
    run_task(autoencoder, cfg, quick=args.quick)
