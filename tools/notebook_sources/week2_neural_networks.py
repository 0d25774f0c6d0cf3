# %% [markdown]
# # Week 2: neural networks and backpropagation
#
# From the linear model to a first deep network: sigmoid neurons, the multilayer perceptron and
# its notation, backpropagation by hand with the four fundamental equations, the same gradients
# from deepgrad's automatic differentiation, and finally an MLP trained on MNIST.

# %%
import deepgrad.notebook as nb

QUICK = nb.start("week2_neural_networks")

# %% [markdown]
# ## From perceptrons to sigmoid neurons
#
# A perceptron weighs its binary inputs $x_j$ by real weights $w_j$ and outputs 1 when
# $\sum_j w_j x_j + b > 0$, else 0. Networks of perceptrons can compute anything (they can build
# NAND gates), but they are hard to *learn*: a small change of one weight can flip an output and
# change the rest of the network's behaviour completely. A *sigmoid neuron* outputs
# $\sigma(w \cdot x + b)$ instead, with
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}},$$
#
# so small changes of the weights and bias cause small changes of the output, which is what
# learning by small steps needs. Activation functions are what make a network more than one
# linear model: without them, layers of linear maps collapse into a single one.

# %%
import matplotlib.pyplot as plt
import numpy as np

import deepgrad as dg
import deepgrad.functional as F

z = dg.linspace(-6, 6, 200, requires_grad=True)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
functions = [("sigmoid", F.sigmoid), ("tanh", F.tanh), ("ReLU", F.relu)]
for ax, (name, f) in zip(axes, functions, strict=True):
    z.grad = None
    out = f(z)
    out.sum().backward()  # each output depends on its own z only: the gradient is sigma'(z)
    ax.plot(z.data, out.data, lw=2, label=name)
    ax.plot(z.data, z.grad, ls="--", label="derivative")
    ax.set_title(name)
    ax.legend()
plt.show()

# %% [markdown]
# ## The multilayer perceptron
#
# Write $w^l_{jk}$ for the weight from neuron $k$ of layer $l-1$ to neuron $j$ of layer $l$,
# $b^l_j$ for the bias of neuron $j$ in layer $l$ and $a^l_j$ for its activation. Then
#
# $$a^l_j = \sigma\Big(\sum_k w^l_{jk} a^{l-1}_k + b^l_j\Big), \qquad\text{or, layer at a time,}
#   \qquad a^l = \sigma(w^l a^{l-1} + b^l) = \sigma(z^l),$$
#
# with the weight matrix $w^l$, the bias vector $b^l$, the weighted input $z^l$ and $\sigma$
# applied to every component.
#
# ## Backpropagation: the four equations
#
# Backpropagation computes the partial derivatives $\partial C / \partial w^l_{jk}$ and
# $\partial C / \partial b^l_j$ of the cost, in time linear in the size of the network. It is
# not a learning method itself but the chain rule organized well; SGD then uses the gradients.
# It needs two assumptions about the cost: that it is an average $C = \frac{1}{n}\sum_x C_x$
# over training examples (so each example's derivatives can be computed and averaged), and that
# it is a function of the network's outputs $a^L$, such as the quadratic cost
# $C_x = \frac12 \|y(x) - a^L(x)\|^2$.
#
# The intermediate quantity is the *error* of neuron $j$ in layer $l$,
# $\delta^l_j \equiv \partial C / \partial z^l_j$, and the four equations are
#
# $$\begin{aligned}
# \text{BP1:}\quad & \delta^L = \nabla_a C \odot \sigma'(z^L) \\
# \text{BP2:}\quad & \delta^l = \big((w^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l) \\
# \text{BP3:}\quad & \partial C / \partial b^l_j = \delta^l_j \\
# \text{BP4:}\quad & \partial C / \partial w^l_{jk} = a^{l-1}_k \delta^l_j
# \end{aligned}$$
#
# BP1 is how fast the cost changes with the output activation, times how fast the activation
# changes at $z^L$. BP2 moves the error one layer back through the transposed weights. Together
# they give every layer's error, and BP3 and BP4 turn errors into gradients. BP4 also says when
# a weight learns slowly: when its input activation $a^{l-1}_k$ is small, or when the neuron it
# feeds is saturated ($\sigma'(z) \approx 0$ where $\sigma(z)$ is near 0 or 1).
#
# `deepgrad.explain.four_equations` is these four lines in NumPy, in the notes' orientation (one
# column per example, layers numbered from 1). A 4-8-3 sigmoid network on the iris flowers
# (one-hot targets, quadratic cost):

# %%
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from deepgrad.explain import four_equations

iris = load_iris()
x = StandardScaler().fit_transform(iris.data)
y = np.eye(3)[iris.target]
rng = np.random.default_rng(0)
w = [None, rng.normal(0, 1 / np.sqrt(4), (8, 4)), rng.normal(0, 1 / np.sqrt(8), (3, 8))]
b = [None, np.zeros(8), np.zeros(3)]
sigmas = [None, "sigmoid", "sigmoid"]
eq = four_equations(w, b, sigmas, x.T, y.T, "quadratic")
for l in (1, 2):
    print(f"layer {l}: delta^{l} {eq['delta'][l].shape} (one column per flower), "
          f"dC/dw^{l} {eq['dw'][l].shape}")

