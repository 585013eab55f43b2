from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and national datasets (seed_demo, seed_national): never imported by the product."""

    name = "demo"
