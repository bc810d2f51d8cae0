"""The org tree, people and posts, and reporting relations (who reports to whom)."""
