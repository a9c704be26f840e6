"""SqueezeNet (Iandola et al., 2016): a stem, eight Fire modules, a 1x1 conv classifier.

"SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model
size", https://arxiv.org/abs/1602.07360. Version 1.1 comes from the authors'
repository (https://github.com/forresti/SqueezeNet, SqueezeNet_v1.1): the same
Fire modules with a smaller stem and earlier pooling.

Module names are torchvision's (``features``, ``classifier``, and the Fire
modules' own), so ``torchvision.models.squeezenet1_0()`` and ``squeezenet1_1()``
state_dicts load into ``squeezenet(version="1_0" | "1_1")`` with ``strict=True``.
"""

from torch import nn
from torch.nn import init

from .. import cost
from .._checks import boolean, number, positive_int
from ..layers import BYPASS_KINDS, Fire
from . import register_model

__all__ = ["SqueezeNet", "squeezenet", "squeezenet_from_metaparams", "squeezenet_cost",
           "squeezenet_metaparams_cost", "squeezenet_map_sizes", "SQUEEZENET_FIRES", "SQUEEZENET_VERSIONS"]

# Table 1 of the paper, the Fire modules fire2 ... fire9 (identical in 1.0 and 1.1):
SQUEEZENET_FIRES = [
    # s1x1, e1x1, e3x3      input channels -> output channels
    (16, 64, 64),           # fire2:  96 (1.0) or 64 (1.1) -> 128
    (16, 64, 64),           # fire3: 128 -> 128
    (32, 128, 128),         # fire4: 128 -> 256
    (32, 128, 128),         # fire5: 256 -> 256
    (48, 192, 192),         # fire6: 256 -> 384
    (48, 192, 192),         # fire7: 384 -> 384
    (64, 256, 256),         # fire8: 384 -> 512
    (64, 256, 256),         # fire9: 512 -> 512
]

# The macro-architecture of each version: conv1 (stride 2, no padding) and a
# 3x3 / stride 2 max pool after it and after the Fire modules numbered in pool_after.
SQUEEZENET_VERSIONS = {
    "1_0": dict(stem_channels=96, stem_kernel=7, pool_after=(4, 8)),  # Table 1: maxpool4, maxpool8
    "1_1": dict(stem_channels=64, stem_kernel=3, pool_after=(3, 5)),  # pools earlier: 2.4x less computation
}
FIRST_FIRE = 2  # the paper numbers Fire modules from 2: conv1 is layer 1


def _max_pool():
    # Caffe rounds pooled sizes up; torchvision keeps that with ceil_mode=True
    return nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)


def _pool_out(size):
    """Output size of ``_max_pool`` (3x3, stride 2, ceil mode) on a ``size``-wide map."""
    out = cost.ceil_pool_out_size(size)  # ceil((size - 3) / 2) + 1; ceil mode lets a window overhang: 2 -> 1
    if out < 1:
        raise ValueError(f"a {size}x{size} map is too small for the 3x3 max pool: use a larger resolution")
    return out


def _fire_bypass(bypass, c_in, c_out):
    """The paper's bypass variants, per Fire module: identity where channels match,
    and (complex only) a 1x1 conv where they do not."""
    if bypass is None:
        return None
    if c_in == c_out:
        return "simple"
    return "complex" if bypass == "complex" else None


def _version(version):
    if not isinstance(version, str) or version not in SQUEEZENET_VERSIONS:
        raise ValueError(f"version must be one of {sorted(SQUEEZENET_VERSIONS)}, got {version!r}")
    return SQUEEZENET_VERSIONS[version]


def _check_macro(fires, pool_after, bypass):
    if not fires:
        raise ValueError(f"fires must hold at least one (s1x1, e1x1, e3x3) row, got {fires!r}")
    last = FIRST_FIRE + len(fires) - 1
    if not isinstance(pool_after, (tuple, list)) or not all(
            isinstance(n, int) and not isinstance(n, bool) and FIRST_FIRE <= n <= last for n in pool_after):
        raise ValueError(f"pool_after must list Fire module numbers between {FIRST_FIRE} and {last}, "
                         f"got {pool_after!r}")
    if bypass not in BYPASS_KINDS:
        raise ValueError(f"bypass must be one of {BYPASS_KINDS}, got {bypass!r}")


