"""The words every screen, map and paper carries about where its figures come from, written once."""

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
OS_DATA = "Contains OS data © Crown copyright and database right."
OS_BOUNDARIES = "Boundaries contain OS data © Crown copyright and database right."
# The demo county must never pass for a real partnership's figures: every page and the pack say so.
DEMO_NOTICE = "Synthetic demo data: the Avonmere county is generated, not real."
