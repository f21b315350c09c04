"""The opportunities directory and the referral pathway in a demo workspace.

:func:`ensure_demo_pathways` adds, once per workspace (running the demo again changes
nothing):

- synthetic postcodes ('ZZ1 4AB', ...) inside the workspace's boroughs, loaded into the
  gazetteer's postcode table through the ONS Postcode Directory importer (only when the
  workspace holds no real postcodes);
- a synthetic directory of a few hundred opportunities placed at them, kept by a handful
  of provider organisations (one of them the demo provider's);
- two teams (hospital youth work, social prescribing link workers) and a few dozen
  referrals in every state, made through the pathway service itself with a clock set in
  the past, so that every figure, deadline and audit event is as a real run makes them;
- demo accounts: a youth worker, their team lead, a provider and a directory curator.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from vrhub.demo_accounts import DemoAccount
from vrhub.settings import Settings
from vrhub.storage.queries import areas as area_queries
from vrhub.storage.queries import demo as demo_queries
from vrhub.storage.warehouse import Warehouse

SERVICES = 300
PROVIDER_ORG = "DEMO-PROVIDER"


ACCOUNTS = (
    DemoAccount("youthworker@example.org", "case_worker", "Demo hospital youth work"),
    DemoAccount("teamlead@example.org", "team_lead", "Demo hospital youth work (lead)"),
    DemoAccount("provider@example.org", "provider", f"listings of {PROVIDER_ORG}"),
    DemoAccount("curator@example.org", "directory_curator", "every listing"),
)


def demo_postcodes(warehouse: Warehouse, folder: Path, seed: int) -> int:
    """Synthetic postcodes inside the workspace's boroughs; returns how many were loaded
    (0 when the workspace has real postcodes, or no boroughs)."""
    import shapely

    from vrhub.ingest.gazetteer import import_onspd
    from vrhub.storage.postcodes import postcode_count
    from vrhub.synthetic.directory import Area, synthetic_postcodes, write_onspd

    if postcode_count(warehouse) and not _synthetic_only(warehouse):
        return 0
    if not warehouse.has_table("area_boundary"):
        return 0
    frame = area_queries.shapes_at_level(warehouse, "borough")
    if not len(frame):
        return 0
    rng = np.random.default_rng(seed)
    areas = []
    for code, name, wkb in frame.itertuples(index=False):
        shape = shapely.from_wkb(bytes(wkb))
        xmin, ymin, xmax, ymax = shape.bounds
        for _ in range(40):  # small boxes around points inside the borough
            x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
            if shape.contains(shapely.Point(x, y)):
                areas.append(Area(x - 60, y - 60, x + 60, y + 60, None, None, str(code),
                                  str(name)))
    pcs = synthetic_postcodes(areas, per_area=1, seed=seed)
    path = write_onspd(pcs, folder / "onspd" / "synthetic-postcodes.csv")
    return int(import_onspd(warehouse, [path])["postcodes"])


def _synthetic_only(warehouse: Warehouse) -> bool:
    return not demo_queries.real_postcodes(warehouse)


def ensure_demo_pathways(settings: Settings, warehouse: Warehouse, password: str, *,
                         seed: int = 2024) -> list[DemoAccount]:
    from vrhub.access.principal import console_administrator
    from vrhub.access.services import AccessServices
    from vrhub.errors import Conflict
    from vrhub.pathways.directory import Directory
    from vrhub.pathways.postcode_source import postcode_lookup
    from vrhub.pathways.referrals import Pathway
    from vrhub.pathways.sealing import sealer_for
    from vrhub.storage import referrals as store

    demo_postcodes(warehouse, settings.home / "demo-data", seed)
    services = AccessServices.from_settings(settings)
    try:
        admin = console_administrator("demo")
        for account in ACCOUNTS:
            with contextlib.suppress(Conflict):
                services.identity.create_user(
                    admin, account.email, role=account.role,
                    organisation=PROVIDER_ORG if account.role == "provider" else "DEMO",
                    organisation_name="Demo provider" if account.role == "provider"
                    else "Demo workspace", password=password,
                    display_name=f"Demo {account.role.replace('_', ' ')}")
        lookup = postcode_lookup(lambda: warehouse)
        directory = Directory(services.sessions, lookup)
        directory.ensure_vocabularies()
        with services.sessions() as session:
            done = store.team_by_name(session, "Demo hospital youth work") is not None
        if done:
            _list_accounts(settings.home)
            return list(ACCOUNTS)
        ids = _directory(directory, warehouse, seed)
        start = (dt.datetime.now(dt.UTC).replace(tzinfo=None, minute=0, second=0,
                                                    microsecond=0) - dt.timedelta(days=420))
        clock = _Clock(start)
        pathway = Pathway(services.sessions, sealer_for(settings), services.audit,
                          postcodes=lookup, clock=clock)
        _referrals(services, pathway, clock, ids, seed)
    finally:
        services.close()
    _list_accounts(settings.home)
    return list(ACCOUNTS)


def _list_accounts(home: Path) -> None:
    """Add the pathway's demo accounts to ``demo-accounts.txt`` (before the password)."""
    from vrhub.demo_accounts import FILE_NAME

    path = home / FILE_NAME
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    mine = [f"{a.email}  ({a.role}, {a.scope})" for a in ACCOUNTS]
    kept = [line for line in lines if line not in mine]
    at = next((i for i, line in enumerate(kept) if line.startswith("password: ")), len(kept))
    path.write_text("\n".join([*kept[:at], *mine, *kept[at:]]) + "\n", encoding="utf-8")


