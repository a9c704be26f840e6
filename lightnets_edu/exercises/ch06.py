"""Checkers for the exercises of chapter 6, *ShuffleNet v1 and v2*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. Expected
answers come from :mod:`lightnets_edu.cost`, the ShuffleNet config table,
:func:`lightnets_edu.layers.channel_shuffle` and :mod:`lightnets_edu.profile`,
never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
06_1       MACs (multiply-accumulates) of a stride-1 ShuffleNet v1 unit:
           ``EX1_C=544`` channels, bottleneck ``EX1_C // 4``,
           ``EX1_GROUPS=4``, on a ``EX1_SIZE=14`` x 14 map
06_2       channels made by the residual branch of the first unit of
           stage 2, ShuffleNet 1x with ``EX2_GROUPS=8``
06_3       which input channel lands at output position ``EX3_POSITION=7``
           after ``channel_shuffle`` with ``EX3_GROUPS=4`` on
           ``EX3_CHANNELS=24`` channels
06_4       memory access cost (in values) of a 1x1 conv ``EX4_C1=96`` ->
           ``EX4_C2=192`` on a ``EX4_SIZE=28`` x 28 map
06_5       the least memory access cost of a 1x1 conv on a ``EX5_SIZE=14``
           x 14 map with ``c1 * c2 = EX5_PRODUCT=36864`` (the shape given is
           ``EX5_C1=48`` -> ``EX5_C2=768``)
06_6       implement: ``channel_shuffle(x, groups)``
06_7       implement: the forward pass of a stride-1 ShuffleNet v2 unit,
           ``v2_unit(x, branch)`` (split, branch, concat, shuffle)
06_8       design: ShuffleNet v1 ``(groups, scale)`` with at most
           ``EX8_MMACS=40`` million MACs at ``EX8_RESOLUTION=224`` whose last
           stage is at least ``EX8_PERCENT=90`` % as wide as the widest that fits
06_9       choice: what removing the channel shuffle changes
06_10      choice: guideline G2, groups at a fixed number of MACs
=========  ===============================================================
"""

import math
import random
from numbers import Real

import torch

from .. import cost
from ..layers.shuffle import ShuffleV2Block, channel_shuffle
from ..models.shufflenet import SHUFFLENET_V1_GROUPS, ShuffleNetV1, shufflenet_v1_channels, shufflenet_v1_cost
from ..profile import profile
from ._catalog import exercise
from ._grading import UNANSWERED, Verdict, check_choice, check_number, distinct_mistakes
from ._implement import check_function

__all__ = ["check_06_1", "check_06_2", "check_06_3", "check_06_4", "check_06_5", "check_06_6", "check_06_7",
           "check_06_8", "check_06_9", "check_06_10"]

# exercise 1: the unit's cost, hw (2 c m / g + 9 m); a stride-1 unit of stage 3, ShuffleNet 1x, g = 4
EX1_C, EX1_GROUPS, EX1_SIZE = 544, 4, 14
# exercise 2: the stride-2 unit's concat
EX2_GROUPS = 8
# exercise 3: the shuffle as a permutation
EX3_CHANNELS, EX3_GROUPS, EX3_POSITION = 24, 4, 7
# exercise 4: memory access cost of a 1x1 conv
EX4_C1, EX4_C2, EX4_SIZE = 96, 192, 28
# exercise 5: guideline G1's bound
EX5_C1, EX5_C2, EX5_SIZE = 48, 768, 14
EX5_PRODUCT = EX5_C1 * EX5_C2
# exercise 8: the widest ShuffleNet v1 under a MACs budget
EX8_MMACS, EX8_RESOLUTION, EX8_PERCENT = 40, 224, 90


def _shuffle_source(channels, groups, position):
    """The input channel that channel_shuffle puts at ``position``."""
    order = channel_shuffle(torch.arange(channels, dtype=torch.float32).view(1, channels, 1, 1), groups)
    return int(order.flatten()[position].item())


@exercise(6, 1, kind="number", points=1, minutes=10,
          title="MACs of a ShuffleNet unit",
          objective="count a unit's grouped 1x1 and depthwise convolutions")
