"""Labels on a scatter plot that cover no other label, point or line.

Matplotlib draws a label where it is told to; with ten networks a few
milliseconds apart, names land on each other. :func:`place_labels` tries
positions around each point (16 directions at growing distances), scores
each by what it would cover, and lets every label choose again once the
others have chosen. :func:`line_segments` lists the lines already drawn, so
the labels avoid them too. Chapters 8 and 9's figures use both.
"""

import math

__all__ = []

# Label positions to try around a point: 16 directions at growing distances (points); a label
# farther than _LEADER_AT from its point gets a thin leader line.
_ANGLES = tuple(k * math.pi / 8 for k in range(16))
_DISTANCES = (4, 10, 17, 26, 38, 52)
_LEADER_AT = 10
_RESTARTS = 6


def _overlaps(boxes, others):
    """Area each of ``boxes`` (K, 4) shares with each of ``others`` (M, 4): a (K, M) array."""
    import numpy as np

    w = np.minimum(boxes[:, None, 2], others[None, :, 2]) - np.maximum(boxes[:, None, 0], others[None, :, 0])
    h = np.minimum(boxes[:, None, 3], others[None, :, 3]) - np.maximum(boxes[:, None, 1], others[None, :, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def place_labels(fig, ax, points, texts, weights, segments=(), obstacles=()):
    """Annotate each point with its text where it covers no other label, point or line, inside the axes.

    Each label tries positions around its point and takes the one with the
    least overlap (with the other labels, the points, the lines, the axes'
    edge), nearer positions preferred. The most crowded points choose first;
    then every label chooses again knowing where the others went, a few
    times. ``segments`` (lines in data coordinates) and ``obstacles`` (boxes
    in pixels) are avoided too. Positions are computed on the settled layout.
    """
    import numpy as np

    if len(points) == 0:
        return []
    fig.draw_without_rendering()  # settle the constrained layout: pixel positions are final from here
    scale = fig.dpi / 72
    xy = ax.transData.transform(points)
    box = ax.get_window_extent()
    frame = np.array([[box.x0 + 2, box.y0 + 2, box.x1 - 2, box.y1 - 2]])
    radius = 4.5 * scale
    markers = np.column_stack([xy - radius, xy + radius])
    samples = [np.zeros((0, 2))]  # points along the lines, every few pixels
    for a, b in segments:
        a, b = ax.transData.transform([a, b])
        n = max(2, int(np.hypot(*(b - a)) / (3 * scale)))
        samples.append(a + (b - a) * np.linspace(0, 1, n + 1)[:, None])
    samples = np.concatenate(samples)
    fixed = np.array(list(obstacles), dtype=float).reshape(-1, 4)

    offsets, aligns, distance, reach = [], [], [], []  # in points, the same for every label
    for d in _DISTANCES:
        for angle in _ANGLES:
            c, s = math.cos(angle), math.sin(angle)
            offsets.append((d * c, d * s))
            aligns.append(("left" if c > 0.3 else "right" if c < -0.3 else "center",
                           "bottom" if s > 0.3 else "top" if s < -0.3 else "center"))
            distance.append(d + 0.5 * (s < -0.3))  # beside or above reads a little better than below
            reach.append(d)
    offsets, distance, reach = np.array(offsets), np.array(distance), np.array(reach)
    left = np.array([{"left": 0.0, "right": -1.0, "center": -0.5}[ha] for ha, _ in aligns])
    low = np.array([{"bottom": 0.0, "top": -1.0, "center": -0.5}[va] for _, va in aligns])

    sizes = []
    for text, weight in zip(texts, weights):
        probe = ax.annotate(text, (0.5, 0.5), xycoords="axes fraction", fontsize="small", fontweight=weight)
        extent = probe.get_window_extent()
        probe.remove()
        sizes.append((extent.width, extent.height))

    def candidates(i):
        w, h = sizes[i]
        x0 = xy[i, 0] + offsets[:, 0] * scale + left * w
        y0 = xy[i, 1] + offsets[:, 1] * scale + low * h
        return np.column_stack([x0, y0, x0 + w, y0 + h])

    def hits(dots, boxes):
        """How many of ``dots`` (..., 2) fall in any of ``boxes`` (M, 4), per leading index."""
        inside = ((dots[..., None, 0] >= boxes[:, 0]) & (dots[..., None, 0] <= boxes[:, 2])
                  & (dots[..., None, 1] >= boxes[:, 1]) & (dots[..., None, 1] <= boxes[:, 3]))
        return inside.reshape(len(dots), -1).sum(axis=1)

    def covered(boxes):
        """How many line samples each of ``boxes`` (K, 4) covers."""
        return ((samples[None, :, 0] >= boxes[:, None, 0]) & (samples[None, :, 0] <= boxes[:, None, 2])
                & (samples[None, :, 1] >= boxes[:, None, 1]) & (samples[None, :, 1] <= boxes[:, None, 3])).sum(1)

    leads = reach > _LEADER_AT
    along = np.linspace(0.2, 1.0, 9)[None, :, None]

    def gap(boxes, dots):
        """Distance from each of ``boxes`` (K, 4) to each of ``dots`` (N, 2): a (K, N) array."""
        dx = np.maximum(np.maximum(boxes[:, None, 0] - dots[None, :, 0], dots[None, :, 0] - boxes[:, None, 2]), 0)
        dy = np.maximum(np.maximum(boxes[:, None, 1] - dots[None, :, 1], dots[None, :, 1] - boxes[:, None, 3]), 0)
        return np.hypot(dx, dy)

    def crossings(starts, ends, lines):
        """How many of ``lines`` (M, 2, 2) each segment starts[k] -> ends[k] crosses."""
        if len(lines) == 0:
            return np.zeros(len(starts))

        def side(a, b, c):  # sign of the turn a -> b -> c
            return np.sign((b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1])
                           - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0]))

        p, q = starts[:, None, :], ends[:, None, :]
        r, t = lines[None, :, 0, :], lines[None, :, 1, :]
        return ((side(p, q, r) * side(p, q, t) < 0) & (side(r, t, p) * side(r, t, q) < 0)).sum(axis=1)

    def choose(i, others, drawn):
        cand = candidates(i)
        area = (cand[:, 2] - cand[:, 0]) * (cand[:, 3] - cand[:, 1])
        blocks = np.concatenate([others, np.delete(markers, i, axis=0)])
        ends = xy[i] + offsets * scale
        leader = xy[i] + (ends - xy[i])[:, None, :] * along  # (K, 9, 2): the leader line, when drawn
        # a label nearer to another point than to its own reads as that point's label
        own, nearest = gap(cand, xy[i:i + 1])[:, 0], gap(cand, np.delete(xy, i, axis=0)).min(axis=1, initial=1e9)
        cost = (100 * (area - _overlaps(cand, frame)[:, 0])  # outside the axes
                + 20 * _overlaps(cand, blocks).sum(axis=1)
                + 30 * covered(cand)
                + 60 * np.clip(own + 4 * scale - nearest, 0, None)
                + leads * (200 * hits(leader, blocks) + 300 * crossings(np.broadcast_to(xy[i], ends.shape), ends,
                                                                         drawn))
                + 3 * distance + 3 * leads * distance)
        k = int(np.argmin(cost))
        return k, float(cost[k])

    def others_of(i, chosen):
        boxes = np.array([candidates(j)[k] for j, k in chosen.items() if j != i] + list(fixed)).reshape(-1, 4)
        drawn = np.array([(xy[j], xy[j] + offsets[k] * scale) for j, k in chosen.items()
                          if j != i and leads[k]]).reshape(-1, 2, 2)
        return boxes, drawn

    def settle(order):
        """Greedily in ``order``, then each label again with all the others in place, until none moves."""
        chosen = {}
        for sweep in range(6):
            moved = False
            for i in order:
                k, _ = choose(i, *others_of(i, chosen))
                moved |= chosen.get(i) != k
                chosen[i] = k
            if not moved:
                break
        return chosen, sum(choose(i, *others_of(i, chosen))[1] for i in order)

    # Settling depends on who chooses first: try the most crowded first, then a few shuffled orders
    # (seeded, so the figure is the same on every run), and keep the least total cost.
    crowd = (np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) < 60 * scale).sum(axis=1)
    orders = [sorted(range(len(points)), key=lambda i: (-crowd[i], xy[i, 0]))]
    shuffle = np.random.default_rng(0)
    orders += [list(shuffle.permutation(len(points))) for _ in range(_RESTARTS)]
    chosen, _ = min((settle(order) for order in orders), key=lambda result: result[1])
    labels = []
    for i, text in enumerate(texts):
        k = chosen[i]
        leader = (dict(arrowstyle="-", color="0.55", linewidth=0.6, shrinkA=1, shrinkB=3)
                  if leads[k] else None)
        label = ax.annotate(text, points[i], xytext=tuple(offsets[k]), textcoords="offset points",
                            fontsize="small", fontweight=weights[i], ha=aligns[k][0], va=aligns[k][1], gid="label",
                            arrowprops=leader)
        label.set_in_layout(False)
        labels.append(label)
    return labels


def line_segments(ax):
    """The lines drawn in the axes (budgets, fronts, fp32-int8 pairs), as segments, for the labels to avoid."""
    segments = []
    for line in ax.get_lines():
        xs, ys = line.get_xdata(), line.get_ydata()
        if line.get_transform() != ax.transData:  # axvline: x in data, y across the axes
            low, high = ax.get_ylim()
            segments.append(((xs[0], low), (xs[0], high)))
            continue
        if line.get_drawstyle().startswith("steps"):
            xs, ys = [v for v in xs for _ in (0, 1)][1:], [v for v in ys for _ in (0, 1)][:-1]
        segments += [((xs[k], ys[k]), (xs[k + 1], ys[k + 1])) for k in range(len(xs) - 1)]
    return segments