# %% [markdown]
# ## The same gradients by automatic differentiation
#
# deepgrad records every operation of the forward pass in a graph; `loss.backward()` walks that
# graph from the loss back to the parameters, each operation multiplying the incoming
# $\delta = \partial C / \partial(\text{out})$ by its own local derivative: the chain rule, the
# same computation as BP1-BP4 but for any graph of operations. The dense layer's backward is the
# matrix form of BP2-BP4: with $\delta$ the rows of errors at its output,
# $\partial C/\partial x = \delta\, W$, $\partial C/\partial W = \delta^\top x$ and
# $\partial C/\partial b = \sum \delta$.

# %%
from deepgrad import nn

model = nn.Sequential(nn.Linear(4, 8), nn.Sigmoid(), nn.Linear(8, 3), nn.Sigmoid()).double()
for layer, wl, bl in zip([model[0], model[2]], w[1:], b[1:], strict=True):
    layer.weight.data[...] = wl
    layer.bias.data[...] = bl
out = model(dg.tensor(x, dtype=np.float64))
loss = 0.5 * ((out - dg.tensor(y, dtype=np.float64)) ** 2).sum() / len(x)
loss.backward(retain_graph=True)  # keep the graph: it is read back below
print(f"cost: by hand {eq['cost']:.12f}, deepgrad {loss.item():.12f}")
for l, layer in enumerate([model[0], model[2]], 1):
    gap_w = np.abs(eq["dw"][l] - layer.weight.grad).max()
    gap_b = np.abs(eq["db"][l] - layer.bias.grad).max()
    print(f"layer {l}: largest |hand - autodiff| for w {gap_w:.1e}, for b {gap_b:.1e}")

# %% [markdown]
# `deepgrad.explain.backprop` does both for any MLP and sets them side by side, layer by layer
# (`deepgrad explain backprop` on the command line, on real MNIST digits):

# %%
from deepgrad import explain

print(explain.backprop(model, x, y, loss="quadratic"))

# %% [markdown]
# The graph `backward` walked, read back from the loss (`deepgrad.graph.trace`; with Graphviz
# installed, `dg.draw_graph` draws it). Forward, values flow from the parameters and data down
# to the loss; backward, $\delta$ flows the other way.

# %%
graph = dg.graph.trace(loss, params=model)
for node in graph.nodes:
    print(f"{node.kind:9s} {node.label:14s} {node.shape}")

# %% [markdown]
# deepgrad's gradients are themselves checked against finite differences,
# $\frac{C(w + \epsilon) - C(w - \epsilon)}{2\epsilon}$, by `deepgrad.gradcheck`:

# %%
from deepgrad.gradcheck import gradcheck

w1 = dg.tensor(w[1], dtype=np.float64, requires_grad=True)
xs = dg.tensor(x[:10], dtype=np.float64)
print("gradcheck:", gradcheck(lambda w: F.sigmoid(xs @ w.T).sum(), w1))

# %% [markdown]
# ## Gradient descent with backpropagation
#
# Backpropagation gives the gradient of a batch; a gradient step uses it. 300 steps of
# $w^l \leftarrow w^l - \eta\, \partial C / \partial w^l$ with the hand-made gradients:

# %%
costs = []
for _ in range(300):
    eq = four_equations(w, b, sigmas, x.T, y.T, "quadratic")
    costs.append(eq["cost"])
    w = [None] + [wl - 2.0 * g for wl, g in zip(w[1:], eq["dw"][1:], strict=True)]
    b = [None] + [bl - 2.0 * g for bl, g in zip(b[1:], eq["db"][1:], strict=True)]
predicted = four_equations(w, b, sigmas, x.T, y.T, "quadratic")["a"][2].argmax(0)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(costs)
ax.set(
    xlabel="gradient step",
    ylabel="quadratic cost",
    title=f"training accuracy {np.mean(predicted == iris.target):.3f}",
)
plt.show()

# %% [markdown]
# ## An MLP on MNIST
#
# The course's first deep network: 784 pixels, two hidden layers of 256 ReLU units with dropout,
# 10 outputs, softmax cross-entropy, trained by Adam on mini-batches (task `mnist` with
# `model="mlp"`; the full run trains 15 epochs on all 60,000 training images, quick mode one
# epoch on 2,000).

# %%
mlp = nb.run("mnist", model="mlp")
mlp.show("curves")

# %% [markdown]
# The trained network on test digits it has never seen, with its probability for the digit it
# picked:

# %%
from deepgrad.data import mnist

_, (x_test, y_test) = mnist()  # uint8 10,000 x 28 x 28, labels 0-9
clf = mlp.load()
images = x_test[:16]
proba = clf.predict_proba(images)
fig, axes = plt.subplots(2, 8, figsize=(12, 3.4))
for ax, im, p, label in zip(axes.flat, images, proba, y_test[:16], strict=True):
    ax.imshow(im, cmap="gray")
    ax.set_title(f"{p.argmax()} ({p.max():.2f})", color="k" if p.argmax() == label else "r")
    ax.axis("off")
plt.show()
print(f"test accuracy (10,000 images): {mlp.metrics['test_accuracy']:.4f}")
