"""STEP files in, meshes and machining features out: the geometry service."""

__version__ = "0.1.0"
