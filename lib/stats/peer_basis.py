"""What a CSP's similar-areas comparison rests on: how many peers, from which police forces, and whether that is
enough to rank it.

A most similar group can only be drawn from the CSPs whose police data is loaded. A store of one force's file
gives every CSP the rest of its own force as "similar areas", ranked against each other: a rank that compares the
force with itself. So a rank is given only when the CSP has a full group (``MIN_PEERS``) drawn from more than one
force (CSPs of one force share its crime recording practice). Otherwise the page says why in plain words and what
to load, and shows the rates as context without a rank. ``lib.stats.similar_areas`` forms the groups.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlite_utils

from lib.core.sql import placeholders

GROUP_SIZE = 15  # iQuanta MSGs have ~15 members; smaller when fewer candidates are held
# Fewer peers than a full group means the "group" is simply every CSP loaded, not those most like the CSP.
MIN_PEERS = GROUP_SIZE

# Why a CSP is not ranked (``PeerBasis.reasons``).
TOO_FEW = "too few"
ONE_FORCE = "one force"
FORCE_UNKNOWN = "force unknown"
NO_GROUP = "no group"


@dataclass(frozen=True)
class PeerBasis:
    """Who a CSP is compared with: its peers (nearest first) and their force areas, out of the CSPs loaded."""

    csp_code: str
    csp_name: str
    peer_codes: tuple[str, ...]  # its most similar group, or every other comparable CSP when no group is formed
    peer_forces: tuple[str, ...]  # each peer's police force area by name, "" where not known
    loaded: int  # comparable CSPs loaded (police data for the whole period and a population), the CSP included
    grouped: bool = True  # False when the CSPs loaded differ on no feature, so no group can be formed

    @property
    def peers(self) -> int:
        return len(self.peer_codes)

    @property
    def known_forces(self) -> Counter:
        """Peers per known force area."""
        return Counter(force for force in self.peer_forces if force)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why no rank is given (empty when the CSP is ranked)."""
        reasons = []
        if self.peers < MIN_PEERS:
            reasons.append(TOO_FEW)
        unknown = self.peers - sum(self.known_forces.values())
        if len(self.known_forces) < 2:
            reasons.append(FORCE_UNKNOWN if unknown else ONE_FORCE)
        if not self.grouped:
            reasons.append(NO_GROUP)
        return tuple(reasons)

    @property
    def ranks(self) -> bool:
        return not self.reasons


def force_areas(db: sqlite_utils.Database, codes: list[str]) -> dict[str, str]:
    """The police force area (by name) above each CSP, through its chain of parents; "" where none is held."""
    if not codes:
        return {}
    # UNION (not UNION ALL) stops at a repeated row, so a loop in the parents cannot run for ever.
    rows = db.execute(
        "WITH RECURSIVE up(csp, code) AS ("
        f"SELECT code, parent_code FROM areas WHERE code IN ({placeholders(codes)}) "
        "UNION SELECT up.csp, a.parent_code FROM up JOIN areas a ON a.code = up.code "
        "WHERE a.parent_code IS NOT NULL) "
        "SELECT up.csp, MIN(f.name) FROM up JOIN areas f ON f.code = up.code AND f.kind = 'force' GROUP BY up.csp",
        list(codes),
    ).fetchall()
    found = dict(rows)
    return {code: found.get(code) or "" for code in codes}


# --- Words ---------------------------------------------------------------------------------------------------


def basis_sentence(basis: PeerBasis, plain: bool = False) -> str:
    """How many peers the CSP is compared with and where they come from, in one sentence.

    '12 peers, all from the Sussex force area: the only CSPs loaded.' With ``plain``, for a public screen.
    """
    csps = "partnership areas" if plain else "CSPs"
    if not basis.peers:
        return (f"{basis.csp_name} is the only one of the {csps} loaded with police data for every month of the "
                "period and a population, so there is nothing to compare it with.")
    count = _counted(basis.peers, "other partnership area" if plain else "peer")
    others = basis.loaded - 1
    of_others = f"{others}" if plain else f"{others} other CSPs"
    source = (f"the only {'ones' if plain else csps} loaded" if basis.peers == others
              else f"the {basis.peers} most like {basis.csp_name} of the {of_others} loaded")
    where = _where(basis, plain)
    if ":" in where:  # a list of force areas ends the sentence, so that it reads without a second colon
        return f"Compared with {count}, {source}, {where}."
    return f"Compared with {count}, {where}: {source}."


