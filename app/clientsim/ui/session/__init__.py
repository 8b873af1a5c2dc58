"""The session screen in parts: ``SessionController`` (the session and its jobs,
no widgets), the views (``SessionHeader``, ``InputBar``, the shared
``TranscriptView``), ``VoiceBridge`` (the client's voice and the microphone), the
past-session reader and the words under turns. ``clientsim.ui.session_view``
puts them together into the screen.
"""
