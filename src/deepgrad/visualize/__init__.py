"""Seeing inside a CNN (week 3): filters, feature maps, saliency, Grad-CAM, maximal stimuli.

    from deepgrad import visualize as vis
    vis.filters(model)                          # first-layer filters as one image grid
    vis.feature_maps(model, "4", image)         # a layer's activations for one image
    vis.saliency(model, images, target)         # d score_target / d input
    vis.grad_cam(model, "4", images, target)    # where a conv layer looked (Selvaraju et al.)
    vis.maximal_stimulus(model, target, shape)  # the input a class likes most

Each returns NumPy arrays; ``save=`` writes a PNG (a grid, or a heat map over the image). A layer
is given as a module of the model or by its dotted name in ``model.named_modules()``.
"""

from .cam import grad_cam, overlay, saliency
from .inside import feature_maps, filters, find_layer
from .stimulus import maximal_stimulus

__all__ = ["filters", "feature_maps", "saliency", "grad_cam", "maximal_stimulus", "find_layer",
           "overlay"]
