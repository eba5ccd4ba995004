"""How each CSP is doing: the at-a-glance overview, measures against targets, and trend labels."""
