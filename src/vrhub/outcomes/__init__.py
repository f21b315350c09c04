"""The outcomes side of vrhub: what the partnership funds and what it achieves.

The VRU's outcomes framework (impact goals, five priority areas, their outcomes and key
interventions, guiding principles) as versioned data; the programmes it funds and their
periodic returns (reach, dosage, referrals, participants' measures, i-Statement surveys),
validated with a receipt and approved by VRU analysts; indicators in the style of DHIS2
(numerator and denominator expressions, multiplier, direction, baseline, target),
including indicators derived from the warehouse (ED assaults, knife crime, homicide);
pre/post analysis of standard wellbeing measures; reach totals; an evidence library.

Services here are pure computation where they can be, with the app database's session
factory and the warehouse handed in (:class:`vrhub.outcomes.service.OutcomesService`);
SQL lives in :mod:`vrhub.storage.outcomes`.
"""
