"""The two vocabularies the opportunities directory classifies services by.

1. **Youth opportunities**: what a young person can do or get (sport, music, arts,
   training, apprenticeships, employment, mentoring, parent and carer support, mental
   health, ...), a two-level list: a few broad groups, each with its terms.
2. **VRU priority areas**: the five priority areas of London's Violence Reduction Unit, so
   that commissioners can see the directory by the strategy's own headings.

Every taxonomy and term has a fixed UUID (version 5, from the vrhub namespace and its
code), so the same term has the same identifier in every deployment and in every ORUK
feed vrhub publishes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

NAMESPACE = uuid.UUID("8d3c3c9e-5b8a-4f0e-9a51-6f2d2b7a1c19")


def stable_id(*parts: str) -> str:
    """A UUID (version 5) fixed by ``parts``: the same parts give the same id anywhere."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    description: str
    parent: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    code: str
    name: str
    description: str
    version: str
    terms: tuple[Term, ...]

    @property
    def id(self) -> str:
        return stable_id("taxonomy", self.code)

    def term_id(self, code: str) -> str:
        return stable_id("taxonomy", self.code, "term", code)

    def term(self, code: str) -> Term:
        for term in self.terms:
            if term.code == code:
                return term
        raise KeyError(code)


def _terms(groups: dict[tuple[str, str, str], list[tuple[str, str, str]]]) -> tuple[Term, ...]:
    out: list[Term] = []
    for (code, name, description), children in groups.items():
        out.append(Term(code, name, description))
        out.extend(Term(c, n, d, parent=code) for c, n, d in children)
    return tuple(out)


YOUTH_OPPORTUNITIES = Vocabulary(
    code="vrhub-youth-opportunities",
    name="Youth opportunities",
    description="What a young person (up to 25) can take part in or get help with.",
    version="1.0",
    terms=_terms({
        ("activities", "Activities", "Things to do in free time, with others."): [
            ("sport", "Sport and physical activity",
             "Football, boxing, basketball, dance, gym and other sport."),
            ("music", "Music", "Music making, production, DJing and recording studios."),
            ("arts", "Arts and creativity",
             "Drama, art, photography, film, writing and other creative work."),
            ("youth-club", "Youth clubs and centres",
             "Open-access youth clubs, centres and detached youth work."),
            ("outdoor", "Outdoor and adventure",
             "Residentials, outdoor education and adventure activities."),
            ("volunteering", "Volunteering and social action",
             "Volunteering, campaigning and youth voice."),
        ],
        ("learning-work", "Learning and work", "Qualifications, skills and jobs."): [
            ("training", "Training and skills",
             "Courses and skills training, including English and maths."),
            ("apprenticeships", "Apprenticeships", "Paid apprenticeships and traineeships."),
            ("employment", "Employment support",
             "Help finding work: CVs, interviews, job brokerage and placements."),
            ("education-support", "Education support",
             "Tutoring, re-engagement with school and alternative provision."),
            ("enterprise", "Enterprise", "Starting a business or self-employment."),
        ],
        ("support", "Support", "One-to-one and family support."): [
            ("mentoring", "Mentoring", "A trusted adult or peer mentor over months."),
            ("mental-health", "Mental health and wellbeing",
             "Counselling, therapy and wellbeing support."),
            ("parent-carer", "Parent and carer support",
             "Support, groups and advice for parents and carers."),
            ("substance-use", "Drugs and alcohol",
             "Advice and treatment for drug and alcohol use."),
            ("exploitation", "Exploitation and gangs",
             "Support for young people at risk of criminal or sexual exploitation."),
            ("housing", "Housing and money", "Housing, benefits and money advice."),
            ("sexual-health", "Sexual health and relationships",
             "Sexual health services and healthy relationships."),
            ("victim-support", "Victims and witnesses",
             "Support after violence, for victims and witnesses."),
        ],
    }),
)

VRU_PRIORITIES = Vocabulary(
    code="vrhub-vru-priorities",
    name="VRU priority areas",
    description="The five priority areas of the London Violence Reduction Unit's strategy.",
    version="2025",
    terms=(
        Term("cyp-harm", "Children and young people: reducing harm",
             "Support for young people affected by violence and exploitation."),
        Term("cyp-opportunities", "Children and young people: positive opportunities",
             "Access to positive opportunities, activities and trusted adults."),
        Term("families", "Families", "Support for parents, carers and families."),
        Term("education", "Education", "Inclusive schools and support to stay in education."),
        Term("communities", "Communities and place",
             "Community-led work and safer places."),
    ),
)

VOCABULARIES = (YOUTH_OPPORTUNITIES, VRU_PRIORITIES)


def vocabulary(code: str) -> Vocabulary:
    for vocab in VOCABULARIES:
        if vocab.code == code:
            return vocab
    raise KeyError(code)
