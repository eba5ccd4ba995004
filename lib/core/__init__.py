"""The ground floor: areas, periods, the indicator catalogue, disclosure rules and other small facts.

Nothing here opens the store or imports from another wing of ``lib``."""