class _Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _directory(directory: Any, warehouse: Warehouse, seed: int) -> list[tuple[str, str]]:
    from vrhub.standards import oruk
    from vrhub.storage import directory as store
    from vrhub.storage.postcodes import postcode_count
    from vrhub.synthetic.directory import SyntheticPostcode, synthetic_services

    if not postcode_count(warehouse):
        return []
    rows = demo_queries.postcode_boroughs(warehouse)
    pcs = [SyntheticPostcode(f"{str(code)[:-3]} {str(code)[-3:]}", float(str(e)),
                             float(str(n)), None, None, str(borough or ""), str(name))
           for code, e, n, borough, name in rows.itertuples(index=False, name=None)]
    records = synthetic_services(pcs, SERVICES, seed=seed, organisations=40)
    owners: dict[str, str] = {}
    for k, record in enumerate(records):
        org = record["organization"]["id"]
        owners.setdefault(org, PROVIDER_ORG if not owners else f"DEMO-ORG-{k % 12:02d}")
    with directory.sessions() as session, session.begin():
        batch = [(oruk.validate_service(r), store.Stewardship(
            owner_code=owners[r["organization"]["id"]],
            reviewed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(
                days=30 + 90 * (k % 4)) if k % 3 else None,
            reviewed_by="curator@example.org" if k % 3 else None), ())
            for k, r in enumerate(records)]
        directory.save_many(session, batch)
    return [(r["id"], r["name"]) for r in records]


