"""OnTeam server package."""
