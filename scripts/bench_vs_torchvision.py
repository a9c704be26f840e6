"""Our networks' CPU latency against torchvision's, architecture by architecture.

    python scripts/bench_vs_torchvision.py                    # every shared architecture, 224 px
    python scripts/bench_vs_torchvision.py --models mobilenet_v3_small --rounds 9

The course rebuilds torchvision's networks from its own blocks; a student who
times ours should not be measuring our overhead. For each architecture both
models get the same weights (torchvision's state_dict, loaded strictly) and
must agree on a random input; then they are timed in alternating rounds (ours,
torchvision's, torchvision's, ours, ...) so that a machine's drift hits both,
and the ratio is the median over rounds of ours / torchvision's median.

A benchmark, not a test: timings depend on the machine and its load. The test
suite only checks that it runs (tests/test_compat.py runs it on a small input).
"""

import argparse
import statistics
import sys

import torch
import torchvision

from lightnets_edu.bench import latency
from lightnets_edu.models import get_model

# architecture: (our builder and its arguments, torchvision's builder)
SHARED = {
    "mobilenet_v2": (("mobilenet_v2", {}), "mobilenet_v2"),
    "mobilenet_v3_large": (("mobilenet_v3_large", {}), "mobilenet_v3_large"),
    "mobilenet_v3_small": (("mobilenet_v3_small", {}), "mobilenet_v3_small"),
    "shufflenet_v2_x0_5": (("shufflenet_v2_x0_5", {}), "shufflenet_v2_x0_5"),
    "shufflenet_v2_x1_0": (("shufflenet_v2_x1_0", {}), "shufflenet_v2_x1_0"),
    "squeezenet1_0": (("squeezenet", {"version": "1_0"}), "squeezenet1_0"),
    "squeezenet1_1": (("squeezenet", {"version": "1_1"}), "squeezenet1_1"),
    "densenet121": (("densenet121", {}), "densenet121"),
}


def pair(architecture):
    """Our model and torchvision's, in eval mode, with the same weights."""
    (ours_name, ours_kwargs), theirs_name = SHARED[architecture]
    torch.manual_seed(0)
    theirs = getattr(torchvision.models, theirs_name)(weights=None).eval()
    ours = get_model(ours_name, **ours_kwargs).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours, theirs


def ratio(architecture, size, rounds, repeats, threads):
    ours, theirs = pair(architecture)
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)
    ratios, times = [], {"ours": [], "torchvision": []}
    for r in range(rounds):
        order = [("ours", ours), ("torchvision", theirs)][:: 1 if r % 2 == 0 else -1]
        for name, model in order:
            times[name].append(latency(model, x, warmup=2, repeats=repeats, threads=threads).median_ms)
        ratios.append(times["ours"][-1] / times["torchvision"][-1])
    return statistics.median(times["ours"]), statistics.median(times["torchvision"]), statistics.median(ratios)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(SHARED), help="comma-separated architectures (default: all)")
    parser.add_argument("--size", type=int, default=224, help="input height and width (default 224)")
    parser.add_argument("--rounds", type=int, default=21, help="alternating rounds (default 21)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per round and model (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in names if name not in SHARED]
    if unknown:
        parser.error(f"--models: unknown architecture(s) {', '.join(unknown)}; known: {', '.join(SHARED)}")
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}; {args.size} px, "
          f"{args.threads} thread(s), {args.rounds} rounds x {args.repeats} calls")
    print(f"{'architecture':<20} {'ours ms':>9} {'torchvision ms':>15} {'ours / tv':>10}")
    for name in names:
        ours_ms, theirs_ms, r = ratio(name, args.size, args.rounds, args.repeats, args.threads)
        print(f"{name:<20} {ours_ms:>9.3f} {theirs_ms:>15.3f} {r:>10.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
