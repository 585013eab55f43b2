"""Test factories and builders, one module per app: import from ``tests.factories.<app>``.

Lower modules never import higher ones, in the apps' order: accounts <- campaigns <- {associations,
inventory} <- donations <- certificates <- impact.
"""
