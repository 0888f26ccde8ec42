"""Third-party verification (第三方核查, ISO 14064-3:2019) as a pure core.

- :mod:`~zeropark.verification.engagement`: the engagement — run, fingerprint, scope, level of
  assurance, materiality;
- :mod:`~zeropark.verification.sampling`: the risk-based sampling plan (key items + monetary-unit /
  probability-proportional-to-size selection over tCO2e, seeded);
- :mod:`~zeropark.verification.checklist`: the checklist items (package data, clause references);
- :mod:`~zeropark.verification.findings`: findings, their evidence, corrective actions (state machine);
- :mod:`~zeropark.verification.statement`: the opinion rules and the statement text (zh, en);
- :mod:`~zeropark.verification.pack`: the verification pack's signed payload and its offline check.

No I/O but reading this package's own data file; the service is :mod:`zeropark.services.verification`.
"""
