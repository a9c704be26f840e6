"""MobileNet v3 (Howard et al., 2019): searched inverted residuals with SE and h-swish, and the search itself.

"Searching for MobileNetV3", ICCV 2019, https://arxiv.org/abs/1905.02244

Three parts, in this order:

1. the config tables (the paper's Tables 1 and 2) and :class:`MobileNetV3`,
   with module names as in torchvision's ``mobilenetv3.py`` so its
   ``state_dict`` loads with ``strict=True``;
2. :func:`mobilenet_v3_cost`, the params and MACs in closed form from the
   same tables and :mod:`lightnets_edu.cost`;
3. the search, at a scale that runs in a notebook: MnasNet's reward
   (:func:`mnasnet_reward`) and NetAdapt (:func:`netadapt_step`,
   :func:`netadapt`), which shrinks one layer at a time until a latency model
   says the network got faster by ``delta``.
"""

from collections import namedtuple
from fractions import Fraction

import torch
from torch import nn

from .. import cost
from .._checks import nonnegative_number, number, positive_int, positive_number
from ..layers import HSwish, InvertedResidualV3
from ..layers.mobilenet_v3 import BN_MOMENTUM, conv_bn_act
from . import register_model

__all__ = [
    "Bneck", "REFERENCES", "MOBILENET_V3_LARGE", "MOBILENET_V3_SMALL", "MOBILENET_V3_HEADS", "NETADAPT_SEED_ROWS",
    "MobileNetV3", "mobilenet_v3_config", "mobilenet_v3_large", "mobilenet_v3_small", "mobilenet_v3_cost",
    "netadapt_seed", "mnasnet_reward", "widths_of", "shrink_layer", "latency_table", "table_latency",
    "Proposal", "netadapt_step", "netadapt", "NetAdaptResult", "NETADAPT_STOPS",
]

# ---------------------------------------------------------------- config tables

#: One row of Tables 1 and 2: a "bneck" (Figure 4).
#: input: (map size, channels) the block receives at a 224 x 224 input;
#: kernel: the depthwise kernel of the operator "bneck, k x k";
#: exp_size: channels of the expansion; out: "#out"; use_se: the SE column;
#: nl: the non-linearity, "RE" (ReLU) or "HS" (h-swish); stride: "s".
Bneck = namedtuple("Bneck", ["input", "kernel", "exp_size", "out", "use_se", "nl", "stride"])

# Table 1, MobileNetV3-Large. Before it: conv2d 3x3, 16 filters, HS, s2 on 224 x 224 x 3.
MOBILENET_V3_LARGE = [
    #     input      operator  exp size  #out   SE     NL    s
    Bneck((112, 16),  3,        16,      16,   False, "RE", 1),
    Bneck((112, 16),  3,        64,      24,   False, "RE", 2),
    Bneck((56, 24),   3,        72,      24,   False, "RE", 1),
    Bneck((56, 24),   5,        72,      40,   True,  "RE", 2),
    Bneck((28, 40),   5,        120,     40,   True,  "RE", 1),
    Bneck((28, 40),   5,        120,     40,   True,  "RE", 1),
    Bneck((28, 40),   3,        240,     80,   False, "HS", 2),
    Bneck((14, 80),   3,        200,     80,   False, "HS", 1),
    Bneck((14, 80),   3,        184,     80,   False, "HS", 1),
    Bneck((14, 80),   3,        184,     80,   False, "HS", 1),
    Bneck((14, 80),   3,        480,     112,  True,  "HS", 1),
    Bneck((14, 112),  3,        672,     112,  True,  "HS", 1),
    Bneck((14, 112),  5,        672,     160,  True,  "HS", 2),
    Bneck((7, 160),   5,        960,     160,  True,  "HS", 1),
    Bneck((7, 160),   5,        960,     160,  True,  "HS", 1),
]

