"""What leaves the dashboard: the committee pack PDF, the guided presentation and the charts both use."""
