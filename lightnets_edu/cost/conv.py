"""Closed-form parameter and MAC counts of the layers the course studies.

Every function takes plain integers and returns a :class:`Cost`. Nothing here
imports torch: these are the formulas printed in the book, and the tests prove
each one equal to :func:`lightnets_edu.profile.profile` of a real module.

Conventions (see the book's *Notation and counting conventions* page):

* one MAC is one multiply-accumulate, and ``flops == 2 * macs``;
* ``macs`` counts the multiply-accumulates of convolutions and fully connected
  layers, as the papers do; bias additions, batch norm, activations, pooling
  and element-wise additions are not MACs;
* ``params`` counts every learnable number: weights, biases, BN's scale and shift.

Symbols: ``c_in``/``c_out`` are M and N in the MobileNet paper, ``kernel`` is
D_K, ``out_hw`` the output feature map D_F x D_F (or H x W).
"""

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational, Real

from .._checks import boolean, int_pair, nonnegative_int, positive_int

__all__ = [
    "Cost",
    "conv2d",
    "depthwise_conv",
    "pointwise_conv",
    "depthwise_separable",
    "linear",
    "batchnorm",
    "separable_ratio",
    "conv_out_size",
    "width_resolution_macs",
]


@dataclass(frozen=True)
class Cost:
    """Parameters and multiply-accumulates of a layer or a network.

    Costs add (``a + b``, ``sum([...])``) and scale by a repeat count (``3 * c``).
    """

    params: int
    macs: int

    def __post_init__(self):
        nonnegative_int("params", self.params)
        nonnegative_int("macs", self.macs)

    @property
    def flops(self):
        """Floating-point operations: a multiply and an add per MAC."""
        return 2 * self.macs

    def __add__(self, other):
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(self.params + other.params, self.macs + other.macs)

    def __radd__(self, other):
        # lets sum() start from its default 0
        if other == 0:
            return self
        return NotImplemented

    def __mul__(self, times):
        times = nonnegative_int("times", times)
        return Cost(self.params * times, self.macs * times)

    __rmul__ = __mul__