# Table 2, MobileNetV3-Small. Same stem.
MOBILENET_V3_SMALL = [
    #     input      operator  exp size  #out   SE     NL    s
    Bneck((112, 16),  3,        16,      16,   True,  "RE", 2),
    Bneck((56, 16),   3,        72,      24,   False, "RE", 2),
    Bneck((28, 24),   3,        88,      24,   False, "RE", 1),
    Bneck((28, 24),   5,        96,      40,   True,  "HS", 2),
    Bneck((14, 40),   5,        240,     40,   True,  "HS", 1),
    Bneck((14, 40),   5,        240,     40,   True,  "HS", 1),
    Bneck((14, 40),   5,        120,     48,   True,  "HS", 1),
    Bneck((14, 48),   5,        144,     48,   True,  "HS", 1),
    Bneck((14, 48),   5,        288,     96,   True,  "HS", 2),
    Bneck((7, 96),    5,        576,     96,   True,  "HS", 1),
    Bneck((7, 96),    5,        576,     96,   True,  "HS", 1),
]

#: The efficient last stage (Figure 5) after the bnecks: conv2d 1x1 to
#: ``last_conv`` (6 x the last #out) with HS on the 7 x 7 map, pool 7x7, then
#: conv2d 1x1 "NBN" to ``last_channel`` with HS, and the classifier conv2d 1x1 NBN to k.
MOBILENET_V3_HEADS = {
    "large": {"rows": MOBILENET_V3_LARGE, "last_conv": 960, "last_channel": 1280},
    "small": {"rows": MOBILENET_V3_SMALL, "last_conv": 576, "last_channel": 1024},
}
STEM_CHANNELS = 16  # "the initial set of filters", cut from 32 to 16 (Section 5.1)


REFERENCES = ("torchvision", "tf")


def mobilenet_v3_config(arch, width_mult=1.0, reference="torchvision"):
    """The rows of Table 1 or 2 at width ``width_mult``, and the two widths of the head.

    The two reference implementations apply the width multiplier differently
    (both round with ``make_divisible(., 8)``; they agree at ``width_mult=1``):

    * ``"torchvision"``: every channel count of the table, expansions included,
      is ``make_divisible(c * width_mult, 8)``, and so is the head's 1280 / 1024;
    * ``"tf"`` (TF-slim's ``mobilenet_v3.py``, Keras): the #out columns are
      scaled and rounded; each expansion is its factor in the table (exp size /
      input channels) times the block's *rounded* input, rounded again; and the
      head's 1280 / 1024 stays whole for ``width_mult <= 1``. This is the rule
      the paper's 0.75 models were built with.

    The 1x1 conv before the pool is 6 x the last #out in both. Returns
    ``(rows, last_conv, last_channel)``.
    """
    if arch not in MOBILENET_V3_HEADS:
        raise ValueError(f"arch={arch!r} is not a MobileNet v3; expected one of {sorted(MOBILENET_V3_HEADS)}")
    width_mult = positive_number("width_mult", width_mult)
    if reference not in REFERENCES:
        raise ValueError(f"reference={reference!r} is not known; expected one of {REFERENCES}")

    def width(c):
        return cost.make_divisible(c * width_mult, 8)

    head = MOBILENET_V3_HEADS[arch]
    rows, c_in = [], width(head["rows"][0].input[1])
    for r in head["rows"]:
        if reference == "torchvision":
            exp_size = width(r.exp_size)
        else:  # the table's expansion factor times the rounded input
            exp_size = cost.make_divisible(float(Fraction(r.exp_size, r.input[1]) * c_in), 8)
        rows.append(r._replace(input=(r.input[0], c_in), exp_size=exp_size, out=width(r.out)))
        c_in = rows[-1].out
    last_channel = head["last_channel"]
    if reference == "torchvision" or width_mult > 1:
        last_channel = width(last_channel)
    return rows, 6 * c_in, last_channel


