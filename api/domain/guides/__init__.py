"""Guide content: the file format (``format``), pure and what ``waypoint guides check`` runs."""
