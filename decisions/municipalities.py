"""Danish municipalities and regions the archive knows by name: their official codes
(kommunekode and regionskode, as Danmarks Statistik and the CPR register number them)."""

from __future__ import annotations

OFFICIAL_CODES = {
    "Albertslund Kommune": 165,
    "Ballerup Kommune": 151,
    "Brøndby Kommune": 153,
    "Gentofte Kommune": 157,
    "Gladsaxe Kommune": 159,
    "Hvidovre Kommune": 167,
    "Københavns Kommune": 101,
    "Frederiksberg Kommune": 147,
    "Aarhus Kommune": 751,
    "Aalborg Kommune": 851,
    "Esbjerg Kommune": 561,
    "Randers Kommune": 730,
    "Vejle Kommune": 630,
    "Odense Kommune": 461,
    "Syddjurs Kommune": 706,
    "Norddjurs Kommune": 707,
    "Region Hovedstaden": 1084,
    "Region Sjælland": 1085,
    "Region Syddanmark": 1083,
    "Region Midtjylland": 1082,
    "Region Nordjylland": 1081,
}
