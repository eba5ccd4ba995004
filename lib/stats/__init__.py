"""Statistics: intervals and tests (from scipy), trends, harm weights and similar-area comparisons."""
