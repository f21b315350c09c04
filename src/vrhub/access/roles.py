"""Roles, the actions they may take, and the scopes API tokens can carry.

=====================  =========================================================
Role                   May
=====================  =========================================================
pan_london_analyst     read, search and export record-level data for all London;
                       read every ED submission and quality report
borough_analyst        record-level data only for their own borough(s)
icb_analyst            an Integrated Care Board's system: record-level data for the
                       boroughs it serves and the ED sites it runs, those sites'
                       submissions and quality reports (no uploads)
ed_data_lead           upload and read their own site's ISTV submissions, see
                       their site's quality reports and records
administrator          manage accounts and read the audit trail; no record-level
                       data (administration and analysis are kept apart)
programme_lead         submit and read the returns of their own funded programme(s)
                       and see its figures (see the outcomes block below)
case_worker            youth, link or custody worker, social prescriber: their own
                       caseload of referrals (identity decrypted on each audited read)
team_lead              their team's caseload: allocation, escalations, subject access
provider               their own organisation's directory listings
(critical incidents)   borough analysts log and work their borough's incidents; pan-London
                       analysts (the VRU) every incident, and decide fund applications
(plan assessments)     pan-London analysts score every borough's plan; borough analysts
                       read their own borough's assessments
(needs assessments)    pan-London analysts build and read every area's full (restricted)
                       editions, London's too; borough analysts their own borough's; ICB
                       analysts read their ICB's boroughs'; administrators may build (the
                       operator's scheduled builds) but not read; everyone, signed in or
                       not, reads the latest public summary of each area
directory_curator      VRU staff: review every listing, import ORUK feeds
public                 disclosure-controlled aggregates only; the opportunities
                       directory and its open ORUK feed
=====================  =========================================================

Analysts (pan-London and borough) see referral figures only as de-identified,
disclosure-controlled aggregates; they never read a case.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PAN_LONDON_ANALYST = "pan_london_analyst"
    BOROUGH_ANALYST = "borough_analyst"
    ICB_ANALYST = "icb_analyst"
    ED_DATA_LEAD = "ed_data_lead"
    ADMINISTRATOR = "administrator"
    PROGRAMME_LEAD = "programme_lead"
    PUBLIC = "public"
    # referral pathway and opportunities directory
    CASE_WORKER = "case_worker"
    TEAM_LEAD = "team_lead"
    PROVIDER = "provider"
    DIRECTORY_CURATOR = "directory_curator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.PAN_LONDON_ANALYST: "Pan-London analyst",
    Role.BOROUGH_ANALYST: "Borough analyst",
    Role.ICB_ANALYST: "ICB analyst",
    Role.ED_DATA_LEAD: "ED data lead",
    Role.ADMINISTRATOR: "Administrator",
    Role.PROGRAMME_LEAD: "Programme lead",
    Role.PUBLIC: "Public",
    Role.CASE_WORKER: "Case worker",
    Role.TEAM_LEAD: "Team lead",
    Role.PROVIDER: "Provider",
    Role.DIRECTORY_CURATOR: "Directory curator",
}

ACCOUNT_ROLES = tuple(r for r in Role if r is not Role.PUBLIC)


class Action(StrEnum):
    """What a principal asks to do. Record-level and administrative actions are audited."""

    READ_RECORDS = "read_records"
    SEARCH_RECORDS = "search_records"
    EXPORT_RECORDS = "export_records"
    READ_AGGREGATES = "read_aggregates"
    UPLOAD_ISTV = "upload_istv"
    READ_ISTV_SUBMISSION = "read_istv_submission"
    READ_QUALITY = "read_quality"
    ADMIN_USERS = "admin_users"
    READ_AUDIT = "read_audit"
    MANAGE_OWN_TOKENS = "manage_own_tokens"
    SIGN_IN = "sign_in"
    # outcomes: programmes, returns and their figures (see OUTCOME_GRANTS)
    READ_OUTCOMES = "read_outcomes"
    SUBMIT_RETURN = "submit_return"
    READ_RETURN = "read_return"
    REVIEW_RETURN = "review_return"
    REOPEN_RETURN = "reopen_return"
    READ_PARTICIPANTS = "read_participants"
    MANAGE_PROGRAMMES = "manage_programmes"
    MANAGE_FRAMEWORK = "manage_framework"
    # referral pathway and opportunities directory
    READ_CASE = "read_case"
    WRITE_CASE = "write_case"
    ALLOCATE_CASE = "allocate_case"
    EXPORT_CASE = "export_case"
    READ_REFERRAL_FIGURES = "read_referral_figures"
    MANAGE_LISTINGS = "manage_listings"
    REVIEW_LISTINGS = "review_listings"
    IMPORT_DIRECTORY = "import_directory"
    # critical incidents (see INCIDENT_GRANTS)
    READ_INCIDENT = "read_incident"
    WRITE_INCIDENT = "write_incident"
    DECIDE_INCIDENT_FUND = "decide_incident_fund"
    # borough plan assessments
    READ_PLAN_ASSESSMENT = "read_plan_assessment"
    ASSESS_PLAN = "assess_plan"
    # Serious Violence Duty needs assessments (full, restricted editions)
    READ_SNA = "read_sna"
    BUILD_SNA = "build_sna"
    READ_ED_FIGURES = "read_ed_figures"
    """ED (ISTV) figures on any surface, at the level vrhub.access.ed_figures decides."""
    REQUEST = "request"
    """A request refused before any policy decision: no, bad, revoked or expired
    credentials, an ended session, a failed CSRF check, a page a role may not open."""

    @property
    def record_level(self) -> bool:
        return self in RECORD_ACTIONS

    @property
    def administrative(self) -> bool:
        return self in ADMIN_ACTIONS


RECORD_ACTIONS = frozenset({
    Action.READ_RECORDS, Action.SEARCH_RECORDS, Action.EXPORT_RECORDS,
    Action.UPLOAD_ISTV, Action.READ_ISTV_SUBMISSION,
    Action.READ_CASE, Action.WRITE_CASE, Action.ALLOCATE_CASE, Action.EXPORT_CASE,
    Action.READ_INCIDENT, Action.WRITE_INCIDENT,
})
ADMIN_ACTIONS = frozenset({
    Action.ADMIN_USERS, Action.READ_AUDIT, Action.MANAGE_OWN_TOKENS,
    Action.MANAGE_LISTINGS, Action.REVIEW_LISTINGS, Action.IMPORT_DIRECTORY,
    Action.DECIDE_INCIDENT_FUND, Action.ASSESS_PLAN, Action.BUILD_SNA,
})

# The actions each role may ever take; scope checks (borough, site) come on top.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.PAN_LONDON_ANALYST: frozenset({
        Action.READ_RECORDS, Action.SEARCH_RECORDS, Action.EXPORT_RECORDS,
        Action.READ_AGGREGATES, Action.READ_ISTV_SUBMISSION, Action.READ_QUALITY,
        Action.MANAGE_OWN_TOKENS,
    }),
    Role.BOROUGH_ANALYST: frozenset({
        Action.READ_RECORDS, Action.SEARCH_RECORDS, Action.EXPORT_RECORDS,
        Action.READ_AGGREGATES, Action.MANAGE_OWN_TOKENS,
    }),
    Role.ICB_ANALYST: frozenset({
        Action.READ_RECORDS, Action.SEARCH_RECORDS, Action.EXPORT_RECORDS,
        Action.READ_AGGREGATES, Action.READ_ISTV_SUBMISSION, Action.READ_QUALITY,
        Action.MANAGE_OWN_TOKENS,
    }),
    Role.ED_DATA_LEAD: frozenset({
        Action.READ_RECORDS, Action.SEARCH_RECORDS, Action.EXPORT_RECORDS,
        Action.READ_AGGREGATES, Action.UPLOAD_ISTV, Action.READ_ISTV_SUBMISSION,
        Action.READ_QUALITY, Action.MANAGE_OWN_TOKENS,
    }),
    Role.ADMINISTRATOR: frozenset({
        Action.READ_AGGREGATES, Action.READ_QUALITY, Action.ADMIN_USERS, Action.READ_AUDIT,
        Action.MANAGE_OWN_TOKENS,
    }),
    Role.PUBLIC: frozenset({Action.READ_AGGREGATES}),
    Role.PROGRAMME_LEAD: frozenset({Action.READ_AGGREGATES, Action.MANAGE_OWN_TOKENS}),
}

# -- outcomes ---------------------------------------------------------------------------
# ===================  ======================================================================
# pan_london_analyst   every programme's figures, returns and participants' measures;
#                      reviews and approves returns; manages programmes, indicators,
#                      i-Statements, workshops and the evidence library (the VRU analysts)
# borough_analyst      figures and returns of the programmes serving their borough(s)
# icb_analyst          the same for the boroughs their ICB(s) serve
# programme_lead       submits and reads the returns of their own programme(s), sees their
#                      figures and their participants' measures
# administrator        loads a revised framework or reference table; sets up programmes;
#                      reopens an approved return; sees programme-level figures (not
#                      participants' measures)
# ===================  ======================================================================
OUTCOME_GRANTS: dict[Role, frozenset[Action]] = {
    Role.PAN_LONDON_ANALYST: frozenset({
        Action.READ_OUTCOMES, Action.READ_RETURN, Action.REVIEW_RETURN,
        Action.READ_PARTICIPANTS, Action.MANAGE_PROGRAMMES}),
    Role.BOROUGH_ANALYST: frozenset({Action.READ_OUTCOMES, Action.READ_RETURN}),
    Role.ICB_ANALYST: frozenset({Action.READ_OUTCOMES, Action.READ_RETURN}),
    Role.PROGRAMME_LEAD: frozenset({
        Action.READ_OUTCOMES, Action.SUBMIT_RETURN, Action.READ_RETURN,
        Action.READ_PARTICIPANTS}),
    Role.ADMINISTRATOR: frozenset({
        Action.READ_OUTCOMES, Action.REOPEN_RETURN, Action.MANAGE_FRAMEWORK,
        Action.MANAGE_PROGRAMMES}),
}
OUTCOME_ACTIONS = frozenset({
    Action.READ_OUTCOMES, Action.SUBMIT_RETURN, Action.READ_RETURN, Action.REVIEW_RETURN,
    Action.REOPEN_RETURN, Action.READ_PARTICIPANTS, Action.MANAGE_PROGRAMMES,
    Action.MANAGE_FRAMEWORK,
})
#: Outcome actions limited to a programme or borough (the rest are London-wide roles').
PROGRAMME_SCOPED = frozenset({
    Action.READ_OUTCOMES, Action.SUBMIT_RETURN, Action.READ_RETURN, Action.REVIEW_RETURN,
    Action.READ_PARTICIPANTS,
})
for _role, _actions in OUTCOME_GRANTS.items():
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | _actions

# -- referral pathway and opportunities directory -------------------------------------------
ROLE_ACTIONS.update({
    Role.CASE_WORKER: frozenset({Action.READ_CASE, Action.WRITE_CASE, Action.EXPORT_CASE,
                                 Action.READ_AGGREGATES, Action.MANAGE_OWN_TOKENS}),
    Role.TEAM_LEAD: frozenset({Action.READ_CASE, Action.WRITE_CASE, Action.ALLOCATE_CASE,
                               Action.EXPORT_CASE, Action.READ_REFERRAL_FIGURES,
                               Action.READ_AGGREGATES, Action.MANAGE_OWN_TOKENS}),
    Role.PROVIDER: frozenset({Action.MANAGE_LISTINGS, Action.READ_AGGREGATES,
                              Action.MANAGE_OWN_TOKENS}),
    Role.DIRECTORY_CURATOR: frozenset({Action.MANAGE_LISTINGS, Action.REVIEW_LISTINGS,
                                       Action.IMPORT_DIRECTORY, Action.READ_REFERRAL_FIGURES,
                                       Action.READ_AGGREGATES, Action.MANAGE_OWN_TOKENS}),
})
for _analyst in (Role.PAN_LONDON_ANALYST, Role.BOROUGH_ANALYST, Role.ICB_ANALYST):
    ROLE_ACTIONS[_analyst] = ROLE_ACTIONS[_analyst] | {Action.READ_REFERRAL_FIGURES}
ROLE_ACTIONS[Role.ADMINISTRATOR] = ROLE_ACTIONS[Role.ADMINISTRATOR] | {
    Action.IMPORT_DIRECTORY}
#: Roles whose reach is set by the boroughs of one or more areas (an ICB's system).
AREA_SCOPED_ROLES = frozenset({Role.BOROUGH_ANALYST, Role.ICB_ANALYST})
#: Roles whose reach is set by team or organisation, never by borough or ED site.
ROLES_WITHOUT_AREA = frozenset({Role.PAN_LONDON_ANALYST, Role.ADMINISTRATOR,
                                Role.CASE_WORKER, Role.TEAM_LEAD, Role.PROVIDER,
                                Role.DIRECTORY_CURATOR})

# -- critical incidents ------------------------------------------------------------------
# A borough's community-safety lead (a borough analyst account) logs and works the
# incidents in their borough(s); the VRU (pan-London analysts) sees and works every
# incident and decides Critical Incidents Fund applications. Nothing about incidents is
# public, and every read is audited (they are record-level actions, scoped by borough).
INCIDENT_GRANTS: dict[Role, frozenset[Action]] = {
    Role.PAN_LONDON_ANALYST: frozenset({Action.READ_INCIDENT, Action.WRITE_INCIDENT,
                                        Action.DECIDE_INCIDENT_FUND}),
    Role.BOROUGH_ANALYST: frozenset({Action.READ_INCIDENT, Action.WRITE_INCIDENT}),
}
for _role, _actions in INCIDENT_GRANTS.items():
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | _actions

# -- borough plan assessments --------------------------------------------------------------
# VRU assessors (pan-London analysts) score every borough's plan and see all; a borough's
# own analysts see their borough's assessments (and the London-wide comparison without other
# boroughs' evidence notes).
ROLE_ACTIONS[Role.PAN_LONDON_ANALYST] |= {Action.READ_PLAN_ASSESSMENT, Action.ASSESS_PLAN}
ROLE_ACTIONS[Role.BOROUGH_ANALYST] |= {Action.READ_PLAN_ASSESSMENT}

# -- Serious Violence Duty needs assessments -----------------------------------------------
# A full edition holds small counts and borough detail: the VRU (pan-London analysts) builds
# and reads every area's, London's too; a borough's analysts their own borough's, whose
# recommendations they write; an ICB's analysts read their boroughs'. Administrators may
# build (the operator's scheduled builds at the console) without reading what they built.
# Every read of a full edition, every build and every refusal is audited. The public
# summary is public (READ_AGGREGATES).
ROLE_ACTIONS[Role.PAN_LONDON_ANALYST] |= {Action.READ_SNA, Action.BUILD_SNA}
ROLE_ACTIONS[Role.BOROUGH_ANALYST] |= {Action.READ_SNA, Action.BUILD_SNA}
ROLE_ACTIONS[Role.ICB_ANALYST] |= {Action.READ_SNA}
ROLE_ACTIONS[Role.ADMINISTRATOR] |= {Action.BUILD_SNA}

# Scopes an API token may carry: the actions a script may need. Tokens never carry
# account administration or token management.
TOKEN_SCOPES = frozenset({
    Action.READ_RECORDS, Action.SEARCH_RECORDS, Action.EXPORT_RECORDS, Action.READ_AGGREGATES,
    Action.UPLOAD_ISTV, Action.READ_ISTV_SUBMISSION, Action.READ_QUALITY, Action.READ_AUDIT,
    Action.READ_OUTCOMES, Action.SUBMIT_RETURN, Action.READ_RETURN, Action.REVIEW_RETURN,
    Action.READ_PARTICIPANTS,
    Action.READ_CASE, Action.WRITE_CASE, Action.EXPORT_CASE, Action.READ_REFERRAL_FIGURES,
    Action.MANAGE_LISTINGS, Action.READ_INCIDENT, Action.WRITE_INCIDENT,
    Action.READ_SNA, Action.BUILD_SNA,
})


def parse_role(value: str) -> Role:
    """The role named ``value`` (case-insensitive, '-' or '_')."""
    from vrhub.errors import UserError

    text = value.strip().lower().replace("-", "_")
    try:
        return Role(text)
    except ValueError:
        raise UserError(
            f"unknown role {value!r}",
            hint="use one of " + ", ".join(r.value for r in Role),
        ) from None
