"""Per-app demo builders for seed_demo: each module's ``seed(context)`` adds that app's demo data."""
