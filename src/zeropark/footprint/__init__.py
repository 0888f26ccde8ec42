"""产品碳足迹与CBAM: cradle-to-gate product footprints (ISO 14067:2018) and CBAM embedded emissions.

:mod:`zeropark.footprint.product` allocates an enterprise's accounted inventory to its products and
adds purchased materials × cited upstream factors; :mod:`zeropark.footprint.cbam` maps CN codes to
CBAM goods (Regulation (EU) 2023/956 Annex I) and computes specific embedded emissions
(Implementing Regulation (EU) 2023/1773 Annex III). Pure: no database, web or file writing.
"""
