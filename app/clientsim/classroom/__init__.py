"""Class review: an instructor reads a folder of students' exported sessions.

- ``folder``: reading the exports (corrupt, newer-format and duplicated files are listed and skipped)
- ``review``: judging each session again; ``SessionRow`` per session, ``StudentSummary`` per student
- ``output``: CSV and HTML (Jinja2 template in ``templates/``)

docs/class-review.md describes the command and the columns.
"""

from clientsim.classroom.folder import ClassFolder, ExportedSession, SkippedFile, read_folder
from clientsim.classroom.review import ClassReport, SessionRow, StudentSummary, build_class_report

__all__ = [
    "ClassFolder",
    "ClassReport",
    "ExportedSession",
    "SessionRow",
    "SkippedFile",
    "StudentSummary",
    "build_class_report",
    "read_folder",
]
