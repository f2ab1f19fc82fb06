"""Named entities: recognition on each side, linking inside beads, clustering, consistency, span edits."""
