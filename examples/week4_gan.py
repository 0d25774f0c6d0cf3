"""Week 4: a DCGAN whose quality is measured, against a dense GAN (= deepgrad gan).

    python examples/week4_gan.py [--dataset fashion_mnist] [--quick]

Alternating discriminator/generator updates; a sample grid after every epoch, a latent walk;
FID on our own classifier's features, its confidence and the class coverage over 10,000
samples, for the DCGAN and for a dense GAN trained for the same CPU time. Everything goes to
out/gan/<timestamp>/ (the task deepgrad.tasks.gan); `deepgrad sample gan` draws new samples.
"""

import argparse
import dataclasses

from deepgrad.tasks import gan, run_task

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dataset", default=None, choices=["mnist", "fashion_mnist"])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cfg = gan.QUICK if args.quick else gan.Config()
    if args.dataset:
        cfg = dataclasses.replace(cfg, dataset=args.dataset)
    run_task(gan, cfg, quick=args.quick)
