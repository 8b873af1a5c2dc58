"""A student's progress over sessions: the stored scores, read for charts and exports (no Qt)."""

from clientsim.progress.data import CHARTS, Chart, SessionScores, filter_sessions, load_progress
from clientsim.progress.export import write_scores_csv

__all__ = ["CHARTS", "Chart", "SessionScores", "filter_sessions", "load_progress", "write_scores_csv"]
