"""Referral pathways and the directory of youth opportunities: referrals between partners,
listings and their curation, ORUK import and publication, and the figures they give."""
