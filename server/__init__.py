"""OnTeam: KT's One Team consortia as linked data over SPARQL."""

__version__ = "0.1.0"
