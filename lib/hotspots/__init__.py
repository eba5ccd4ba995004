"""Where incidents concentrate: the study area, Gi* hot spots, forecasts and maps."""
