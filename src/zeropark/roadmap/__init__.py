"""Roadmap analyses (pure core, no I/O).

The decomposition of a change in emissions (LMDI), the Tapio decoupling state and carbon productivity;
reduction measures (:mod:`.measures`) and, built on them, scenarios, pathways and the MACC.
"""
