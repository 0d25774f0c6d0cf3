# %% [markdown]
# # Week 4: unsupervised representation learning
#
# Learning without labels: autoencoders that compress images into short codes (and what the
# codes are good for: retrieval and morphing), generative adversarial networks that learn to
# draw new images, and word2vec, which learns word vectors from raw text.

# %%
import deepgrad.notebook as nb

QUICK = nb.start("week4_unsupervised")

# %% [markdown]
# ## Autoencoders
#
# An autoencoder is trained to give back its input: an encoder maps the image $x$ to a short
# code $z = e(x)$, a decoder maps the code back, and the loss is the reconstruction error
# $\|x - d(e(x))\|^2$. The code is too small to copy the image, so the network must find what
# matters. A linear encoder and decoder learn the same subspace as PCA, the principal
# components; deep dense or convolutional ones can do better with the same code size; a
# *denoising* autoencoder sees a corrupted input $x + \epsilon$ and must reconstruct the clean
# $x$, which forces more robust features.
#
# Task `autoencoder` trains the four with a code of 32 numbers on MNIST (the course used LFW
# faces, which cannot be had offline here; scikit-image's 100 face crops get an eigenface model)
# and draws test images beside each model's reconstruction. Quick mode trains on 1,000 images,
# tests on 250 and takes 150 PCA steps (the task's QUICK config: 2,000, 500 and 300).

# %%
ae = nb.run("autoencoder", quick_sizes={"limit": 1000, "test_limit": 250, "pca_steps": 150})
ae.show("reconstructions")
for model in ("pca", "dense", "conv", "denoising"):
    print(f"{model:10s} test MSE {ae.metrics[f'test_mse_{model}']:.5f}")

# %% [markdown]
# ## Image retrieval
#
# Similar images should have nearby codes. Retrieval looks for each test image's nearest training
# images in code space; precision@5 counts how many of the five share its class (the images'
# labels are used only to score, never to train):

# %%
ae.show("retrieval")
print({k: round(v, 3) for k, v in ae.metrics.items() if k.startswith("retrieval")})

# %% [markdown]
# ## Morphing
#
# Walking along the straight line between two images' codes, $z_t = (1 - t) z_a + t z_b$, and
# decoding every point gives a morph that stays among plausible images, unlike a cross-fade of
# the pixels $(1 - t) x_a + t x_b$:

# %%
import matplotlib.pyplot as plt
import numpy as np

from deepgrad.data import mnist

_, (x_test, y_test) = mnist()
images = x_test[:, None].astype(np.float32) / 255
coders = ae.load()
a, b = images[0], images[np.flatnonzero(y_test == 3)[0]]
rows = {
    "conv codes": coders.morph(a, b, steps=9, model="conv"),
    "PCA codes": coders.morph(a, b, steps=9, model="pca"),
    "pixels": np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, 9)]),
}
fig, axes = plt.subplots(3, 9, figsize=(11, 4))
for r, (name, strip) in enumerate(rows.items()):
    for c in range(9):
        axes[r, c].imshow(strip[c, 0], cmap="gray", vmin=0, vmax=1)
        axes[r, c].axis("off")
    axes[r, 0].set_title(name, loc="left", fontsize=9)
plt.show()
ae.show("faces morph")

# %% [markdown]
# ## Generative adversarial networks
#
# A GAN trains two networks against each other: a *generator* $G$ turns random noise $z$ into an
# image, a *discriminator* $D$ tells real images from generated ones. $D$ is trained to maximize
# $\log D(x) + \log(1 - D(G(z)))$, $G$ to fool it (in practice to maximize $\log D(G(z))$,
# which gives stronger gradients early on). At the balance, the generated images are ones the
# discriminator cannot tell from the data. The DCGAN uses convolutions in both networks
# (transposed ones to grow the image in the generator), batch normalization and Adam with
# $\beta_1 = 0.5$.
#
# Task `gan` trains a DCGAN on MNIST and, for comparison, a dense GAN for the same CPU time,
# and judges both with a classifier trained on the real digits: the Fréchet distance between
# the features of real and generated images (FID, on that classifier's features), how confident
# the classifier is on the samples, and how evenly they cover the ten classes. Quick mode trains
# on 256 images and scores 300 samples (the task's QUICK config: 1,024 and 1,000).

# %%
gan = nb.run("gan", quick_sizes={"limit": 256, "samples": 300})
gan.show("samples", "dense samples")
print({k: gan.metrics[k] for k in gan.metrics if k.startswith(("fid", "class", "classifier"))})

# %% [markdown]
# The generator's noise space is continuous: images along the line between two noise vectors
# change gradually from one digit to another.

# %%
sampler = gan.load()
walk = sampler.walk(seed_a=1, seed_b=2, steps=10)
fig, axes = plt.subplots(1, 10, figsize=(12, 1.6))
for ax, im in zip(axes, walk, strict=True):
    ax.imshow(im[0], cmap="gray")
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Word embeddings: word2vec
#
# Words that appear in similar contexts tend to mean similar things. Skip-gram word2vec gives
# each word $w$ an input vector $v_w$ and an output vector $v'_w$ and trains them so that
# $\sigma(v'^\top_c v_w)$ is high for words $c$ seen near $w$ and low for $k$ random "negative"
# words drawn from the unigram distribution raised to $3/4$ (negative sampling):
#
# $$-\log \sigma(v'^\top_c v_w) - \sum_{i=1}^{k} \log \sigma(-v'^\top_{n_i} v_w).$$
#
# Task `word2vec` trains on the Brown corpus and scores the vectors against human judgements of
# word similarity (WordSim-353, SimLex-999) and on analogies ("man is to king as woman is to
# ?", answered by the word nearest to $v_{king} - v_{man} + v_{woman}$). Quick mode trains on
# 5,000 sentences (the task's QUICK config: 20,000).

# %%
w2v = nb.run("word2vec", quick_sizes={"limit": 5000})
w2v.show("map")
vectors = w2v.load()
for word in ("man", "city", "said"):
    near = ", ".join(f"{w} {s:.2f}" for w, s in vectors.most_similar(word, topn=6))
    print(f"{word}: {near}")
