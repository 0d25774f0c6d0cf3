"""summary(): receptive fields over a graph with branches are the largest over all paths,
whatever order the branches run in; checked against hand computations."""

from __future__ import annotations

import deepgrad.nn as nn
from deepgrad import models
from deepgrad.functional import cat


def field(s, name: str, call: int = 0):
    hits = [r for r in s.layers if r.name == name]
    rf = hits[call].receptive_field
    return "global" if rf == "global" else tuple(int(v) for v in rf)


def test_residual_block_with_downsample_hand_computed():
    # r = receptive field, j = jump, along H (and W: everything is square)
    #   stem conv 3x3/1        r = 1 + 2*1 = 3            j = 1
    #   maxpool 2x2/2          r = 3 + 1*1 = 4            j = 2
    #   block (stride 2, 1x1/2 conv + BN on the shortcut):
    #     conv1 3x3/2          r = 4 + 2*2 = 8            j = 4
    #     conv2 3x3/1          r = 8 + 2*4 = 16           j = 4
    #     downsample.0 1x1/2   r = 4 + 0 = 4              j = 4
    #     relu(bn2 + shortcut) r = max(16, 4) = 16        j = 4
    #   probe conv 3x3/1       r = 16 + 2*4 = 24          j = 4
    # (A chain in execution order would have put the shortcut's stride-2 1x1 conv in front of
    # conv1 and given conv1 4 + 2*4 = 12, conv2 12 + 2*8 = 28.)
    down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.MaxPool2d(2),
                          models.BasicBlock(8, 16, 2, down), nn.Conv2d(16, 4, 3, padding=1))
    s = model.summary((3, 32, 32), print_fn=None)
    assert field(s, "1") == (4, 4)
    assert field(s, "2.conv1") == (8, 8) and field(s, "2.conv2") == (16, 16)
    assert field(s, "2.downsample.0") == (4, 4)
    assert field(s, "2.relu", 0) == (8, 8)  # the block's one ReLU module, first call
    assert field(s, "2.relu", 1) == (16, 16)  # ... and after the add
    assert field(s, "3") == (24, 24)
    assert [r.jump for r in s.layers if r.name == "3"] == [(4.0, 4.0)]


def test_resnet18_final_field_is_the_known_435():
    # 7x7/2 stem: 7 (j 2); 3x3/2 maxpool: 11 (j 4); layer1, 4 convs 3x3 at j 4: 11 + 4*8 = 43;
    # layer2 (j 4 -> 8): 43 + 8 + 3*16 = 99; layer3: 99 + 16 + 3*32 = 211;
    # layer4: 211 + 32 + 3*64 = 435 pixels (the published ResNet-18 figure)
    s = models.resnet18().summary((3, 224, 224), print_fn=None)
    assert field(s, "layer4.1.conv2") == (435, 435)
    assert field(s, "layer2.1.conv2") == (99, 99) and field(s, "layer3.1.conv2") == (211, 211)
    assert field(s, "avgpool") == "global" and field(s, "fc") == "global"


def test_inception_block_hand_computed():
    # stem conv 3x3/1: r = 3, j = 1. In the block (all stride 1, so j stays 1):
    #   branch1: 1x1                 r = 3
    #   branch2: 1x1 -> 3x3          r = 3 -> 3 + 2 = 5
    #   branch3: 1x1 -> 5x5          r = 3 -> 3 + 4 = 7
    #   branch4: maxpool 3x3/1 -> 1x1 r = 3 + 2 = 5 -> 5
    #   concat: max(3, 5, 7, 5) = 7; a 1x1 probe after it: 7; a 3x3 probe after that: 9
    # (A chain in execution order would give branch2 3x3 3 + 2 = 5, then branch3's 5x5 5 + 4 = 9,
    # branch4's pool 11, and the probes 11, 13.)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1),
                          models.inception_block(8, 4, 4, 6, 2, 4, 4),
                          nn.Conv2d(18, 4, 1), nn.Conv2d(4, 4, 3, padding=1))
    s = model.summary((3, 16, 16), print_fn=None)
    assert field(s, "1.branch1.conv") == (3, 3)
    assert field(s, "1.branch2.1.conv") == (5, 5)
    assert field(s, "1.branch3.1.conv") == (7, 7)
    assert field(s, "1.branch4.0") == (5, 5) and field(s, "1.branch4.1.conv") == (5, 5)
    assert field(s, "2") == (7, 7) and field(s, "3") == (9, 9)