class SqueezeNet(nn.Module):
    """conv1 -> max pool -> Fire modules (with max pools between) -> dropout -> conv10 -> ReLU -> global average.

    (With ``batchnorm=True``, a batch norm between every convolution and its ReLU.)

    Args:
        fires: rows of ``(s1x1, e1x1, e3x3)``, one per Fire module (fire2, fire3, ...).
        stem_channels, stem_kernel: conv1's filters and kernel (stride 2, no padding).
        pool_after: numbers of the Fire modules followed by a 3x3 / 2 max pool.
        num_classes: filters of conv10, the 1x1 convolution that replaces
            a fully connected classifier.
        dropout: dropout before conv10 (the paper's 50%).
        bypass: ``None``, ``"simple"`` (identity bypass around every Fire module
            whose input and output channels match) or ``"complex"`` (the
            simple ones plus a 1x1 conv bypass around every other Fire module).
        batchnorm: ``False``, the paper's network (no normalisation anywhere).
            ``True`` is a modern addition, **not** in the 2016 paper: every
            convolution (conv1, the Fire modules' (see
            :class:`~lightnets_edu.layers.Fire`) and conv10) loses its bias and
            gets a ``BatchNorm2d`` before its ReLU. On conv10 this also keeps
            a class from dying: SqueezeNet applies a ReLU to the class maps
            before the global average pool, and a class whose map is negative
            everywhere gets no gradient any more.
    """

    def __init__(self, fires=SQUEEZENET_FIRES, stem_channels=96, stem_kernel=7, pool_after=(4, 8),
                 num_classes=1000, dropout=0.5, bypass=None, batchnorm=False):
        super().__init__()
        batchnorm = boolean("batchnorm", batchnorm)
        stem_channels = positive_int("stem_channels", stem_channels)
        stem_kernel = positive_int("stem_kernel", stem_kernel)
        num_classes = positive_int("num_classes", num_classes)
        _check_macro(fires, pool_after, bypass)
        dropout = number("dropout", dropout, "in [0, 1)")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        layers = [nn.Conv2d(3, stem_channels, kernel_size=stem_kernel, stride=2, bias=not batchnorm)]
        if batchnorm:  # only then: the default keeps torchvision's indices features.0, features.3, ...
            layers.append(nn.BatchNorm2d(stem_channels))
        layers += [nn.ReLU(inplace=True), _max_pool()]
        c_in = stem_channels
        for fire_number, (s1x1, e1x1, e3x3) in enumerate(fires, start=FIRST_FIRE):
            layers.append(Fire(c_in, s1x1, e1x1, e3x3, bypass=_fire_bypass(bypass, c_in, e1x1 + e3x3),
                               batchnorm=batchnorm))
            c_in = e1x1 + e3x3
            if fire_number in pool_after:
                layers.append(_max_pool())
        self.features = nn.Sequential(*layers)
        final_conv = nn.Conv2d(c_in, num_classes, kernel_size=1, bias=not batchnorm)  # conv10
        head = [nn.Dropout(p=dropout), final_conv] + ([nn.BatchNorm2d(num_classes)] if batchnorm else [])
        self.classifier = nn.Sequential(*head, nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))
        # torchvision's initialisation: conv10 starts small, the rest He-uniform, biases zero
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                if m is final_conv:
                    init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    init.constant_(m.bias, 0)
        self.bypass_kind, self.batchnorm = bypass, batchnorm

    def forward(self, x):
        x = self.features(x)          # (B, 512, 13, 13) at 224 x 224
        x = self.classifier(x)        # (B, num_classes, 1, 1)
        return x.flatten(1)           # (B, num_classes)


def _conv_cost(c_in, c_out, kernel, out_hw, batchnorm):
    """A convolution with its bias, or (``batchnorm=True``) without it and followed by batch norm."""
    if batchnorm:
        return cost.conv2d(c_in, c_out, kernel, out_hw) + cost.batchnorm(c_out)
    return cost.conv2d(c_in, c_out, kernel, out_hw, bias=True)


def _network_cost(fires, stem_channels, stem_kernel, pool_after, resolution, num_classes, bypass,
                  batchnorm=False):
    """Params and MACs of :class:`SqueezeNet`, added up layer by layer with :mod:`lightnets_edu.cost`."""
    resolution = positive_int("resolution", resolution)
    num_classes = positive_int("num_classes", num_classes)
    _check_macro(fires, pool_after, bypass)
    batchnorm = boolean("batchnorm", batchnorm)
    size = cost.conv_out_size(resolution, stem_kernel, stride=2)
    total = _conv_cost(3, stem_channels, stem_kernel, size, batchnorm)
    size = _pool_out(size)
    c_in = stem_channels
    for fire_number, (s1x1, e1x1, e3x3) in enumerate(fires, start=FIRST_FIRE):
        total = total + cost.fire(c_in, s1x1, e1x1, e3x3, size, batchnorm=batchnorm)
        if _fire_bypass(bypass, c_in, e1x1 + e3x3) == "complex":
            total = total + _conv_cost(c_in, e1x1 + e3x3, 1, size, batchnorm)
        c_in = e1x1 + e3x3
        if fire_number in pool_after:
            size = _pool_out(size)
    return total + _conv_cost(c_in, num_classes, 1, size, batchnorm)  # conv10


