"""csat.viz.structural: the IPMA map keeps its quadrant names inside the frame and every construct's label
inside the frame, off the dots and off the other labels (issue 30)."""
from __future__ import annotations

import pandas as pd
import pytest

from csat.viz import plots as P
from csat.viz.structural import ipma_chart


@pytest.fixture(scope="module", autouse=True)
def style():
    P.use_style()          # `make` installs the CJK font (sysdeps); without it this fails, it does not skip


def test_ipma_labels_inside_the_frame_and_off_the_dots():
    import matplotlib.pyplot as plt

    t = pd.DataFrame({"label": ["Image", "Expectations", "Perceived quality", "Perceived value", "Complaints",
                                "A long construct name at the right edge"],
                      "importance": [0.52, 0.55, 0.58, 0.20, 0.53, 0.71],
                      "performance": [68.5, 70.1, 69.0, 60.0, 55.0, 71.0]})
    fig = ipma_chart(t, "Satisfaction")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    frame = ax.get_window_extent(r)
    texts = [x for x in ax.texts if x.get_text()]
    assert len(texts) == 4 + len(t)                       # four quadrant names and one label per construct
    boxes = [x.get_window_extent(r) for x in texts]
    for b in boxes:
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert min(a.x1, b.x1) - max(a.x0, b.x0) <= 0.5 or min(a.y1, b.y1) - max(a.y0, b.y0) <= 0.5
    rad = 4 * fig.dpi / 72
    for x, y in ax.transData.transform(t[["importance", "performance"]].to_numpy(float)):
        for a in boxes:
            assert not (a.x0 < x + rad and x - rad < a.x1 and a.y0 < y + rad and y - rad < a.y1)
    assert min(x.get_fontsize() for x in texts) >= 7 and fig.get_size_inches()[0] <= P.PRINT_WIDTH
    plt.close(fig)