class MobileNetV3(nn.Module):
    """MobileNet v3: a 3x3 h-swish stem, a stack of bnecks, and the efficient last stage.

    Args:
        rows: :class:`Bneck` rows (already at their final widths); the stem has
            ``rows[0].input[1]`` filters, and each row's input channels must be
            the previous row's #out.
        last_conv: filters of the 1x1 conv before the global pool.
        last_channel: width of the fully connected layer after the pool.
        num_classes: outputs of the classifier.
        dropout: dropout before the classifier (0.2 in the reference code).
        in_channels: channels of the input image.
        bn_momentum: batch norm's running-statistics momentum. The reference
            code's 0.01 suits long ImageNet runs; a few epochs on a small
            dataset need a faster 0.1 (PyTorch's default), or the running
            statistics used at evaluation lag far behind the weights.
    """

    def __init__(self, rows, last_conv, last_channel, num_classes=1000, dropout=0.2, in_channels=3,
                 bn_momentum=BN_MOMENTUM):
        super().__init__()
        if not isinstance(rows, (list, tuple)) or not rows:
            raise ValueError(f"rows must be a non-empty list of Bneck rows, got {rows!r}")
        if not all(isinstance(r, Bneck) for r in rows):
            raise TypeError("rows must hold Bneck rows (see MOBILENET_V3_LARGE)")
        last_conv, last_channel = positive_int("last_conv", last_conv), positive_int("last_channel", last_channel)
        num_classes, in_channels = positive_int("num_classes", num_classes), positive_int("in_channels", in_channels)
        dropout = number("dropout", dropout, "in [0, 1)")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")

        c_in = rows[0].input[1]
        layers = [conv_bn_act(in_channels, c_in, 3, stride=2, activation=HSwish)]  # conv2d 3x3, HS, s2
        for i, r in enumerate(rows):
            if r.input[1] != c_in:
                raise ValueError(f"row {i} expects {r.input[1]} input channels, but the previous layer gives {c_in}")
            layers.append(InvertedResidualV3(c_in, r.exp_size, r.out, r.kernel, r.stride, r.use_se, r.nl))
            c_in = r.out
        layers.append(conv_bn_act(c_in, last_conv, 1, activation=HSwish))  # conv2d 1x1, HS
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)                                # pool 7x7
        self.classifier = nn.Sequential(
            nn.Linear(last_conv, last_channel),  # conv2d 1x1, NBN, on the 1x1 map
            HSwish(),
            nn.Dropout(p=dropout),
            nn.Linear(last_channel, num_classes),  # conv2d 1x1, NBN, k outputs
        )
        bn_momentum = number("bn_momentum", bn_momentum, "in (0, 1]")
        if not 0 < bn_momentum <= 1:
            raise ValueError(f"bn_momentum must be in (0, 1], got {bn_momentum!r}")
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = bn_momentum
        self.rows, self.last_conv, self.last_channel = list(rows), last_conv, last_channel
        self.num_classes, self.dropout, self.in_channels = num_classes, dropout, in_channels
        self.bn_momentum = bn_momentum

    def forward(self, x):
        x = self.features(x)            # (B, last_conv, H/32, W/32)
        x = self.avgpool(x).flatten(1)  # (B, last_conv)
        return self.classifier(x)       # (B, num_classes)


def _mobilenet_v3(arch, width_mult, num_classes, dropout):
    rows, last_conv, last_channel = mobilenet_v3_config(arch, width_mult)
    return MobileNetV3(rows, last_conv, last_channel, num_classes=num_classes, dropout=dropout)


@register_model
def mobilenet_v3_large(*, width_mult=1.0, num_classes=1000, dropout=0.2):
    """MobileNetV3-Large from "Searching for MobileNetV3" (https://arxiv.org/abs/1905.02244), Table 1.

    Widths as torchvision builds them (the last 1280 scales with ``width_mult``),
    so ``torchvision.models.mobilenet_v3_large(width_mult=...)``'s state_dict loads.
    """
    return _mobilenet_v3("large", width_mult, num_classes, dropout)


@register_model
def mobilenet_v3_small(*, width_mult=1.0, num_classes=1000, dropout=0.2):
    """MobileNetV3-Small from "Searching for MobileNetV3" (https://arxiv.org/abs/1905.02244), Table 2."""
    return _mobilenet_v3("small", width_mult, num_classes, dropout)


# ---------------------------------------------------------------- closed form

