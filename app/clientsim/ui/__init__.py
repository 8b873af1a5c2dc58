"""The PySide6 face of ClientSim: thin widgets over the Qt-free core.

Threads (see docs/ui.md):
- the UI thread owns every widget and does the cheap reads of the database;
- one "session thread" (a QThreadPool of exactly one thread) runs everything
  that touches the language model *or* writes to the database: loading the
  model, starting a session, storing the counsellor's turn and generating the
  client's reply, ending the session, building the feedback report;
- a general pool runs other slow, independent work (scanning model files).
"""
