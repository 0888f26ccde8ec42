"""Annualisation of capital cost (资本回收系数 CRF).

A capital expenditure paid once is spread over the asset's lifetime as an equal yearly annuity,
so that it can be added to one year of operating cost in the objective (the same convention as
PyPSA's ``annuity`` and the textbook capital recovery factor).
"""

from __future__ import annotations


def capital_recovery_factor(discount_rate: float, lifetime_years: float) -> float:
    r"""Capital recovery factor CRF [1/a].

    Parameters
    ----------
    discount_rate : float
        Real discount rate [1/a], e.g. 0.06 for 6 %.
    lifetime_years : float
        Economic lifetime [a], > 0.

    Returns
    -------
    float
        The share of the capital cost paid each year [1/a].

    Notes
    -----
    .. math:: CRF = \frac{r (1+r)^n}{(1+r)^n - 1}, \qquad CRF = 1/n \text{ for } r = 0

    References
    ----------
    .. [1] Short, W., Packey, D., Holt, T., 1995, "A Manual for the Economic Evaluation of Energy
       Efficiency and Renewable Energy Technologies", NREL/TP-462-5173, eq. (4-4).

    Raises
    ------
    ValueError
        If the lifetime is not positive or the discount rate is ≤ -1.

    Examples
    --------
    >>> round(capital_recovery_factor(0.08, 20), 6)
    0.101852
    """
    if lifetime_years <= 0:
        raise ValueError(f"lifetime_years must be > 0, {lifetime_years} was given")
    if discount_rate <= -1:
        raise ValueError(f"discount_rate must be > -1, {discount_rate} was given")
    if discount_rate == 0:
        return 1.0 / lifetime_years
    growth = (1.0 + discount_rate) ** lifetime_years
    return float(discount_rate * growth / (growth - 1.0))


def annualised_capex_cny_per_unit_a(
    capex_cny_per_unit: float,
    discount_rate: float,
    lifetime_years: float,
    fixed_om_share_per_a: float = 0.0,
) -> float:
    """Yearly cost of one unit of capacity [CNY/(unit·a)]: CRF × capex + fixed O&M.

    Parameters
    ----------
    capex_cny_per_unit : float
        Overnight investment per unit of capacity [CNY/kW] or [CNY/kWh].
    discount_rate : float
        Real discount rate [1/a].
    lifetime_years : float
        Economic lifetime [a].
    fixed_om_share_per_a : float
        Fixed operation and maintenance as a share of capex per year [1/a].

    Examples
    --------
    >>> round(annualised_capex_cny_per_unit_a(1000.0, 0.0, 10, 0.01), 6)
    110.0
    """
    crf = capital_recovery_factor(discount_rate, lifetime_years)
    return capex_cny_per_unit * (crf + fixed_om_share_per_a)
