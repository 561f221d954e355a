"""The benchmark's printed table: one row per part, group medians, then the targets."""

from __future__ import annotations

import statistics

from .stages import PartTiming
from .targets import TargetResult
from .worker_growth import GrowthResult

_COLUMNS = (
    ("part", "<", 22),
    ("group", "<", 9),
    ("faces", ">", 6),
    ("tris", ">", 7),
    ("n", ">", 2),
    ("read", ">", 8),
    ("graph", ">", 7),
    ("occt", ">", 6),
    ("mesh", ">", 8),
    ("recog", ">", 8),
    ("vol", ">", 6),
    ("manuf", ">", 7),
    ("total", ">", 8),
    ("feat", ">", 6),
    ("infer", ">", 6),
    ("wall", ">", 8),
    ("g/(r+m)", ">", 7),
    ("rec/(r+m)", ">", 9),
    ("man/(r+m)", ">", 9),
    ("tot/(r+m)", ">", 9),
)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _row(values: tuple, columns: tuple = _COLUMNS) -> str:
    cells = (
        f"{value:{align}{width}}" for value, (_, align, width) in zip(values, columns, strict=True)
    )
    return "  ".join(cells)


def _timing_row(timing: PartTiming) -> str:
    return _row(
        (
            timing.name[:22],
            timing.group,
            str(timing.faces),
            str(timing.triangles),
            str(timing.repeats),
            f"{timing.read_ms:.1f}",
            f"{timing.graph_ms:.1f}",
            f"{timing.graph_occt_ms:.1f}",
            f"{timing.mesh_ms:.1f}",
            f"{timing.recognize_ms:.1f}",
            f"{timing.volume_ms:.1f}",
            f"{timing.manufacturing_ms:.1f}",
            f"{timing.total_ms:.1f}",
            _ms(timing.features_ms),
            _ms(timing.inference_ms),
            f"{timing.wall_ms:.1f}",
            f"{timing.graph_ratio:.2f}",
            f"{timing.recognize_ratio:.2f}",
            f"{timing.manufacturing_ratio:.2f}",
            f"{timing.total_ratio:.2f}",
        )
    )


def _median_row(group: str, timings: list[PartTiming]) -> str:
    def median(attribute: str) -> float:
        return statistics.median(getattr(timing, attribute) for timing in timings)

    def median_or_none(attribute: str) -> float | None:
        values = [
            getattr(timing, attribute)
            for timing in timings
            if getattr(timing, attribute) is not None
        ]
        return statistics.median(values) if values else None

    return _row(
        (
            f"median of {len(timings)}",
            group,
            f"{median('faces'):.0f}",
            f"{median('triangles'):.0f}",
            "",
            f"{median('read_ms'):.1f}",
            f"{median('graph_ms'):.1f}",
            f"{median('graph_occt_ms'):.1f}",
            f"{median('mesh_ms'):.1f}",
            f"{median('recognize_ms'):.1f}",
            f"{median('volume_ms'):.1f}",
            f"{median('manufacturing_ms'):.1f}",
            f"{median('total_ms'):.1f}",
            _ms(median_or_none("features_ms")),
            _ms(median_or_none("inference_ms")),
            f"{median('wall_ms'):.1f}",
            f"{median('graph_ratio'):.2f}",
            f"{median('recognize_ratio'):.2f}",
            f"{median('manufacturing_ratio'):.2f}",
            f"{median('total_ratio'):.2f}",
        )
    )


_ANSWER_COLUMNS = (
    ("part", "<", 22),
    ("group", "<", 9),
    ("faces", ">", 6),
    ("tris", ">", 7),
    ("server", ">", 8),
    ("floor", ">", 8),
    ("srv/flr", ">", 7),
    ("g/read", ">", 6),
    ("worker", ">", 8),
    ("pickle", ">", 7),
    ("json", ">", 7),
    ("br", ">", 6),
    ("KiB", ">", 7),
    ("br KiB", ">", 7),
    ("bin KiB", ">", 7),
)


def _answer_lines(timings: list[PartTiming]) -> list[str]:
    """The server's side of a whole answer (answer_cost.py) per part: where its
    time goes, and its size."""
    measured = [timing for timing in timings if timing.answer is not None]
    if not measured:
        return []
    header = _row(tuple(name for name, _, _ in _ANSWER_COLUMNS), _ANSWER_COLUMNS)
    lines = [
        "server side of a whole answer, warm medians, CPU ms: server = worker (analyze_file) "
        "+ pickle (round trip) + json (public answer and its JSON) + br (brotli, as the edge "
        "function gets it); floor = read+mesh; g/read = graph/read; "
        "bin KiB: the same answer with ?mesh=binary",
        header,
        "-" * len(header),
    ]
    for timing in measured:
        answer = timing.answer
        lines.append(
            _row(
                (
                    timing.name[:22],
                    timing.group,
                    str(timing.faces),
                    str(timing.triangles),
                    f"{answer.server_ms:.1f}",
                    f"{timing.base_ms:.1f}",
                    f"{timing.server_ratio:.2f}",
                    f"{timing.graph_read_ratio:.2f}",
                    f"{answer.worker_ms:.1f}",
                    f"{answer.pickle_ms:.1f}",
                    f"{answer.serialise_ms:.1f}",
                    f"{answer.compress_ms:.1f}",
                    f"{answer.answer_bytes / 1024:.0f}",
                    f"{answer.compressed_bytes / 1024:.0f}",
                    f"{answer.binary_bytes / 1024:.0f}",
                ),
                _ANSWER_COLUMNS,
            )
        )
    lines.append("")
    return lines


def format_report(
    timings: list[PartTiming],
    errors: dict[str, str],
    peak_rss_mb: float,
    growth: GrowthResult | None,
    targets: list[TargetResult],
) -> str:
    """The whole printed report; times are warm medians in milliseconds."""
    header = _row(tuple(name for name, _, _ in _COLUMNS))
    lines = [
        "warm medians, ms of CPU time per stage; total = read+graph+mesh+recog "
        "(an answer from the rules); occt = of graph, OCCT integrating the faces arrays do not "
        "measure; vol = of recog, the part's volume (OCCT on free-form faces and tori); "
        "feat, infer = tier 1's input features and ONNX inference; "
        "wall = wall-clock ms of a whole run",
        header,
        "-" * len(header),
    ]
    groups: dict[str, list[PartTiming]] = {}
    for timing in timings:
        groups.setdefault(timing.group, []).append(timing)
    for group, members in groups.items():
        lines.extend(_timing_row(timing) for timing in members)
        lines.append(_median_row(group, members))
        lines.append("")
    lines.extend(_answer_lines(timings))
    lines.extend(f"ERROR {name}: {message}" for name, message in errors.items())
    lines.append(f"peak RSS of the benchmark process: {peak_rss_mb:.0f} MB")
    if growth is not None:
        trend = " ".join(f"{rss:.0f}" for rss in growth.trend_mb)
        lines.append(
            f"worker RSS over {growth.parts} parts ({growth.distinct_parts} distinct): "
            f"warm {growth.warm_rss_mb:.0f} MB, end {growth.final_rss_mb:.0f} MB "
            f"({growth.growth:+.1%}), peak {growth.peak_rss_mb:.0f} MB; trend MB: {trend}"
        )
    lines.append("")
    width = max(len(result.target) for result in targets)
    lines.extend(
        f"{result.status:4}  {result.target:{width}}  {result.measured:>12}  {result.detail}"
        for result in targets
    )
    return "\n".join(lines)
