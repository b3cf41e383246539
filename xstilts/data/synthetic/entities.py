"""Named entities: the fixed (per seed) entity inventory behind toy-mewsli, and name sampling."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from ._rng import make_rng
from .grammar import NP, PP, Clause
from .lexicon import (
    FIRST_NAMES,
    ORG_KINDS,
    ORG_PREFIXES,
    PLACE_KINDS,
    PLACE_NAMES,
    PLACE_PREFIXES,
    PROFESSIONS,
    SURNAMES,
)

N_PER, N_ORG, N_LOC = 70, 40, 40
PLACE_FEATURES = ("river", "forest", "lake", "mountain", "bridge", "station")


@dataclass(frozen=True)
class Entity:
    id: str
    etype: str  # "PER" | "ORG" | "LOC"
    name: str
    kind: str  # profession (PER), organisation kind (ORG), place kind (LOC); all noun ids
    loc: str = ""  # name of the LOC entity a PER/ORG is located in
    feature: str = ""  # a place noun a LOC lies near
    adj: str = ""  # optional descriptive adjective id

    def description(self) -> Clause:
        """ "Anna Berg is a kind teacher in Lumen ." / "Lumen is a small city near the river ." """
        adjs = ((self.adj, 0),) if self.adj else ()
        pred = NP("noun", self.kind, 0, adjs, det="indef")
        subj = NP("name", self.name, etype=self.etype, det="none")
        if self.etype == "LOC":
            pps = (PP("near", NP("noun", self.feature, 0, det="def")),)
        else:
            pps = (PP("in", NP("name", self.loc, etype="LOC", det="none")),)
        return Clause(subj, "_cop", obj=pred, pps=pps, tense="pres")

    def mention_forms(self) -> tuple[str, ...]:
        """Ways a text may refer to the entity (full name first)."""
        parts = self.name.split(" ")
        if self.etype == "PER":
            return (self.name, parts[1], parts[0])
        if self.etype == "ORG":
            return (self.name, parts[0])
        return (self.name,)


@lru_cache(maxsize=16)
def build_entities(seed: int) -> tuple[Entity, ...]:
    rng = make_rng(seed, "entities")
    people = [f"{f} {s}" for f in FIRST_NAMES for s in SURNAMES]
    rng.shuffle(people)
    orgs = [
        (f"{p} {s}", kind) for p in ORG_PREFIXES for kind, sfx in ORG_KINDS.items() for s in sfx
    ]
    rng.shuffle(orgs)
    places = list(PLACE_NAMES)
    rng.shuffle(places)
    loc_names = places[:28]
    prefixed = [f"{p} {b}" for p in PLACE_PREFIXES for b in PLACE_NAMES]
    rng.shuffle(prefixed)
    loc_names += prefixed[:12]
    rng.shuffle(loc_names)
    ents: list[Entity] = []
    adjs_loc = ("big", "small", "old", "new", "beautiful", "dark", "cold", "warm")
    adjs_per = ("young", "old", "kind", "happy", "quick", "")
    for i, name in enumerate(loc_names[:N_LOC]):
        kind = PLACE_KINDS[rng.randrange(len(PLACE_KINDS))]
        feat = PLACE_FEATURES[rng.randrange(len(PLACE_FEATURES))]
        adj = adjs_loc[rng.randrange(len(adjs_loc))] if rng.random() < 0.5 else ""
        ents.append(Entity(f"L{i:03d}", "LOC", name, kind, feature=feat, adj=adj))
    loc_pool = [e.name for e in ents]
    for i, name in enumerate(people[:N_PER]):
        prof = PROFESSIONS[rng.randrange(len(PROFESSIONS))]
        adj = adjs_per[rng.randrange(len(adjs_per))] if rng.random() < 0.5 else ""
        loc = loc_pool[rng.randrange(len(loc_pool))]
        ents.append(Entity(f"P{i:03d}", "PER", name, prof, loc=loc, adj=adj))
    for i, (name, kind) in enumerate(orgs[:N_ORG]):
        adj = ("big", "small", "new", "old", "")[rng.randrange(5)] if rng.random() < 0.5 else ""
        loc = loc_pool[rng.randrange(len(loc_pool))]
        ents.append(Entity(f"O{i:03d}", "ORG", name, kind, loc=loc, adj=adj))
    return tuple(ents)


class NameInventory:
    """Samples names: mostly inventory entities (and their short forms), some unseen ones."""

    def __init__(self, seed: int) -> None:
        ents = build_entities(seed)
        self.entities = ents
        self.by_type = {t: [e for e in ents if e.etype == t] for t in ("PER", "ORG", "LOC")}

    def sample(self, rng: random.Random, etype: str) -> str:
        if rng.random() < 0.6:
            ents = self.by_type[etype]
            ent = ents[rng.randrange(len(ents))]
            forms = ent.mention_forms()
            if etype == "PER":
                r = rng.random()
                return forms[0] if r < 0.6 else forms[1] if r < 0.8 else forms[2]
            if etype == "ORG" and rng.random() < 0.2:
                return forms[1]
            return forms[0]
        if etype == "PER":
            first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
            last = SURNAMES[rng.randrange(len(SURNAMES))]
            r = rng.random()
            return f"{first} {last}" if r < 0.6 else first if r < 0.8 else last
        if etype == "ORG":
            kind = list(ORG_KINDS)[rng.randrange(len(ORG_KINDS))]
            sfx = ORG_KINDS[kind][rng.randrange(len(ORG_KINDS[kind]))]
            return f"{ORG_PREFIXES[rng.randrange(len(ORG_PREFIXES))]} {sfx}"
        base = PLACE_NAMES[rng.randrange(len(PLACE_NAMES))]
        if rng.random() < 0.3:
            return f"{PLACE_PREFIXES[rng.randrange(len(PLACE_PREFIXES))]} {base}"
        return base


@lru_cache(maxsize=16)
def name_inventory(seed: int) -> NameInventory:
    return NameInventory(seed)