def check_06_1(answer):
    """MACs of a stride-1 ShuffleNet unit: c = 544, m = 136, g = 4, 14 x 14."""
    c, g, size = EX1_C, EX1_GROUPS, EX1_SIZE
    m = c // 4
    unit = cost.shuffle_unit(c, c, g, size)
    hw = size * size
    return check_number(
        answer, unit.macs,
        concept="each convolution makes (output channels) x hw values, each costing one MAC per weight of its "
                "filter; the 1x1 convs are grouped, the 3x3 is depthwise: see 'The ShuffleNet unit and its cost'.",
        hint=f"hw (2 c m / g + 9 m) = {size}*{size} * (2*{c}*{m}/{g} + 9*{m}).",
        mistakes=distinct_mistakes(
            unit.macs,
            flops=(unit.flops, "That is the FLOP count (2 per multiply-accumulate). The question asks for MACs."),
            ungrouped=(hw * (2 * c * m + 9 * m), "That is hw (2 c m + 9 m): the 1x1 convs without groups. "
                                                 f"With g = {g} each 1x1 conv does g times fewer MACs."),
            resnet=(hw * (2 * c * m + 9 * m * m), "That is a ResNet bottleneck, hw (2 c m + 9 m^2), with a full "
                                                  "3x3 conv. ShuffleNet's 3x3 is depthwise and its 1x1 convs are "
                                                  "grouped."),
            full_3x3=(hw * (2 * c * m // g + 9 * m * m), "Your 3x3 conv sees all m channels (9 m^2): it is "
                                                         "depthwise, each filter sees one channel (9 m)."),
            no_bottleneck=(hw * (2 * c * c // g + 9 * c), "You used c for the bottleneck: m = c / 4 = "
                                                          f"{m} channels go through the depthwise conv."),
            params=(unit.params, f"That is a parameter count. Multiply the weights by the {size} x {size} "
                                 "positions, and leave batch norm out."),
        ),
        explain=f"hw (2 c m / g + 9 m) = {hw} x (2 x {c} x {m} / {g} + 9 x {m}).",
    )


@exercise(6, 2, kind="number", points=1, minutes=10,
          title="Channels of a stride-2 unit",
          objective="follow concatenation in ShuffleNet's stride-2 unit")
def check_06_2(answer):
    """Output channels of the residual branch of stage 2's first unit (1x, g = 8)."""
    conv1, stage2, *_ = shufflenet_v1_channels(EX2_GROUPS, 1.0)
    expected = stage2 - conv1
    return check_number(
        answer, expected,
        concept="a stride-2 unit concatenates its 3x3 average-pooled input with the residual branch: see "
                "'The ShuffleNet unit and its cost' (stride 2) and 'The network, from Table 1' (the widths).",
        hint=f"Table 1 (g = {EX2_GROUPS}): Conv1 makes {conv1} channels, stage 2 {stage2}; the branch makes "
             f"the rest, {stage2} - {conv1}.",
        mistakes=distinct_mistakes(
            expected,
            all_=(stage2, "That is the unit's output. Part of it is the pooled input "
                          f"({conv1} channels), concatenated: the branch makes the rest."),
            bottleneck=(stage2 // 4, "That is the bottleneck, the depthwise conv's channels; the "
                                     "branch's last 1x1 conv expands them again."),
            conv1=(conv1, "That is the pooled shortcut's share: the input's channels."),
            half=(stage2 // 2, "Half the output is ShuffleNet v2's layout (two branches of c_out / 2). In v1 "
                               "the shortcut is the pooled input, with Conv1's channels."),
        ),
        explain=f"{stage2} - {conv1} = {expected}: the residual branch makes {expected} channels and the "
                f"3x3 average-pooled input supplies the other {conv1}.",
    )


@exercise(6, 3, kind="number", points=1, minutes=10,
          title="Where the shuffle sends a channel",
          objective="trace the channel shuffle permutation")
def check_06_3(answer):
    """Which input channel ends at output position 7 of channel_shuffle(x, 4) on 24 channels."""
    c, g, p = EX3_CHANNELS, EX3_GROUPS, EX3_POSITION
    expected = _shuffle_source(c, g, p)
    n = c // g
    forward = cost.shuffle_target(p, c, g)
    return check_number(
        answer, expected,
        concept="reshape to (g, n), transpose, flatten: output position p = j g + i holds channel i n + j; see "
                "'The channel shuffle is a permutation'.",
        hint=f"sigma(p) = (p mod g) n + p div g with g = {g}, n = {c}/{g} = {n}: ({p} mod {g}) * {n} + {p} // {g}.",
        mistakes=distinct_mistakes(
            expected,
            inverse=(forward, f"That is where input channel {p} goes, tau({p}), the inverse question. "
                              f"Which channel arrives at position {p}?"),
            identity=(p, "The shuffle does move channels: only the first and the last stay."),
            roles=((p // g) * n + p % g, f"You read position {p} as (p div g) n + p mod g: position p = j g + i "
                                         f"has its group i = p mod g = {p % g} and j = p div g = {p // g}."),
        ),
        explain=f"position j g + i holds channel i n + j; {p} = {p // g} x {g} + {p % g}, so it holds channel "
                f"{p % g} x {n} + {p // g} = {expected}.",
    )


@exercise(6, 4, kind="number", points=1, minutes=10,
          title="Memory access cost of a 1x1 conv",
          objective="count the values a layer reads and writes")
def check_06_4(answer):
    """Memory access cost of a 1x1 conv 96 -> 192 on 28 x 28, in values."""
    c1, c2, size = EX4_C1, EX4_C2, EX4_SIZE
    expected = cost.pointwise_memory_access_cost(c1, c2, size)
    hw = size * size
    return check_number(
        answer, expected,
        concept="memory access cost counts every value a layer reads (input map, weights) and writes (output "
                "map): see 'ShuffleNet v2: the other \"MAC\"'.",
        hint=f"h w (c1 + c2) + c1 c2 = {size}*{size} * ({c1} + {c2}) + {c1}*{c2}.",
        mistakes=distinct_mistakes(
            expected,
            multiply_accumulates=(cost.pointwise_conv(c1, c2, size).macs,
                                  "That is the multiply-accumulate count, h w c1 c2: the other 'MAC'. "
                                  "The memory access cost counts values moved."),
            no_weights=(hw * (c1 + c2), "That counts the two feature maps; the weights are read too."),
            no_output=(hw * c1 + c1 * c2, "That counts what the layer reads; it writes its output map too."),
            bytes_=(4 * expected, "That is in bytes (float32). Give the count of values."),
        ),
        explain=f"h w (c1 + c2) + c1 c2 = {hw} x {c1 + c2} + {c1 * c2}.",
    )


@exercise(6, 5, kind="number", points=1, minutes=15,
          title="The least memory access cost",
          objective="derive guideline G1: equal widths minimize memory access")
def check_06_5(answer):
    """Least memory access cost of a 1x1 conv with c1 c2 = 36864 on 14 x 14."""
    size, product = EX5_SIZE, EX5_PRODUCT
    side = math.isqrt(product)
    expected = cost.pointwise_memory_access_cost(side, side, size)
    given = cost.pointwise_memory_access_cost(EX5_C1, EX5_C2, size)
    return check_number(
        answer, expected,
        concept="for a fixed product c1 c2, the sum c1 + c2 is smallest when c1 = c2 (the inequality of "
                "arithmetic and geometric means, guideline G1): see 'ShuffleNet v2: the other \"MAC\"'.",
        hint=f"c1 = c2 = sqrt({product}) = {side}; then h w (c1 + c2) + c1 c2 = {size}*{size} * 2*{side} + {product}.",
        mistakes=distinct_mistakes(
            expected,
            given=(given, f"That is the cost of the {EX5_C1} -> {EX5_C2} layer as given; the question asks "
                          "for the cheapest shape with the same multiply-accumulates."),
            multiply_accumulates=(size * size * product,
                                  "That is the multiply-accumulate count, the same for every shape."),
            maps_only=(size * size * 2 * side, "That is the two feature maps alone; the weights, c1 c2 values, "
                                               "are read too."),
            bytes_=(4 * expected, "That is in bytes (float32). Give the count of values."),
        ),
        explain=f"c1 = c2 = {side}: {expected:,} values, against {given:,} for {EX5_C1} -> {EX5_C2}; "
                "it equals the bound 2 sqrt(hw B) + B / hw.",
    )


# ---------------------------------------------------------------- implement

def _shuffle_cases():
    """Tensors (B, g n, H, W) with g != n (so the shuffle and its inverse differ), and (g, n) edge cases."""
    g = torch.Generator().manual_seed(6)
    shapes = [(1, 3, 4, 2, 2), (2, 4, 3, 3, 1), (1, 2, 5, 1, 4), (3, 8, 2, 2, 3), (1, 1, 6, 2, 2),
              (2, 6, 1, 3, 3), (1, 3, 7, 5, 5)]  # (batch, groups, per group, H, W)
    cases = []
    for batch, groups, n, height, width in shapes:
        x = torch.randn(batch, groups * n, height, width, generator=g)
        cases.append((f"x of shape {tuple(x.shape)} and groups={groups}", (x, groups)))
    return cases


def _shuffle_reference(x, groups):
    return channel_shuffle(x, groups)


def _shuffle_inverse(x, groups):
    return channel_shuffle(x, x.shape[1] // groups)


def _shuffle_identity(x, groups):
    return x.clone()


@exercise(6, 6, kind="implement", points=2, minutes=15,
          title="Implement the channel shuffle",
          objective="implement the channel shuffle as reshape, transpose, flatten")
def check_06_6(channel_shuffle_fn):
    """Student's ``channel_shuffle(x, groups)``: (B, C, H, W) -> (B, C, H, W), channels shuffled across groups."""
    return check_function(
        channel_shuffle_fn, _shuffle_reference, _shuffle_cases(),
        concept="the shuffle reshapes the channels to (g, n), transposes to (n, g) and flattens back, so output "
                "position j g + i holds input channel i n + j: see 'The channel shuffle is a permutation'.",
        hint="b, c, h, w = x.shape; x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w) "
             "(after a transpose, .view needs .contiguous() first; .reshape copies when it must).",
        mistakes=[(_shuffle_inverse, "You reshaped to (n, g) instead of (g, n): that is the inverse shuffle (the "
                                     "shuffle with n = C / g groups). Reshape to (groups, C // groups) first."),
                  (_shuffle_identity, "Your output has the channels in their original order: reshaping and "
                                      "flattening back without the transpose moves nothing.")],
        explain="No parameters and no MACs: only a copy, which ShuffleNet v2 measures as time (G4).",
    )


def _v2_cases():
    """(x, branch): x (B, c, H, W) and a ShuffleNet v2 branch c/2 -> c/2 with random weights, in eval mode."""
    rng = random.Random(62)
    cases = []
    for seed, channels in enumerate([8, 12, 20, 6]):
        torch.manual_seed(seed)
        branch = ShuffleV2Block(channels, channels, 1).branch2.eval()
        with torch.no_grad():
            for module in branch.modules():
                if isinstance(module, torch.nn.BatchNorm2d):  # non-trivial statistics: every value matters
                    module.running_mean.uniform_(-0.5, 0.5)
                    module.running_var.uniform_(0.5, 1.5)
                    module.weight.uniform_(0.5, 1.5)
                    module.bias.uniform_(-0.5, 0.5)
        batch, size = rng.randint(1, 3), rng.randint(3, 7)
        x = torch.randn(batch, channels, size, size, generator=torch.Generator().manual_seed(seed))
        cases.append((f"x of shape {tuple(x.shape)} and a branch {channels // 2} -> {channels // 2} channels",
                      (x, branch)))
    return cases


def _v2_reference(x, branch):
    left, right = x.chunk(2, dim=1)
    return channel_shuffle(torch.cat((left, branch(right)), dim=1), 2)


def _v2_no_shuffle(x, branch):
    left, right = x.chunk(2, dim=1)
    return torch.cat((left, branch(right)), dim=1)


def _v2_branch_on_left(x, branch):
    left, right = x.chunk(2, dim=1)
    return channel_shuffle(torch.cat((branch(left), right), dim=1), 2)


def _v2_swapped_concat(x, branch):
    left, right = x.chunk(2, dim=1)
    return channel_shuffle(torch.cat((branch(right), left), dim=1), 2)


def _v2_shuffle_by_half(x, branch):
    left, right = x.chunk(2, dim=1)
    return channel_shuffle(torch.cat((left, branch(right)), dim=1), x.shape[1] // 2)


@exercise(6, 7, kind="implement", points=2, minutes=20,
          title="Implement the ShuffleNet v2 unit's forward pass",
          objective="read the ShuffleNet v2 unit as channel split, one branch, concat and shuffle")
def check_06_7(v2_unit):
    """Student's ``v2_unit(x, branch)``: the forward pass of a stride-1 ShuffleNet v2 unit (torchvision's layout)."""
    return check_function(
        v2_unit, _v2_reference, _v2_cases(),
        concept="channel split, the branch on one half, concat (no addition), then a channel shuffle with 2 "
                "groups: see 'The v2 unit, read as the answer to G1-G4'.",
        hint="left, right = x.chunk(2, dim=1); out = torch.cat((left, branch(right)), dim=1); then "
             "channel_shuffle(out, 2), as torchvision's InvertedResidual does.",
        mistakes=[(_v2_no_shuffle, "You left out the channel shuffle: without it the left half would pass "
                                   "untouched through every unit of the stage."),
                  (_v2_branch_on_left, "You ran the branch on the first half; torchvision's layout (whose "
                                       "weights the chapter loads) keeps the first half and transforms the second."),
                  (_v2_swapped_concat, "Your concat puts the branch's output first; the kept half comes first: "
                                       "torch.cat((left, branch(right)), dim=1)."),
                  (_v2_shuffle_by_half, "You shuffled with C / 2 groups: the unit shuffles with 2 groups (the "
                                        "two halves), channel_shuffle(out, 2).")],
        rtol=1e-4, atol=1e-5,
        explain="Equal widths in and out (G1), no group convs (G2), one branch (G3), concat and no addition (G4).",
    )


# ---------------------------------------------------------------- design

def _widest_under_budget(budget):
    """``(groups, scale, stage 4's channels)``: the widest ShuffleNet v1 under ``budget`` MACs (a scale grid)."""
    best = (0, 0.0, 0)
    for groups in SHUFFLENET_V1_GROUPS:
        for step in range(200, 1001, 5):  # scale 0.200 ... 1.000
            scale = step / 1000
            if shufflenet_v1_cost(groups, scale, EX8_RESOLUTION).macs > budget:
                break
            width = shufflenet_v1_channels(groups, scale)[-1]
            if width > best[2]:
                best = (groups, scale, width)
    return best


_WIDEST = {}


def _widest():
    if not _WIDEST:
        _WIDEST["best"] = _widest_under_budget(EX8_MMACS * 10**6)
    return _WIDEST["best"]


def _design_pair(design):
    """``(groups, scale)`` from a pair, a dict or a ShuffleNetV1 (its groups and scale); else ``(None, why)``."""
    if isinstance(design, ShuffleNetV1):
        return (design.groups, design.scale), None
    if isinstance(design, dict):
        if set(design) != {"groups", "scale"}:
            return None, f"Expected a dict with the keys 'groups' and 'scale', got the keys {sorted(map(str, design))}."
        design = (design["groups"], design["scale"])
    if not isinstance(design, (tuple, list)) or len(design) != 2:
        return None, ("Expected a pair (groups, scale), e.g. (3, 0.5), a dict {'groups': ..., 'scale': ...} or "
                      f"a ShuffleNetV1; got {type(design).__name__}.")
    groups, scale = design
    if isinstance(groups, Real) and not isinstance(groups, bool) and math.isfinite(groups) and groups == int(groups):
        groups = int(groups)  # 8.0 or numpy's int64 mean 8
    if isinstance(groups, bool) or not isinstance(groups, int) or groups not in SHUFFLENET_V1_GROUPS:
        return None, f"groups must be one of {SHUFFLENET_V1_GROUPS} (Table 1's columns), got {groups!r}."
    if isinstance(scale, bool) or not isinstance(scale, Real) or not math.isfinite(scale) or not 0.05 <= scale <= 2:
        return None, f"scale must be a number between 0.05 and 2, got {scale!r}."
    return (groups, float(scale)), None


@exercise(6, 8, kind="design", points=3, minutes=25,
          title="The widest ShuffleNet v1 under 40 M MACs",
          objective="use groups and the scale factor to buy width under a MACs budget")
def check_06_8(design):
    """A ShuffleNet v1 (groups, scale) with at most 40 M MACs at 224 x 224 whose stage 4 is within 90% of the widest."""
    try:
        if design is None or design is Ellipsis:
            return Verdict(False, UNANSWERED.replace("your answer", "your (groups, scale) pair"), counts_as_try=False)
        pair, problem = _design_pair(design)
        if problem:
            return Verdict(False, problem, counts_as_try=False)
        groups, scale = pair
        budget = EX8_MMACS * 10**6
        best_groups, best_scale, best_width = _widest()
        bar = math.ceil(best_width * EX8_PERCENT / 100)
        try:
            model = ShuffleNetV1(groups=groups, scale=scale)
            report = profile(model, input_size=(1, 3, EX8_RESOLUTION, EX8_RESOLUTION))
        except Exception as err:
            return Verdict(False, f"Not quite: ShuffleNet v1 with groups={groups}, scale={scale:g} could not be "
                                  f"built ({type(err).__name__}: {err}). Try another scale.")
        width = model.stage4[-1].c_out
        report_text = (f"groups={groups}, scale={scale:g} costs {report.macs:,} MACs ({report.macs / budget:.1%} of "
                       f"the {EX8_MMACS} M budget, FC included) and its stage 4 carries {width} channels "
                       f"({report.params:,} params)")
        cheap, wide = report.macs <= budget, width >= bar
        if cheap and wide:
            return Verdict(True, f"Correct: {report_text}. The widest that fits is {best_width} channels "
                                 f"(groups={best_groups}, scale about {best_scale:g}); the bar was {bar}. More groups "
                                 "buy width at the same MACs; ShuffleNet v2's G2 says what they cost in time.")
        if not cheap:
            over = report.macs / budget - 1
            return Verdict(False, f"Not quite: {report_text}: over the budget by {over:.1%}. "
                                  "Hint: MACs fall roughly as scale^2; the paper's 0.5x is not always under 40 M "
                                  "(count it: the FC layer is included).",
                           score=0.0)
        return Verdict(False, f"Not quite: {report_text}: under the budget, but stage 4 should carry at least {bar} "
                              f"channels ({EX8_PERCENT}% of the widest that fits). Hint: at the same MACs, more "
                              "groups allow wider layers (see 'The network, from Table 1').",
                       score=0.5 * width / bar)
    except Exception as err:  # a checker must never show a traceback
        return Verdict(False, f"Could not check that ({type(err).__name__}: {err}).", counts_as_try=False)


# ---------------------------------------------------------------- choice

@exercise(6, 9, kind="choice", points=1, minutes=10,
          title="What removing the shuffle changes",
          objective="tell what the channel shuffle does and what it costs")
def check_06_9(answer):
    """ShuffleNet v1 g = 8 with every channel shuffle removed (Table 3's ablation): what changes?"""
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="the shuffle is a fixed permutation with no weights, and stacked group convs without it never mix "
                "groups: see 'What grouping costs: channels stop mixing' and 'The channel shuffle is a permutation'.",
        option_hints={"a": "The shuffle has no parameters and does no multiply-accumulates: it only reorders "
                           "channels (profile counts 0 and 0).",
                      "c": "The 1x1 group convs still do all the combining inside each group, and the network "
                           "still trains (the chapter's experiment trains both variants)."},
        hint="profile(ChannelShuffle(8), ...) gives 0 params, 0 MACs; the Jacobian of two stacked group convs "
             "without the shuffle is block diagonal: output group i sees input group i only.",
        explain="Same params and MACs; within a stage, each group's channels only ever see their own group "
                "(the first ungrouped 1x1 and the FC layer still mix at the ends).",
    )


@exercise(6, 10, kind="choice", points=1, minutes=10,
          title="More groups at the same MACs",
          objective="derive guideline G2 from the memory access cost of a group convolution")
def check_06_10(answer):
    """A 1x1 group conv c -> c on a fixed map, B MACs held fixed while g grows from 1 to 8: the memory access cost?"""
    return check_choice(
        answer, "c", ["a", "b", "c"],
        concept="at fixed B = hw c^2 / g the width c grows with g, and the memory access cost "
                "2 hw c + B / hw grows with c: see 'ShuffleNet v2: the other \"MAC\"' (guideline G2).",
        option_hints={"a": "The memory access cost is not fixed by B: the maps, h w c values each, grow "
                           "with c, and c must grow as sqrt(g) to keep B.",
                      "b": "The weights are c^2 / g = B / hw values, fixed by B; the maps, h w c each, grow "
                           "with c = sqrt(g B / hw)."},
        hint="B = hw c^2 / g fixed gives c = sqrt(g B / hw); memory access cost = 2 hw c + B / hw, e.g. "
             "g = 8 needs c about 2.83 times wider than g = 1, so the maps part grows 2.83 times.",
        explain="2 hw sqrt(g B / hw) + B / hw: the weights are fixed by B, the maps grow as sqrt(g). G2: "
                "excessive group convolution increases memory access cost.",
    )
