"""examhall: computer-based exam delivery for work-safety certification exams."""

__version__ = "0.1.0"