def _referrals(services: Any, pathway: Any, clock: _Clock, listings: list[tuple[str, str]],
               seed: int) -> None:
    from vrhub.access.identity import principal_for
    from vrhub.pathways.referral_forms import (
        ConsentInput,
        FlagInput,
        Identity,
        NewReferral,
        SharingInput,
    )
    from vrhub.storage import referrals as store
    from vrhub.storage.appdb.models import User

    rng = np.random.default_rng(seed)
    with services.sessions() as session, session.begin():
        hospital = store.create_team(session, name="Demo hospital youth work",
                                     kind="hospital_youth_work", organisation_code="DEMO")
        store.create_team(session, name="Demo social prescribing link workers",
                          kind="social_prescribing", organisation_code="DEMO")
        users = {u.email: u for u in session.query(User).all()}
        worker_user, lead_user = users["youthworker@example.org"], users["teamlead@example.org"]
        store.set_member(session, hospital.id, worker_user.id, lead=False)
        store.set_member(session, hospital.id, lead_user.id, lead=True)
        worker = principal_for(worker_user)
        lead = principal_for(lead_user)
        team_id = hospital.id
    first = ("Aaliyah", "Jayden", "Kofi", "Maya", "Tyler", "Amira", "Reece", "Leah", "Dami",
             "Chloe", "Marcus", "Zara", "Kai", "Ife", "Jordan", "Sofia")
    last = ("Okafor", "Smith", "Ahmed", "Mensah", "Williams", "Khan", "Brown", "Adeyemi",
            "Taylor", "Hussain", "Campbell", "Nowak")
    plan = ["requested"] * 6 + ["accepted"] * 4 + ["rejected"] * 3 + ["in-progress"] * 8 + \
        ["completed"] * 12 + ["cancelled"] * 3 + ["failed"] * 3
    onward_to = listings[:3]
    start = clock.now
    for k, target in enumerate(plan):
        clock.now = start + dt.timedelta(days=int(k * 7.5), hours=int(rng.integers(0, 10)))
        born = dt.date(clock.now.year - int(rng.integers(14, 24)), int(rng.integers(1, 13)),
                       int(rng.integers(1, 28)))
        moment = str(rng.choice(["ed_attendance", "ed_attendance", "custody", "gp",
                                 "school", "self"]))
        consent = k % 9 != 4
        new = NewReferral(
            team_id=team_id,
            identity=Identity(first[k % len(first)], last[(k * 5) % len(last)], born,
                              f"07700 900{k:03d}", None, None),
            reachable_moment=moment, moment_at=clock.now - dt.timedelta(hours=3),
            referrer_kind="hospital_youth_worker" if moment == "ed_attendance" else "other",
            needs=[str(n) for n in rng.choice(["violence_victim", "exploitation",
                                               "mental_wellbeing", "education", "family"],
                                              2, replace=False)],
            consent=ConsentInput("given", "young_person", "verbal",
                                 ["referral", "contact", "share_onward"]) if consent else None,
            sharing=None if consent else SharingInput(
                True, "the referral", "the hospital youth work team", "safeguarding",
                "Disclosed risk of exploitation; shared to protect them", safeguarding=True),
            flags=[FlagInput("exploitation", "significant_harm", "Demo safeguarding note")]
            if k % 7 == 3 else [],
            allocate_to_me=k % 4 != 0)
        view = pathway.create(worker, new)
        key = view.reference
        if target == "requested":
            continue
        clock.now += dt.timedelta(hours=int(rng.integers(2, 30)))
        if target == "rejected":
            pathway.transition(lead, key, "rejected", reason="Already supported elsewhere")
            continue
        pathway.transition(worker if view.worker else lead, key, "accepted")
        if view.worker is None:
            pathway.allocate(lead, key, "youthworker@example.org")
        if target == "accepted":
            continue
        if target == "cancelled":
            pathway.transition(worker, key, "cancelled", reason="Moved out of the area")
            continue
        clock.now += dt.timedelta(hours=int(rng.integers(1, 72)))
        pathway.record_contact(worker, key, mode=str(rng.choice(["in_person", "phone"])),
                               outcome="spoke", note="Demo contact note")
        pathway.transition(worker, key, "in-progress")
        pathway.add_plan_item(worker, key, goal="Join a weekly activity",
                              support="activity")
        if consent and onward_to:
            service_id, name = onward_to[k % len(onward_to)]
            pathway.refer_on(worker, key, service_id=service_id, service_name=name)
            onward_id = pathway.open(worker, key).onward[-1]["id"]
            clock.now += dt.timedelta(days=int(rng.integers(1, 6)))
            pathway.onward_reply(worker, key, onward_id,
                                 "accepted" if rng.random() < 0.7 else "declined")
        if target == "in-progress":
            continue
        clock.now += dt.timedelta(days=int(rng.integers(20, 90)))
        if target == "failed":
            pathway.transition(worker, key, "failed", reason="Lost contact")
            continue
        pathway.close(worker, key, outcomes={
            "engaged": str(rng.choice(["yes", "yes", "partly", "no"])),
            "goals_met": str(rng.choice(["all", "some", "none"])),
            "wellbeing": str(rng.choice(["better", "same", "not_known"]))})
    clock.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    pathway.escalate_overdue()
