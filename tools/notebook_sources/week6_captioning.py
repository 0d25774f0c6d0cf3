# %% [markdown]
# # Week 6, the final project: image captioning
#
# Everything of the course in one model: a CNN turns an image into features, an LSTM writes a
# sentence about it word by word, and attention lets each word look at the part of the image it
# describes. Trained end to end here, scored with BLEU and CIDEr.

# %%
import deepgrad.notebook as nb

QUICK = nb.start("week6_captioning")

# %% [markdown]
# ## The model
#
# *Encoder*: a CNN, trained once on images and then frozen, computes for each image a feature
# vector (and, for attention, a grid of feature vectors $a_1, \dots, a_L$, one per region).
# Every image is encoded once and its features are cached.
#
# *Decoder*: an LSTM language model conditioned on the image. The image's features, through a
# dense bottleneck, give the LSTM's first state $h_0, c_0$; at each step the LSTM reads the
# previous word's embedding and predicts a distribution over the vocabulary for the next word:
# $p(w_t \mid w_{<t}, I) = \mathrm{softmax}(W\,h_t)$. Training is *teacher forcing*: the
# decoder is fed the reference caption's words and the loss is the cross-entropy of every next
# word (padding masked out). Generation feeds each predicted word back in, greedily or by beam
# search, until the end token.
#
# *Attention* (Show, Attend and Tell): at every step, weights
# $\alpha_{ti} = \mathrm{softmax}_i(a(h_{t-1}, a_i))$ over the image regions give a context
# $z_t = \sum_i \alpha_{ti} a_i$ that enters the LSTM with the word, so each word can look at its
# own part of the image.
#
# COCO's captioned photos cannot be had offline here, so task `captioning` composes its images
# from real MNIST digits, with five captions each from a grammar ("a small seven to the left of
# a large two"), written in COCO's format (a real COCO folder runs through the same code with
# `data="coco"`). The test scenes hold pairs of digits in relations never seen in training: a
# caption is only right there if the model composes what it learned. Quick mode trains the scene
# encoder on 300 canvases (the task's QUICK config: 1,000).

# %%
cap = nb.run("captioning", quick_sizes={"encoder_images": 300})
for what in ("bleu4", "cider", "content_accuracy"):
    beam = "" if what == "content_accuracy" else "_beam"
    print(
        f"{what:17s} attention {cap.metrics[f'{what}{beam}_attention']:.3f}, no attention "
        f"{cap.metrics[f'{what}{beam}_noattention']:.3f}, nearest-neighbour baseline "
        f"{cap.metrics[f'{what}_nn']:.3f}"
    )

# %% [markdown]
# ## Captions of held-out test scenes
#
# Beam-search captions of both decoders beside the five reference captions:

# %%
import json

import matplotlib.pyplot as plt
from PIL import Image

captioner = cap.load()
records = [json.loads(line) for line in cap.file("test captions").read_text().splitlines()][:4]
files = [r["file"] for r in records]
decoders = sorted(captioner.decoders)
written = {d: captioner.caption(files, method="beam", decoder=d) for d in decoders}
fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
for k, (ax, record) in enumerate(zip(axes, records, strict=True)):
    ax.imshow(Image.open(record["file"]), cmap="gray")
    ax.axis("off")
    ax.set_title(f"test scene {k}", fontsize=10)
plt.show()
for k, record in enumerate(records):
    print(f"test scene {k}")
    for d in decoders:
        print(f"  {d:12s} {' '.join(written[d][k][0])}")
    print(f"  {'reference':12s} {record['references'][0]}")

# %% [markdown]
# ## Where the attention decoder looked
#
# The attention weights $\alpha_t$ over the 8x8 grid of regions for each word of the caption
# (task's picture, then one scene drawn here):

# %%
cap.show("attention pictures")

# %%
import numpy as np

seen, words, alpha = captioner.attention(files[0])
steps = min(len(words) + 1, 8)
fig, axes = plt.subplots(1, steps, figsize=(2 * steps, 2.4))
for t, ax in enumerate(np.atleast_1d(axes)):
    ax.imshow(seen, cmap="gray")
    ax.imshow(
        np.kron(alpha[t], np.ones((seen.shape[0] // alpha.shape[1],) * 2)), alpha=0.5, cmap="hot"
    )
    ax.set_title(words[t] if t < len(words) else "<end>")
    ax.axis("off")
plt.show()