def mobilenet_v3_cost(arch="large", width_mult=1.0, resolution=224, num_classes=1000, reference="torchvision"):
    """Params (BN included) and MACs of MobileNet v3 from its table and :mod:`lightnets_edu.cost`.

    Equal to ``profile(model).params / .macs`` of the model built from the same
    config (``reference`` as in :func:`mobilenet_v3_config`), without building
    it. MACs count convolutions and FC layers only: the SE blocks' two FC
    layers are in, their pooling and scaling are not.
    """
    rows, last_conv, last_channel = mobilenet_v3_config(arch, width_mult, reference)
    resolution = positive_int("resolution", resolution)
    num_classes = positive_int("num_classes", num_classes)

    def conv_bn(c_in, c_out, kernel, hw, groups=1):
        return cost.conv2d(c_in, c_out, kernel, hw, groups=groups) + cost.batchnorm(c_out)

    size = cost.conv_out_size(resolution, 3, stride=2, padding=1)
    c_in = rows[0].input[1]
    total = conv_bn(3, c_in, 3, size)
    for r in rows:
        if r.exp_size != c_in:
            total += conv_bn(c_in, r.exp_size, 1, size)                                  # expand
        size = cost.conv_out_size(size, r.kernel, stride=r.stride, padding=r.kernel // 2)
        total += conv_bn(r.exp_size, r.exp_size, r.kernel, size, groups=r.exp_size)    # depthwise
        if r.use_se:
            total += cost.squeeze_excitation(r.exp_size, cost.se_channels(r.exp_size), size).cost
        total += conv_bn(r.exp_size, r.out, 1, size)                                   # project
        c_in = r.out
    return total + cost.efficient_last_stage(c_in, last_conv, last_channel, num_classes, size)


# ---------------------------------------------------------------- the search, small

def mnasnet_reward(accuracy, latency, target, alpha=-0.07, beta=None):
    """MnasNet's multi-objective reward ``ACC(m) x [LAT(m) / TAR]^w`` (Tan et al., 2019, Eq. 2).

    ``w = alpha`` when ``latency <= target``, else ``beta`` (default: ``alpha``,
    the "soft" constraint MnasNet and MobileNet v3 use). MnasNet uses
    ``w = -0.07``; MobileNet v3-Small's search used ``w = -0.15``.
    """
    accuracy = nonnegative_number("accuracy", accuracy)
    latency, target = positive_number("latency", latency), positive_number("target", target)
    alpha = number("alpha", alpha, "(a weight, usually negative)")
    beta = alpha if beta is None else number("beta", beta, "(a weight, usually negative)")
    w = alpha if latency <= target else beta
    return accuracy * (latency / target) ** w


#: A small MobileNet v3-style network for 3 x 16 x 16 digits (stem: 16 filters, s2 -> 8 x 8).
#: No SE, so that NetAdapt may shrink every expansion freely.
NETADAPT_SEED_ROWS = [
    #     input    operator  exp size  #out  SE     NL    s
    Bneck((8, 16),  3,        64,      16,  False, "RE", 1),
    Bneck((8, 16),  3,        64,      24,  False, "RE", 2),
    Bneck((4, 24),  3,        96,      24,  False, "HS", 1),
    Bneck((4, 24),  3,        96,      32,  False, "HS", 1),
]


def netadapt_seed(num_classes=10, last_conv=128, last_channel=64, dropout=0.0):
    """The seed network NetAdapt starts from in chapter 7: :data:`NETADAPT_SEED_ROWS` and a small
    head, with batch norm momentum 0.1 for short training runs."""
    return MobileNetV3(NETADAPT_SEED_ROWS, last_conv, last_channel, num_classes=num_classes, dropout=dropout,
                       bn_momentum=0.1)


def _check_model(model):
    if not isinstance(model, MobileNetV3):
        raise TypeError(f"model must be a MobileNetV3, got {type(model).__name__}")


def widths_of(model):
    """The widths NetAdapt may shrink: ``{"block<i>": exp size}`` for every bneck with an
    expansion conv and no SE, and ``{"last_conv": ...}`` for the 1x1 conv before the pool."""
    _check_model(model)
    widths = {f"block{i}": r.exp_size for i, r in enumerate(model.rows)
              if r.exp_size != r.input[1] and not r.use_se}
    widths["last_conv"] = model.last_conv
    return widths


def _allowed_widths(model, layer, step, below):
    """Widths ``step, 2 step, ...`` under ``below`` that ``layer`` may take, largest first.

    A bneck's expansion may not become equal to its input width: the block
    would then have no expansion conv at all (a different structure)."""
    c_in = None if layer == "last_conv" else model.rows[int(layer.removeprefix("block"))].input[1]
    return [w for w in range(step * ((below - 1) // step), 0, -step) if w != c_in]


def _strongest(weight, k):
    """Indices (ascending) of the ``k`` filters of ``weight`` with the largest L2 norm.

    NetAdapt keeps the filters of largest magnitude and drops the rest.
    """
    norms = weight.detach().flatten(1).norm(dim=1)
    return norms.argsort(descending=True, stable=True)[:k].sort().values


def shrink_layer(model, layer, width):
    """A copy of ``model`` with layer ``layer`` (a key of :func:`widths_of`) cut to ``width`` filters.

    The ``width`` filters of largest L2 norm are kept, with every weight that
    reads or writes them (batch norm, the depthwise conv, the next 1x1 conv or
    FC layer); all other weights are copied unchanged, so the smaller network
    starts from what the larger one learned.
    """
    _check_model(model)
    widths = widths_of(model)
    if layer not in widths:
        raise ValueError(f"layer={layer!r} cannot be shrunk; expected one of {sorted(widths)}")
    width = positive_int("width", width)
    if width >= widths[layer]:
        raise ValueError(f"width={width} must be smaller than the current {widths[layer]} of {layer}")
    if layer != "last_conv" and width == model.rows[int(layer.removeprefix("block"))].input[1]:
        raise ValueError(f"width={width} equals the input width of {layer}: the block would lose its expansion")
    state = {k: v.clone() for k, v in model.state_dict().items()}
    rows, last_conv = list(model.rows), model.last_conv

    def take(key, keep, dim):
        state[key] = state[key].index_select(dim, keep)

    def take_bn(prefix, keep):
        for name in ("weight", "bias", "running_mean", "running_var"):
            take(f"{prefix}.{name}", keep, 0)

    if layer == "last_conv":
        n = len(model.features) - 1
        keep = _strongest(model.features[n][0].weight, width)
        take(f"features.{n}.0.weight", keep, 0)
        take_bn(f"features.{n}.1", keep)
        take("classifier.0.weight", keep, 1)
        last_conv = width
    else:
        i = int(layer.removeprefix("block"))
        p = f"features.{i + 1}.block"
        keep = _strongest(model.features[i + 1].block[0][0].weight, width)
        take(f"{p}.0.0.weight", keep, 0)   # expand: its output filters
        take_bn(f"{p}.0.1", keep)
        take(f"{p}.1.0.weight", keep, 0)   # depthwise: one filter per kept channel
        take_bn(f"{p}.1.1", keep)
        take(f"{p}.2.0.weight", keep, 1)   # project: reads only the kept channels
        rows[i] = rows[i]._replace(exp_size=width)
    smaller = MobileNetV3(rows, last_conv, model.last_channel, model.num_classes, model.dropout, model.in_channels,
                          model.bn_momentum)
    smaller.load_state_dict(state)
    return smaller.train(model.training)


def _layer_module(model, layer, width, c_in):
    """A stand-alone module computing everything whose size depends on ``layer``'s width."""
    if layer == "last_conv":
        return nn.Sequential(conv_bn_act(c_in, width, 1, activation=HSwish), nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Linear(width, model.last_channel))
    r = model.rows[int(layer.removeprefix("block"))]
    return InvertedResidualV3(c_in, width, r.out, r.kernel, r.stride, r.use_se, r.nl)


def latency_table(model, input_size, measure, step=8):
    """NetAdapt's layer-wise look-up table: ``{layer: {width: cost}}`` plus ``"fixed"``.

    For every shrinkable layer of ``model``, at its current width and every
    multiple of ``step`` below it (except a bneck's input width), ``measure(module, x)`` is called on a fresh module
    of that width (the bneck, or the last conv with the FC layer that reads
    it) and its real input ``x``; ``measure`` can return a timing (e.g. from
    :func:`lightnets_edu.bench.latency`) or a proxy such as MACs.
    ``"fixed"`` holds the layers no proposal changes (the stem, the bnecks
    without a shrinkable expansion, the classifier), measured the same way.
    """
    _check_model(model)
    if not callable(measure):
        raise TypeError(f"measure must be a function (module, input) -> number, got {measure!r}")
    step = positive_int("step", step)
    inputs, handles = {}, []
    for n, module in enumerate(model.features):
        handles.append(module.register_forward_pre_hook(lambda m, args, n=n: inputs.__setitem__(n, args[0])))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(input_size))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    widths = widths_of(model)
    table, fixed = {}, 0.0
    for layer, current in widths.items():
        n = len(model.features) - 1 if layer == "last_conv" else int(layer.removeprefix("block")) + 1
        x = inputs[n]
        table[layer] = {w: measure(_layer_module(model, layer, w, x.shape[1]).eval(), x)
                        for w in [current] + _allowed_widths(model, layer, step, current)}
    shrinkable = {len(model.features) - 1} | {int(k.removeprefix("block")) + 1 for k in widths if k != "last_conv"}
    for n, module in enumerate(model.features):
        if n not in shrinkable:
            fixed += measure(module.eval(), inputs[n])
    tail = nn.Sequential(*list(model.classifier)[1:]).eval()  # HS, dropout, classifier
    fixed += measure(tail, torch.zeros(input_size[0], model.last_channel))
    table["fixed"] = fixed
    return table


def table_latency(table, widths):
    """The latency model of a network with ``widths``: the fixed part plus one table entry per layer."""
    missing = [f"{layer}={w}" for layer, w in widths.items() if w not in table.get(layer, {})]
    if missing:
        raise ValueError(f"the latency table has no entry for {', '.join(missing)}")
    return table["fixed"] + sum(table[layer][w] for layer, w in widths.items())


#: One NetAdapt proposal: which layer, its width before and after, the latency
#: model's value, the accuracy after short fine-tuning, and the network.
Proposal = namedtuple("Proposal", ["layer", "old_width", "width", "latency", "accuracy", "model"])


def _proposals(model, latency_of, delta, fine_tune, evaluate, step):
    """NetAdapt's proposals for one step (empty if no layer can save ``delta``) and the current latency."""
    widths = widths_of(model)
    current = latency_of(widths)
    proposals = []
    for layer, width in widths.items():
        # the largest smaller width that meets the latency target
        fits = [w for w in _allowed_widths(model, layer, step, width)
                if latency_of({**widths, layer: w}) <= current - delta]
        if not fits:
            continue
        candidate = shrink_layer(model, layer, fits[0])
        fine_tune(candidate)
        proposals.append(Proposal(layer, width, fits[0], latency_of(widths_of(candidate)), evaluate(candidate),
                                  candidate))
    return proposals, current


def _check_search_args(model, latency_of, delta, fine_tune, evaluate, step):
    _check_model(model)
    for name, fn in (("latency_of", latency_of), ("fine_tune", fine_tune), ("evaluate", evaluate)):
        if not callable(fn):
            raise TypeError(f"{name} must be a function, got {fn!r}")
    return positive_number("delta", delta), positive_int("step", step)


def _best(proposals, accuracy, current):
    # MobileNet v3's rule: the best accuracy change per latency saved
    return max(proposals, key=lambda p: (p.accuracy - accuracy) / (current - p.latency))


def netadapt_step(model, accuracy, latency_of, delta, fine_tune, evaluate, step=8):
    """One NetAdapt iteration (Yang et al., 2018, Algorithm 1, with MobileNet v3's selection rule).

    For every shrinkable layer, take the largest width (a multiple of
    ``step``) whose network is at least ``delta`` faster by ``latency_of``
    (a function of :func:`widths_of`'s dict), cut the layer to it
    (:func:`shrink_layer`), ``fine_tune`` the candidate briefly and
    ``evaluate`` its accuracy. Keep the proposal with the best accuracy change
    per latency saved, ``(acc - accuracy) / (latency - new latency)``:
    MobileNet v3's rule; the original NetAdapt keeps the most accurate.

    Returns ``(best, proposals)``; ``best.model`` is strictly cheaper than
    ``model`` under ``latency_of``. Raises ``ValueError`` if no layer can
    save ``delta`` (:func:`netadapt` does not raise then: it stops and
    returns the steps it took).
    """
    delta, step = _check_search_args(model, latency_of, delta, fine_tune, evaluate, step)
    proposals, current = _proposals(model, latency_of, delta, fine_tune, evaluate, step)
    if not proposals:
        raise ValueError(f"no layer can be shrunk to save delta={delta:g} (current latency {current:g})")
    return _best(proposals, accuracy, current), proposals


#: What :func:`netadapt` returns. ``model``: the last network kept; ``trajectory``: one dict per
#: step (the seed is step 0); ``stopped``: why the loop ended, one of :data:`NETADAPT_STOPS`;
#: ``reason``: the same in a sentence, with the numbers.
NetAdaptResult = namedtuple("NetAdaptResult", ["model", "trajectory", "stopped", "reason"])

#: The three ways a NetAdapt run ends: the latency model reached the target; ``max_steps``
#: steps were taken first; or no layer could be shrunk to save ``delta`` any more.
NETADAPT_STOPS = ("target", "max_steps", "no_proposal")


def netadapt(model, latency_of, delta, target, fine_tune, evaluate, max_steps=10, step=8):
    """Run NetAdapt steps (:func:`netadapt_step`) until the latency model reaches ``target``.

    The loop ends in one of three ways (``stopped``): ``"target"``, the
    latency model is at or under ``target``; ``"max_steps"``, ``max_steps``
    steps were taken without reaching it; ``"no_proposal"``, no layer can be
    shrunk to save ``delta`` any more. In every case the steps already taken
    are kept: the result is the last network found, never an exception.

    Returns a :data:`NetAdaptResult` ``(model, trajectory, stopped, reason)``:
    the last network, one dict per step (the seed network is step 0) with the
    layer changed, the widths, the latency model's value, the accuracy and
    every proposal of the step, why the loop ended and a sentence saying so.
    """
    delta, step = _check_search_args(model, latency_of, delta, fine_tune, evaluate, step)
    target = positive_number("target", target)
    max_steps = positive_int("max_steps", max_steps)
    accuracy = evaluate(model)
    trajectory = [{"step": 0, "layer": None, "widths": widths_of(model), "latency": latency_of(widths_of(model)),
                   "accuracy": accuracy, "proposals": []}]
    stopped = "max_steps"
    for n in range(1, max_steps + 2):
        current = trajectory[-1]["latency"]
        if current <= target:
            stopped = "target"
            break
        if n > max_steps:
            break
        proposals, current = _proposals(model, latency_of, delta, fine_tune, evaluate, step)
        if not proposals:
            stopped = "no_proposal"
            break
        best = _best(proposals, accuracy, current)
        model, accuracy = best.model, best.accuracy
        trajectory.append({"step": n, "layer": best.layer, "widths": widths_of(model), "latency": best.latency,
                           "accuracy": accuracy,
                           "proposals": [p._replace(model=None) for p in proposals]})
    steps, latency = len(trajectory) - 1, trajectory[-1]["latency"]
    reason = {
        "target": f"reached the target: latency {latency:g} <= {target:g} after {steps} step(s)",
        "max_steps": f"took max_steps={max_steps} steps; latency {latency:g} is still above the target {target:g}",
        "no_proposal": f"after {steps} step(s), at latency {latency:g} (target {target:g}), "
                       f"no layer can be shrunk to save delta={delta:g}",
    }[stopped]
    return NetAdaptResult(model, trajectory, stopped, reason)
