"""Oversight (监管分析): pass rates, item analysis, paper fairness, anomaly flags and monthly
reports, read from published sittings. It keeps summaries of its own and never writes a result."""
