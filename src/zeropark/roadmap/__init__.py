"""Roadmap analyses (pure core, no I/O).

The decomposition of a change in emissions (LMDI), the Tapio decoupling state and carbon productivity.
"""
