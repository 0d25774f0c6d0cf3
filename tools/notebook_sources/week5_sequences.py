# %% [markdown]
# # Week 5: deep learning for sequences
#
# Recurrent networks read and write sequences: text, names, dates. This notebook trains the four
# kinds of sequence tasks of the week: sequential output (generating names character by
# character), sequential input (reading a name and classifying it), input and output of the same
# length (tagging every word of a sentence) and of different lengths (translating a date written
# by a person into ISO form, with attention).

# %%
import deepgrad.notebook as nb

QUICK = nb.start("week5_sequences")

# %% [markdown]
# ## Recurrent networks, LSTM and GRU
#
# A recurrent network keeps a hidden state $h_t$ and updates it with every input $x_t$, with the
# same weights at every step:
#
# $$h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h), \qquad \hat y_t = W_{hy} h_t + b_y .$$
#
# Unrolled over time it is a deep network with shared weights, trained by *backpropagation
# through time*. The delta travelling back from step $t$ to step $t-1$ is multiplied by
# $W_{hh}^\top$ and by $\tanh'$ each time, so over many steps it shrinks geometrically
# (vanishing gradients: long-range dependencies are not learned) or grows (exploding gradients:
# clipping the gradient's norm helps). The LSTM adds a cell state $c_t$ with gates,
#
# $$\begin{aligned}
# i_t, f_t, o_t &= \sigma(W_{i,f,o}\,[h_{t-1}; x_t] + b_{i,f,o}), \qquad
#   g_t = \tanh(W_g [h_{t-1}; x_t] + b_g), \\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t),
# \end{aligned}$$
#
# so along the cell state the delta is only scaled by the forget gate $f_t$, which the network
# can keep near 1. The GRU merges the gates into an update and a reset gate and has no separate
# cell. (`examples/week5_vanishing_gradient.py` measures the delta reaching each earlier step in
# a vanilla RNN and an LSTM.)
#
# ## Generating names, one character at a time
#
# A character-level language model predicts the next character from the ones before,
# $p(c_t \mid c_{<t})$, trained with cross-entropy on census first names; sampling from it
# character by character (until it emits the end token) writes new names. The temperature $T$
# divides the logits before the softmax: $T < 1$ sharpens the distribution (safer, more common
# names), $T > 1$ flattens it. Task `char-rnn` compares its LSTM with a Kneser-Ney trigram model
# in nats per character on held-out names.

# %%
names = nb.run("char-rnn")
sampler = names.load()
for temperature in (0.5, 1.0, 1.5):
    print(
        f"T = {temperature}: {', '.join(sampler.sample(8, prefix='Ma', temperature=temperature))}"
    )
print("most likely name starting with 'Jo':", sampler.most_likely("Jo"))

# %% [markdown]
# ## Reading a name: sequential input
#
# Reading a whole sequence and answering once: a bidirectional LSTM reads a first name and its
# final states predict whether the name is mostly given to girls or boys in the census (task
# `name-gender`, against a logistic regression on character 1-3-grams).

# %%
gender = nb.run("name-gender")
reader = gender.load()
test_names = ["Alexander", "Alexandra", "Jordan", "Kim", "Sasha", "Mohammed"]
for name, p in zip(test_names, reader.predict_proba(test_names), strict=True):
    print(f"{name:10s} female {p[0]:.2f}  male {p[1]:.2f}")
print(
    f"test accuracy: LSTM {gender.metrics['test_accuracy']:.3f}, n-gram logistic regression "
    f"{gender.metrics['baseline_accuracy']:.3f}"
)

# %% [markdown]
# ## Tagging every word: input and output of the same length
#
# Part-of-speech tagging gives each word of a sentence its grammatical class. A bidirectional
# LSTM reads the sentence both ways, so each word's tag can depend on the words before and after
# it; the char BiLSTM variant also reads each word's characters, which helps with words outside
# the vocabulary. Task `pos-tagger` trains on the Brown corpus with the universal tag set.

# %%
pos = nb.run("pos-tagger")
tagger = pos.load()
for sentence in ["The old man the boats .", "I can can a can ."]:
    print(" ".join(f"{w}/{t}" for w, t in tagger.tag(sentence)))

# %% [markdown]
# ## Sequence to sequence with attention
#
# When input and output lengths differ, an *encoder* RNN reads the input and a *decoder* RNN
# writes the output one token at a time, each step fed the token it wrote before. Squeezing the
# whole input into one vector is the bottleneck; *attention* lets the decoder look back at all
# the encoder's states $h_j$ at every step $t$: scores $e_{tj} = a(s_t, h_j)$ (additive, or a
# dot product), weights $\alpha_{tj} = \mathrm{softmax}_j(e_{tj})$ and a context
# $c_t = \sum_j \alpha_{tj} h_j$ that enters the prediction. Task `seq2seq` translates dates
# written by people ("5th of December, 2031") into ISO 8601 ("2031-12-05"), tested on years
# never seen in training, with and without attention; outputs are decoded greedily and by beam
# search.

# %%
dates = nb.run("seq2seq")
normalizer = dates.load()
inputs = ["5th of December, 2031", "25 JULY 2046", "15.05.24", "Tue, 31 Dec 2024"]
for text, iso in zip(inputs, normalizer.normalize(inputs), strict=True):
    print(f"{text:24s} -> {iso}")

# %%
import matplotlib.pyplot as plt

text = inputs[0]
out, weights = normalizer.attention(text)
fig, ax = plt.subplots(figsize=(8, 4))
ax.imshow(weights[: len(out), : len(text)], cmap="viridis", aspect="auto")
ax.set_xticks(range(len(text)), list(text))
ax.set_yticks(range(len(out)), list(out))
ax.set(
    xlabel="input characters",
    ylabel="output characters",
    title="attention weights alpha_tj of each output step",
)
plt.show()
