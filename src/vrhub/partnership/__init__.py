"""Partnership support: critical-incident response (and, beside it, the needs assessments
and plan assessments the partnership shares)."""
