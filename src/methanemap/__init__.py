"""methanemap: near-real-time fossil methane emissions on a global 0.1 degree grid."""

__version__ = "0.1.0"
