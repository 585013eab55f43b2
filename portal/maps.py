"""The campaign page's map: the city's districts as an inline SVG, shaded by the associations equipped.

The shapes are vendored GeoJSON files (static/maps/<city>.geojson, see its README), projected here on the
server with a simple equirectangular projection fitted to their bounding box; the figures are the impact app's
public statistics (``impact_stats["postal_codes"]``), so the map costs no query.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.words import is_french

WIDTH = 600  # the SVG's user units; the page scales it to the screen
PAD = 8
# Light to dark: no association equipped, then four steps up to the area with the most.
FILLS = ("#e9ecef", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
DARK_FROM = 3  # levels whose fill needs white text


@dataclass(frozen=True)
class Shape:
    postal_code: str
    district: int
    rings: tuple[tuple[tuple[float, float], ...], ...]  # lon, lat


@lru_cache(maxsize=16)
def city_shapes(city_key: str) -> tuple[Shape, ...]:
    """The vendored shapes of a city (``slugify(city)``), or () when the project has none for it."""
    if not city_key:
        return ()
    path = finders.find(f"maps/{city_key}.geojson")
    if not path:
        return ()
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    shapes = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = tuple(tuple((float(x), float(y)) for x, y in ring) for polygon in polygons for ring in polygon)
        props = feature["properties"]
        shapes.append(Shape(postal_code=str(props["postal_code"]), district=int(props["district"]), rings=rings))
    return tuple(sorted(shapes, key=lambda s: s.postal_code))


def district_name(district: int) -> str:
    if is_french():
        return "1er arrondissement" if district == 1 else f"{district}e arrondissement"
    return _("Arrondissement %(n)s") % {"n": district}


def level(associations: int, most: int) -> int:
    """0 for an area with no association equipped, else 1 to 4, 4 for the area(s) with the most."""
    if associations <= 0 or most <= 0:
        return 0
    return max(1, min(4, math.ceil(4 * associations / most)))


@lru_cache(maxsize=16)
def _projected(city_key: str) -> tuple[float, tuple[tuple[str, str, float, float], ...]]:
    """(height, ((postal_code, path d, label x, label y), ...)): the shapes in SVG units (cached per process)."""
    shapes = city_shapes(city_key)
    points = [p for s in shapes for ring in s.rings for p in ring]
    lat0 = sum(lat for _lon, lat in points) / len(points)
    k = math.cos(math.radians(lat0))
    xs = [lon * k for lon, _lat in points]
    ys = [lat for _lon, lat in points]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    scale = (WIDTH - 2 * PAD) / ((max_x - min_x) or 1)
    height = (max_y - min_y) * scale + 2 * PAD

    def project(lon: float, lat: float) -> tuple[float, float]:
        return PAD + (lon * k - min_x) * scale, PAD + (max_y - lat) * scale

    out = []
    for shape in shapes:
        parts = []
        for ring in shape.rings:
            xy = [project(lon, lat) for lon, lat in ring]
            parts.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + " Z")
        outer = [project(lon, lat) for lon, lat in shape.rings[0][:-1]]
        label_x = sum(x for x, _y in outer) / len(outer)
        label_y = sum(y for _x, y in outer) / len(outer)
        out.append((shape.postal_code, " ".join(parts), round(label_x, 1), round(label_y, 1)))
    return round(height, 1), tuple(out)


def campaign_map(city: str, postal_codes: list[dict]) -> dict | None:
    """The map of ``city`` with the figures of the public statistics' ``postal_codes`` rows, or None when the
    project has no shapes for the city. ``areas`` are in postal-code order, one per shape, and hold the same
    figures as the table beside the map; ``elsewhere``: the rows of postal codes outside the map."""
    key = slugify(city or "")
    shapes = city_shapes(key)
    if not shapes:
        return None
    height, projected = _projected(key)
    by_code = {row["postal_code"]: row for row in postal_codes}
    most = max((by_code.get(s.postal_code, {}).get("associations_equipped", 0) for s in shapes), default=0)
    districts = {s.postal_code: s.district for s in shapes}
    areas = []
    for code, d, label_x, label_y in projected:
        row = by_code.get(code, {})
        associations = row.get("associations_equipped", 0)
        area_level = level(associations, most)
        areas.append(
            {
                "postal_code": code,
                "name": district_name(districts[code]),
                "district": districts[code],
                "associations_equipped": associations,
                "handed_over": row.get("handed_over", 0),
                "people_trained": row.get("people_trained", 0),
                "level": area_level,
                "fill": FILLS[area_level],
                "dark": area_level >= DARK_FROM,
                "d": d,
                "label_x": label_x,
                "label_y": label_y,
            }
        )
    elsewhere = [row for row in postal_codes if row["postal_code"] not in districts]
    legend = [{"level": i, "fill": fill} for i, fill in enumerate(FILLS)]
    return {"width": WIDTH, "height": height, "areas": areas, "elsewhere": elsewhere, "most": most, "legend": legend}