def squeezenet_map_sizes(version="1_0", resolution=224):
    """Side of the square map each stage of ``squeezenet(version=...)`` outputs, without building it.

    Returns ``{"conv1": ..., "maxpool1": ..., "fire2": ..., ..., "fire9": ...}``
    in network order: conv1 (stride 2, no padding) gives
    ``floor((resolution - k) / 2) + 1``, each 3x3 / 2 max pool
    ``ceil((n - 3) / 2) + 1`` (:func:`lightnets_edu.cost.ceil_pool_out_size`),
    and a Fire module keeps its input's size; conv10 runs at fire9's size.
    ``squeezenet_map_sizes("1_1", 227)`` has fire4 and fire5 at 28 and fire6
    to fire9 at 14, where 1.0 at 227 has 27 and 13.
    """
    resolution = positive_int("resolution", resolution)
    macro = _version(version)
    size = cost.conv_out_size(resolution, macro["stem_kernel"], stride=2)
    sizes = {"conv1": size}
    size = _pool_out(size)
    sizes["maxpool1"] = size
    for fire_number in range(FIRST_FIRE, FIRST_FIRE + len(SQUEEZENET_FIRES)):
        sizes[f"fire{fire_number}"] = size
        if fire_number in macro["pool_after"]:
            size = _pool_out(size)
            sizes[f"maxpool{fire_number}"] = size
    return sizes


def squeezenet_cost(version="1_0", resolution=224, num_classes=1000, bypass=None):
    """Params and MACs of ``squeezenet(version=...)`` in closed form, without building it.

    Equals ``profile(squeezenet(...), (1, 3, resolution, resolution))``'s
    ``params`` and ``macs`` (the tests check it). The paper's Caffe model takes
    227 x 227 crops; torchvision's and the book's default is 224.
    """
    return _network_cost(SQUEEZENET_FIRES, resolution=resolution, num_classes=num_classes, bypass=bypass,
                         **_version(version))


def _metaparams_network(base_e, incr_e, freq, pct3x3, squeeze_ratio, num_fire, version, stem_channels,
                        pool_after):
    """The keyword arguments of :class:`SqueezeNet` for a Section 5 design."""
    macro = dict(_version(version))
    if stem_channels is not None:
        macro["stem_channels"] = positive_int("stem_channels", stem_channels)
    if pool_after is not None:
        macro["pool_after"] = pool_after
    fires = cost.fire_channels(base_e, incr_e, freq, pct3x3, squeeze_ratio, num_fire)
    return dict(fires=fires, **macro)


def squeezenet_metaparams_cost(base_e=128, incr_e=128, freq=2, pct3x3=0.5, squeeze_ratio=0.125, num_fire=8,
                               version="1_0", stem_channels=None, pool_after=None, resolution=224,
                               num_classes=1000, bypass=None, batchnorm=False):
    """Params and MACs of ``squeezenet_from_metaparams(...)`` with the same arguments, in closed form."""
    network = _metaparams_network(base_e, incr_e, freq, pct3x3, squeeze_ratio, num_fire, version,
                                  stem_channels, pool_after)
    return _network_cost(resolution=resolution, num_classes=num_classes, bypass=bypass, batchnorm=batchnorm,
                         **network)


@register_model
def squeezenet(*, version="1_0", num_classes=1000, bypass=None, dropout=0.5):
    """SqueezeNet from "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and
    <0.5MB model size" (https://arxiv.org/abs/1602.07360).

    ``version="1_0"`` is the paper's Table 1; ``"1_1"`` the authors' later
    version. ``bypass`` adds the paper's simple or complex bypass (Table 3).
    """
    return SqueezeNet(SQUEEZENET_FIRES, num_classes=num_classes, dropout=dropout, bypass=bypass,
                      **_version(version))


@register_model
def squeezenet_from_metaparams(*, base_e=128, incr_e=128, freq=2, pct3x3=0.5, squeeze_ratio=0.125, num_fire=8,
                               version="1_0", stem_channels=None, pool_after=None, num_classes=1000,
                               bypass=None, dropout=0.5, batchnorm=False):
    """A SqueezeNet from the metaparameters of the paper's Section 5 (Fig. 3's design space).

    Fire module ``i`` has ``e_i = base_e + incr_e * floor(i / freq)`` expand
    filters, ``pct3x3 * e_i`` of them 3x3, and ``squeeze_ratio * e_i`` squeeze
    filters (see :func:`lightnets_edu.cost.fire_channels` for the rounding).
    The defaults give exactly SqueezeNet 1.0. ``version`` picks the stem and
    the pooling positions; ``stem_channels`` and ``pool_after`` override them.
    ``batchnorm=True`` puts batch norm after every convolution, a modern
    addition that is not in the paper (see :class:`SqueezeNet`).
    """
    network = _metaparams_network(base_e, incr_e, freq, pct3x3, squeeze_ratio, num_fire, version,
                                  stem_channels, pool_after)
    return SqueezeNet(num_classes=num_classes, dropout=dropout, bypass=bypass, batchnorm=batchnorm, **network)