def conv2d(c_in, c_out, kernel, out_hw, groups=1, bias=False):
    """A 2-D convolution producing an ``out_hw`` map.

    Each of the ``c_out`` filters sees ``c_in / groups`` channels through a
    ``k_h x k_w`` window, so it has ``k_h * k_w * c_in / groups`` weights, and it
    is applied once per output position:

        params = k_h * k_w * (c_in / groups) * c_out  (+ c_out with bias)
        macs   = k_h * k_w * (c_in / groups) * c_out * H_out * W_out
    """
    c_in = positive_int("c_in", c_in)
    c_out = positive_int("c_out", c_out)
    groups = positive_int("groups", groups)
    k_h, k_w = int_pair("kernel", kernel)
    h_out, w_out = int_pair("out_hw", out_hw)
    boolean("bias", bias)
    for name, channels in (("c_in", c_in), ("c_out", c_out)):
        if channels % groups:
            raise ValueError(f"groups={groups} must divide {name}={channels}")
    weights = k_h * k_w * (c_in // groups) * c_out
    return Cost(params=weights + (c_out if bias else 0), macs=weights * h_out * w_out)


def depthwise_conv(channels, kernel, out_hw, bias=False):
    """A depthwise convolution: one ``k x k`` filter per channel (``groups = channels``)."""
    channels = positive_int("channels", channels)
    return conv2d(channels, channels, kernel, out_hw, groups=channels, bias=bias)


def pointwise_conv(c_in, c_out, out_hw, bias=False):
    """A 1x1 convolution: a per-position linear map that mixes channels."""
    return conv2d(c_in, c_out, 1, out_hw, bias=bias)


def depthwise_separable(c_in, c_out, kernel, out_hw):
    """A depthwise ``k x k`` convolution followed by a pointwise 1x1 (no bias, no BN).

    ``out_hw`` is the output of the depthwise step, which the 1x1 keeps:
    macs = k_h * k_w * c_in * H * W  +  c_in * c_out * H * W.
    """
    return depthwise_conv(c_in, kernel, out_hw) + pointwise_conv(c_in, c_out, out_hw)


def linear(in_features, out_features, bias=True):
    """A fully connected layer applied to one vector (one MAC per weight)."""
    in_features = positive_int("in_features", in_features)
    out_features = positive_int("out_features", out_features)
    boolean("bias", bias)
    weights = in_features * out_features
    return Cost(params=weights + (out_features if bias else 0), macs=weights)


def batchnorm(channels):
    """Batch norm's learnable scale and shift; no MACs by the papers' convention.

    Its running mean and variance are buffers, not parameters. At inference it
    folds into the preceding convolution.
    """
    channels = positive_int("channels", channels)
    return Cost(params=2 * channels, macs=0)


def separable_ratio(c_out, kernel):
    """Cost of a depthwise separable conv over a standard one: ``1/N + 1/D_K^2``.

    Returned as an exact :class:`fractions.Fraction`; it equals both the MAC
    ratio and the (bias-free) parameter ratio of the two layers.
    """
    c_out = positive_int("c_out", c_out)
    k_h, k_w = int_pair("kernel", kernel)
    return Fraction(1, c_out) + Fraction(1, k_h * k_w)


def conv_out_size(size, kernel, stride=1, padding=0, dilation=1):
    """Output length of a convolution or pooling window along one axis.

    ``floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1``,
    PyTorch's rule. Raises ``ValueError`` when the (dilated) kernel does not fit
    in the padded input.
    """
    size = positive_int("size", size)
    kernel = positive_int("kernel", kernel)
    stride = positive_int("stride", stride)
    padding = nonnegative_int("padding", padding)
    dilation = positive_int("dilation", dilation)
    extent = dilation * (kernel - 1) + 1
    padded = size + 2 * padding
    if extent > padded:
        raise ValueError(
            f"kernel={kernel} (extent {extent} with dilation={dilation}) is larger than "
            f"the padded input size={size} + 2 * padding={padding} = {padded}"
        )
    return (padded - extent) // stride + 1


def _exact_multiplier(name, value):
    """``value`` as an exact Fraction > 0: an int, a Fraction, or a float read exactly (0.75 is 3/4)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number > 0 (an int, a Fraction or a float), got {value!r} "
                        f"({type(value).__name__})")
    if not isinstance(value, Rational) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    exact = Fraction(value)
    if exact <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return exact


def width_resolution_macs(quadratic, linear, classifier, alpha, rho=1):
    """MACs of a network thinned by the width multiplier and shrunk by the resolution multiplier.

    MobileNet (Sections 3.3 and 3.4) turns a layer with ``M`` inputs and ``N``
    outputs into one with ``alpha M`` and ``alpha N``, and every ``D_F x D_F``
    map into ``rho D_F x rho D_F``. A layer's MACs then scale by one factor of
    ``alpha`` for each of its channel counts that shrinks, and by ``rho^2`` if it
    slides over a map. Split the network's MACs at ``alpha = rho = 1`` by that:

    * ``quadratic``: layers whose input *and* output channels shrink, the
      pointwise (and full) convolutions of the body,
      ``M N D_F^2 -> alpha^2 rho^2 M N D_F^2``;
    * ``linear``: layers with one shrinking channel count that slide over a map:
      a depthwise convolution (one ``D_K x D_K`` filter per channel,
      ``D_K^2 M D_F^2 -> alpha rho^2 D_K^2 M D_F^2``) and the first
      convolution, whose 3 input channels do not shrink;
    * ``classifier``: the fully connected layer on the pooled vector, whose
      ``alpha C`` inputs shrink but whose classes and single position do not.

    Then

        macs = alpha^2 rho^2 quadratic + alpha rho^2 linear + alpha classifier.

    ``alpha`` and ``rho`` are read as exact fractions (an int, a
    :class:`fractions.Fraction`, or a float such as ``0.75``, which is exactly
    3/4; pass ``Fraction(160, 224)``, not ``0.714``). The formula is exact when
    every ``alpha * channels`` and ``rho * map size`` is a whole number, as on
    the grid of the paper's Tables 6 and 7; a result that is not a whole number
    raises ``ValueError``.
    """
    quadratic = nonnegative_int("quadratic", quadratic)
    linear = nonnegative_int("linear", linear)
    classifier = nonnegative_int("classifier", classifier)
    alpha = _exact_multiplier("alpha", alpha)
    rho = _exact_multiplier("rho", rho)
    macs = alpha ** 2 * rho ** 2 * quadratic + alpha * rho ** 2 * linear + alpha * classifier
    if macs.denominator != 1:
        raise ValueError(f"alpha={alpha} and rho={rho} give {macs} MACs, not a whole number: the formula is exact "
                         "only when alpha times every channel count and rho times every map size are whole numbers")
    return int(macs)
