"""Manufacturability of a recognized part: tool access, setups, tool sizes,
DFM warnings, stock and removal, and the operations a quote prices.

Runs in the geometry worker after the degradation ladder (it needs the mesh
and the B-Rep graph); ``report.analyze_manufacturing`` is the entry point.
This package file stays empty so that the HTTP process can import
``limits`` without loading OCP or Embree.
"""
