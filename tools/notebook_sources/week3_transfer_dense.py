# %% [markdown]
# # Week 3: transfer learning, segmentation and localization
#
# A pretrained CNN solves a new task with few labels; the same building blocks, rearranged, label
# every pixel of an image (semantic segmentation) or find the one object in it (classification
# plus localization).

# %%
import deepgrad.notebook as nb

QUICK = nb.start("week3_transfer_dense")

# %% [markdown]
# ## Transfer learning
#
# The first layers of a CNN trained on a large dataset compute general features (edges, blobs,
# textures); only the last layers are specific to its classes. For a new task with few labelled
# images there are three recipes, all with the same budget of gradient steps here:
#
# * **head**: freeze the pretrained network, train only a new linear classifier on its features;
# * **fine-tune**: also train its last blocks, starting from the pretrained weights (a small
#   learning rate keeps them close); batch normalization either keeps learning
#   (`finetune`) or keeps its pretrained statistics (`finetune_frozen_bn`);
# * **scratch**: the same architecture from random weights, for comparison.
#
# Task `transfer` moves the course's MNIST CNN (pretrained on MNIST here) to Fashion-MNIST with
# 10, 100 and 1,000 labelled images per class (`source="imagenet"` uses EfficientNet-Lite0's
# ImageNet features instead). Quick mode goes below the task's QUICK config to keep the notebook
# short: one label count (10 per class), 300 test images, 600 MNIST digits of pretraining and
# 20 steps per recipe; its figures show that the pipeline runs, not what transfer achieves (the
# README has the full run's: fine-tuning 0.715 vs scratch 0.721 at 10 labels a class).

# %%
quick_sizes = {"labels_per_class": "10", "test_limit": 300, "pretrain_limit": 600, "min_steps": 20}
transfer = nb.run("transfer", quick_sizes=quick_sizes)
print(transfer.file("table").read_text())
transfer.show("plot")

# %% [markdown]
# The fine-tuned network on Fashion-MNIST test images:

# %%
import matplotlib.pyplot as plt
import numpy as np

from deepgrad.tasks.transfer import class_names, test_set

fashion = transfer.load()
x_test, y_test = test_set(transfer.config)
names = class_names(transfer.config)
proba = fashion.predict_proba(x_test[:12])
fig, axes = plt.subplots(2, 6, figsize=(12, 4.4))
for ax, im, p, label in zip(axes.flat, x_test[:12], proba, y_test[:12], strict=True):
    ax.imshow(np.squeeze(im), cmap="gray")
    ax.set_title(
        f"{names[p.argmax()]}\n({p.max():.2f})",
        fontsize=9,
        color="k" if p.argmax() == label else "r",
    )
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Semantic segmentation
#
# Segmentation gives every pixel a class. An encoder (convolutions and max pooling, as in a
# classifier) shrinks the image to a small map of rich features; a decoder must grow it back to
# the input's size. Two ways of *unpooling*:
#
# * **max unpooling** puts each value back at the position where the encoder's max pooling found
#   its maximum (SegNet keeps those indices), zeros elsewhere, then convolutions fill in;
# * **learnable unpooling**, a transposed convolution with stride 2, learns how to spread each
#   value over a 2x2 block.
#
# Task `segmentation` trains both decoders (identical otherwise) with pixel-wise cross-entropy on
# scenes composed of real MNIST digits with exact masks (test scenes hold compositions never seen
# in training) and compares them, by the intersection over union of every class, with a
# classical reference: threshold, connected components, a small CNN on each component. Quick mode
# composes 150 training, 20 validation and 30 test scenes (the task's QUICK config: 300, 40, 60).

# %%
seg = nb.run("segmentation", quick_sizes={"n_train": 150, "n_val": 20, "n_test": 30})
seg.show("picture")

# %% [markdown]
# ## Classification and localization
#
# When an image holds one object, a network can name it and box it at once: a shared CNN body,
# then two heads, $K$ class scores and four numbers for the box (centre, width and height as
# fractions of the image), trained on the sum of cross-entropy and a box loss (smooth L1 here).
# A box counts as found when its intersection over union with the true box is at least 0.5.
# Quick mode: 300 training, 50 validation, 100 test scenes (the task's QUICK config: 600, 100,
# 200).

# %%
loc = nb.run("localization", quick_sizes={"n_train": 300, "n_val": 50, "n_test": 100})
loc.show("picture")
print(
    f"class right and IoU >= 0.5 on {loc.metrics.get('test_scenes', 'the')} test scenes: "
    f"{loc.metrics['iou50_accuracy']:.3f}"
)