def test_factorized_inception_block_hand_computed():
    # factorize=7 on the input (r = 1): (H, W) fields
    #   branch2: 1x1 (1, 1) -> 1x7 (1, 7) -> 7x1 (7, 7)
    #   branch3: 1x1 -> 1x7 (1, 7) -> 7x1 (7, 7) -> 1x7 (7, 13) -> 7x1 (13, 13)
    #   branch4: maxpool 3x3 (3, 3); concat: (13, 13)
    model = nn.Sequential(models.inception_block(4, 2, 2, 2, 2, 2, 2, factorize=7),
                          nn.Conv2d(8, 2, 1))
    s = model.summary((4, 16, 16), print_fn=None)
    assert field(s, "0.branch2.1.conv") == (1, 7) and field(s, "0.branch2.2.conv") == (7, 7)
    assert field(s, "0.branch3.3.conv") == (7, 13) and field(s, "0.branch3.4.conv") == (13, 13)
    assert field(s, "1") == (13, 13)


class TwoPaths(nn.Module):
    """out = big(x) (+ or concat) small(x), the big path run first or last."""

    def __init__(self, big_first: bool, join: str) -> None:
        super().__init__()
        self.big = nn.Sequential(nn.Conv2d(2, 2, 5, padding=2), nn.Conv2d(2, 2, 5, padding=2))
        self.small = nn.Conv2d(2, 2, 3, padding=1)
        self.big_first, self.join = big_first, join

    def forward(self, x):
        a, b = (self.big(x), self.small(x)) if self.big_first else (None, self.small(x))
        if a is None:
            a = self.big(x)
        return a + b if self.join == "add" else cat([b, a], 1)


def test_the_largest_path_wins_whatever_the_order_and_the_join():
    for big_first in (True, False):
        for join, cin in (("add", 2), ("cat", 4)):
            model = nn.Sequential(TwoPaths(big_first, join), nn.Conv2d(cin, 1, 1))
            s = model.summary((2, 12, 12), print_fn=None)
            assert field(s, "0.big.1") == (9, 9) and field(s, "0.small") == (3, 3)
            assert field(s, "1") == (9, 9), (big_first, join)  # max(1 + 4 + 4, 1 + 2)


def test_in_place_add_after_a_layer_is_followed():
    class InPlace(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 5, padding=2)
            self.side = nn.Conv2d(1, 1, 3, padding=1)

        def forward(self, x):
            out = self.side(x)
            out += self.conv(x)  # in place: out now depends on the 5x5 path too
            return out

    s = nn.Sequential(InPlace(), nn.ReLU()).summary((1, 8, 8), print_fn=None)
    assert field(s, "1") == (5, 5)


def test_adaptive_pool_to_a_grid_is_a_pool_and_to_one_is_global():
    # VGG's AdaptiveAvgPool2d((7, 7)) on a 14x14 map is a 2x2/2 pool: 5 + 1*1 = 6, j 2;
    # on a 10x10 map the windows (PyTorch's rule) are up to 3 wide (0-1, 1-2, 2-4, ...): 5 + 2
    for size, want, jump in ((14, 6, 2.0), (10, 7, 10 / 7)):
        model = nn.Sequential(nn.Conv2d(1, 1, 5, padding=2), nn.AdaptiveAvgPool2d((7, 7)))
        s = model.summary((1, size, size), print_fn=None)
        assert field(s, "1") == (want, want) and s.layers[1].jump == (jump, jump)
    g = nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveAvgPool2d(1)).summary((1, 8, 8),
                                                                            print_fn=None)
    assert field(g, "1") == "global"


def test_summary_of_a_frozen_model_still_follows_the_graph():
    model = nn.Sequential(TwoPaths(True, "add"), nn.Conv2d(2, 1, 1))
    model.requires_grad_(False)
    s = model.summary((2, 12, 12), print_fn=None)
    assert field(s, "1") == (9, 9)
    assert all(p.grad is None for p in model.parameters())  # the trace ran no backward