def refusal(basis: PeerBasis, plain: bool = False) -> str | None:
    """Why the CSP is not ranked, and what to load so that it can be; None when it is ranked."""
    if basis.ranks:
        return None
    if plain:
        return _plain_refusal(basis)
    name, reasons = basis.csp_name, basis.reasons
    said = []
    if TOO_FEW in reasons:
        said.append(f"A most similar group is the {GROUP_SIZE} CSPs most like {name}, but only "
                    f"{_counted(basis.peers, 'other CSP')} {'has' if basis.peers == 1 else 'have'} police data for "
                    "the whole period here, so its group would simply be every CSP loaded.")
    if ONE_FORCE in reasons and basis.peers:
        force = next(iter(basis.known_forces))
        said.append(f"{'It is' if basis.peers == 1 else 'They are all'} in {force_area_of(force)}, and CSPs of one "
                    "force share its crime recording practice: a rank among them would say as much about how "
                    f"{force} records crime as about how {name} compares with places like it.")
    if FORCE_UNKNOWN in reasons:
        unknown = basis.peers - sum(basis.known_forces.values())
        said.append(f"The police force area of {unknown} of its peers is not loaded, so they cannot be shown to "
                    "come from more than one force.")
    if NO_GROUP in reasons:
        said.append("The CSPs loaded do not differ on any feature, so no group can be formed.")
    return f"Not ranked. {' '.join(said)} {_remedy(basis)}"


def _plain_refusal(basis: PeerBasis) -> str:
    name = basis.csp_name
    needs = (f"No rank is given. A fair comparison needs at least {MIN_PEERS} areas like {name}, from more than one "
             "police force, because each force records crime in its own way.")
    if not basis.peers:
        return f"{needs} Here there are none. {_remedy(basis, plain=True)}"
    here = f"Here there {'is' if basis.peers == 1 else 'are'} {'only ' if basis.peers < MIN_PEERS else ''}"
    return f"{needs} {here}{basis.peers}, {_where(basis, plain=True)}. {_remedy(basis, plain=True)}"


def _remedy(basis: PeerBasis, plain: bool = False) -> str:
    """What to load: other forces' police.uk files, or the lookup that places CSPs in force areas."""
    if FORCE_UNKNOWN in basis.reasons and TOO_FEW not in basis.reasons:
        return ("Loading the ONS lookup of CSPs to police force areas on the Data page would show where they are."
                if plain else "Load the ONS lookup of CSPs to police force areas (Data page).")
    if plain:
        return "Loading police.uk files for other police forces would allow one."
    return (f"To rank {basis.csp_name}, load police.uk street files of other forces (Data page), so that at least "
            f"{MIN_PEERS} comparable CSPs from more than one force are held.")


def _where(basis: PeerBasis, plain: bool) -> str:
    """'all from the Sussex force area'; 'from 2 force areas: Sussex (12) and Suffolk (3)'."""
    force_area = "police force area" if plain else "force area"
    forces = basis.known_forces
    unknown = basis.peers - sum(forces.values())
    if len(forces) == 1 and not unknown:
        return f"all {'in' if plain else 'from'} {force_area_of(next(iter(forces)), plain)}"
    if not forces:
        return f"none of them in a known {force_area}"
    parts = [f"{force} ({count})" for force, count in sorted(forces.items(), key=lambda item: (-item[1], item[0]))]
    if unknown:
        parts.append(f"{unknown} in no known {force_area}")
    return f"{'in' if plain else 'from'} {_counted(len(forces), force_area)}: {_listed(parts)}"


def force_area_of(force: str, plain: bool = False) -> str:
    """'the Sussex force area' ('the Sussex police force area' in plain words); 'the Avonmere Police force area'."""
    return f"the {force} {'police force area' if plain and not force.endswith(' Police') else 'force area'}"


def _counted(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
