"""Pure privacy functions of the location feature: name normalisation, keyed name hashes, and
the coarse grid that coordinates are snapped to before they touch the database.

Nothing here touches the database or logs anything. docs/location-privacy.md explains the
choices (normalisation rules, the keyed hash, the grid and its cell size).
"""

import hashlib
import hmac
import math
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings

# --- Names ------------------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """``"  Saint-Étienne "`` → ``"saint etienne"``.

    NFKD, combining marks (accents) removed, casefolded, every character that is not a letter or
    a digit (punctuation, symbols, dashes, apostrophes) becomes a space, whitespace collapsed and
    trimmed. Abbreviations are not expanded ("St" and "Saint" differ).
    """
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKD", without_marks.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    spaced = "".join(c if c.isalnum() else " " for c in folded)
    return " ".join(spaced.split())


def _keyed_hash(message: str) -> str:
    key = settings.LOCATION_HASH_KEY.encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def city_hash(city: str) -> str:
    """HMAC-SHA256 (key ``settings.LOCATION_HASH_KEY``) of the normalised city name."""
    return _keyed_hash(f"city\x00{normalize_name(city)}")


def neighborhood_hash(city: str, neighborhood: str) -> str:
    """Keyed by the city too, so "Centre" in two cities gives two different hashes."""
    return _keyed_hash(f"neighborhood\x00{normalize_name(city)}\x00{normalize_name(neighborhood)}")


# --- Grid -------------------------------------------------------------------------------------
# Rows are bands of LAT_STEP degrees (≈ 1.11 km). Each band is cut into an integer number of
# equal columns, as many as fit while every column stays at least LAT_STEP degrees *of great
# circle* wide at the band's poleward edge (where it is narrowest): so every cell is at least
# ≈ 1.11 km × 1.11 km at every latitude, and the columns tile the band with no seam remnant.

LAT_STEP = Decimal("0.01")
ROWS = int(Decimal(180) / LAT_STEP)  # 18000
_QUANT = Decimal("0.00000001")  # the columns' 8 decimal places


def _q(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(_QUANT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Cell:
    row: int
    col: int

    @property
    def columns(self) -> int:
        return columns_in_row(self.row)

    @property
    def lat_center(self) -> Decimal:
        return row_center(self.row)

    @property
    def lon_step(self) -> float:
        return 360.0 / self.columns

    @property
    def lon_center(self) -> Decimal:
        return _q(-180.0 + (self.col + 0.5) * self.lon_step)


def row_bounds(row: int) -> tuple[Decimal, Decimal]:
    lower = Decimal(-90) + row * LAT_STEP
    return lower, lower + LAT_STEP


def row_center(row: int) -> Decimal:
    lower, _ = row_bounds(row)
    return _q(lower + LAT_STEP / 2)


def columns_in_row(row: int) -> int:
    lower, upper = row_bounds(row)
    poleward_edge = max(abs(lower), abs(upper))
    width = 360.0 * math.cos(math.radians(float(poleward_edge)))
    return max(1, math.floor(width / float(LAT_STEP) + 1e-9))


def cell_of(latitude: float, longitude: float) -> Cell:
    row = min(ROWS - 1, max(0, math.floor((latitude + 90.0) / float(LAT_STEP))))
    columns = columns_in_row(row)
    col = math.floor((longitude + 180.0) / (360.0 / columns)) % columns
    return Cell(row=row, col=col)


def snap(latitude: float, longitude: float) -> tuple[Decimal, Decimal]:
    """The centre of the cell holding the point, as the 8-decimal values the database keeps."""
    cell = cell_of(latitude, longitude)
    return cell.lat_center, cell.lon_center
