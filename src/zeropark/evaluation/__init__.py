"""Evaluation (评价方法): frameworks as versioned, cited data, scored on accounted data (pure core).

- :mod:`.catalogue`: the named values a formula may use, computed from one inventory run;
- :mod:`.formula`: the safe expression language of formulas (walked, never executed);
- :mod:`.rubric`: the framework file format, parsed and checked (named errors per fault);
- :mod:`.scoring`: a framework scored for a park or an enterprise: items, score, grade, blockers;
- :mod:`.builtin`: the frameworks shipped with zeropark (``data/*.yaml``).
"""
