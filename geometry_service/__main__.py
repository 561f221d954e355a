"""Command line: ``python -m geometry_service analyze PART.step [--out result.json]``.

Runs the same pipeline as the service, in this process (no worker pool, no
cache, no breakers), prints a short summary and writes the full JSON answer
(the service's, less the request's own fields).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from .config import Settings
from .errors import ServiceError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geometry_service")
    commands = parser.add_subparsers(dest="command", required=True)
    analyze = commands.add_parser("analyze", help="analyze one STEP or IGES file")
    analyze.add_argument("path", type=Path)
    analyze.add_argument("--out", type=Path, help="write the full JSON answer here")
    analyze.add_argument("--no-mesh", action="store_true", help="leave the mesh out of the JSON")
    args = parser.parse_args(argv)

    from . import answer_json
    from .analysis_request import AnalysisRequest, blocked_tiers
    from .composition import mesh_settings, shop_limits
    from .geometry.cad_reader import silence_occt
    from .local_answer import local_answer

    silence_occt()
    settings = Settings.from_env()
    request = AnalysisRequest(
        mesh=mesh_settings(settings),
        model_path=settings.model_path,
        model_min_face_probability=settings.model_min_face_probability,
        model_min_part_agreement=settings.model_min_part_agreement,
        blocked_tiers=blocked_tiers(settings.model_path, inference_admitted=True),
        include_mesh=not args.no_mesh,
        shop_limits=shop_limits(settings),
    )
    try:
        result = local_answer(args.path, request)
    except ServiceError as exc:
        print(f"error [{exc.error_type.value}/{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    print(summary(args.path, result))
    if args.out:
        args.out.write_bytes(answer_json.dumps(result))
        print(f"wrote {args.out}")
    return 0


def summary(path: Path, result: dict) -> str:
    meta, timings = result["metadata"], result["timings"]
    mesh = result["mesh_data"] or {}
    kinds = Counter(feature["type"] for feature in result["features"])
    lines = [
        f"{path.name}: {meta.get('face_count')} faces, {meta.get('edge_count')} edges, "
        f"{meta.get('solid_count')} solid(s), part type {meta.get('part_type')}",
        f"mesh: {mesh.get('triangle_count', 0)} triangles, {mesh.get('vertex_count', 0)} vertices",
        "timings: "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in timings.items() if isinstance(v, (int, float))),
        f"answered by {result['processing_tier']} (confidence {result['confidence']:.2f})",
        f"quote: {', '.join(result['recommended_processes'])}, "
        f"complexity {result['complexity_score']}",
    ]
    lines += [f"  skipped {d['tier']}: {d['reason']}" for d in result["degradation"]]
    lines.append(
        f"features: {len(result['features'])}"
        + (" (" + ", ".join(f"{n} {k}" for k, n in kinds.most_common()) + ")" if kinds else "")
    )
    lines += [f"warning: {w}" for w in result["warnings"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
