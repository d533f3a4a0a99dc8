"""vos: monthly rules and reports for Swedish municipal care administration (vård och omsorg)."""

__version__ = "0.1.0"
