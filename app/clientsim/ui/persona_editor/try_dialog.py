"""“Try this client”: a short test chat with the persona being written.

The replies come from the model the app has, on the session thread (the one
thread that touches the llama instance, JobRunner's session pool), streamed
and batched like a session's (StreamBuffer). Nothing is stored: the chat is a
``sessions.tryout.TryOut`` held in memory, and the dialog says so.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clientsim.personas.model import Persona
from clientsim.sessions.tryout import TryOut
from clientsim.ui.stream_buffer import StreamBuffer
from clientsim.ui.style import icon
from clientsim.ui.workers import Job, JobRunner


class TryClientDialog(QDialog):
    replyEnded = Signal(str)  # the client's reply as shown ("" when it failed or said nothing)

    def __init__(self, persona: Persona, runner: JobRunner, host, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.persona, self.runner, self.host = persona, runner, host
        self.tryout = TryOut(persona)
        self.job: Job | None = None
        self.live = ""
        # what the dialog shows, kept on the UI thread (the TryOut's own turns change on the session thread)
        self.lines: list[tuple[str, str]] = [("client", persona.opening_statement.strip())]
        self.setWindowTitle(f"Try {persona.first_name} — a test chat")
        self.setObjectName("tryClientDialog")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        note = QLabel("A short test chat with the client as written now. It is not a practice session: "
                      "nothing is saved, scored or shown in your past sessions.", self)
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        lay.addWidget(note)
        self.transcript = QTextBrowser(self)
        self.transcript.setAccessibleName("Test chat")
        self.transcript.setOpenLinks(False)
        lay.addWidget(self.transcript, 1)
        row = QHBoxLayout()
        self.input = QLineEdit(self)
        self.input.setPlaceholderText(f"Say something to {persona.first_name}, then Enter")
        self.input.setAccessibleName("Your line")
        self.input.returnPressed.connect(self.send)
        row.addWidget(self.input, 1)
        self.send_button = QPushButton(icon("send"), "Send", self)
        self.send_button.setProperty("role", "primary")
        self.send_button.clicked.connect(self.send)
        row.addWidget(self.send_button)
        self.stop_button = QPushButton(icon("stop"), "Stop", self)
        self.stop_button.setToolTip("Stop the client's reply (Esc)")
        self.stop_button.clicked.connect(self.stop)
        row.addWidget(self.stop_button)
        lay.addLayout(row)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setProperty("role", "muted")
        lay.addWidget(self.status)
        self.buffer = StreamBuffer(self)
        self.buffer.flushed.connect(self._show_live)
        self.resize(620, 520)
        self._render()
        self._update_buttons()

    # ---- chat ----------------------------------------------------------------
    def send(self) -> Job | None:
        text = self.input.text().strip()
        if not text or self.job is not None:
            return None
        self.input.clear()
        self.lines.append(("counsellor", text))
        self.live = ""
        self.buffer.start()
        self.status.setText("Loading the model…" if getattr(self.host, "engine", None) is None
                            else f"{self.persona.first_name} is answering…")
        job = Job(self._reply_job, text, name="try-out reply")
        job.signals.partial.connect(self.buffer.add)
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(self._failed)
        job.signals.cancelled.connect(self._cancelled)
        self.job = job
        self._render()
        self._update_buttons()
        return self.runner.submit(job)

    def _reply_job(self, state, text: str):  # session thread: the only one that touches the model
        engine = self.host.ensure_loaded(state)
        state.check()
        return self.tryout.reply(text, engine, state)

    def _show_live(self, text: str) -> None:
        self.live = text
        self.status.setText(f"{self.persona.first_name} is answering…")
        self._render()

    def _over(self) -> None:
        self.buffer.stop()
        self.job = None
        self.live = ""
        self._render()
        self._update_buttons()
        self.input.setFocus(Qt.OtherFocusReason)

    def _finished(self, reply) -> None:
        if reply.text.strip():
            self.lines.append(("client", reply.text))
        else:
            self.lines.append(("note", "(stopped before a word; say it again)"))
        self._over()
        self.status.setText("Stopped." if reply.stopped else "")
        self.replyEnded.emit(reply.text)

    def _failed(self, message: str) -> None:
        self.lines.append(("note", "(no reply)"))
        self._over()
        self.status.setText(f"The client could not reply. {message}")
        self.replyEnded.emit("")

    def _cancelled(self) -> None:
        self.lines.append(("note", "(stopped)"))
        self._over()
        self.status.setText("Stopped.")
        self.replyEnded.emit("")

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key_Escape and self.job is not None:
            self.stop()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:  # closing the dialog stops a reply under way
        self.stop()
        super().done(result)

    # ---- view ----------------------------------------------------------------
    def _update_buttons(self) -> None:
        busy = self.job is not None
        self.send_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)

    def transcript_lines(self) -> list[tuple[str, str]]:
        lines = list(self.lines)
        if self.job is not None:
            lines.append(("client", self.live + " …"))
        return lines

    def _render(self) -> None:
        e = html.escape
        first = e(self.persona.first_name)
        rows = []
        for speaker, text in self.transcript_lines():
            if speaker == "note":
                rows.append(f"<p style='color:#6b7780'><i>{e(text)}</i></p>")
                continue
            who = first if speaker == "client" else "You"
            colour = "#1e4b51" if speaker == "client" else "#5a4a7a"
            rows.append(f"<p><b style='color:{colour}'>{who}</b><br>{e(text)}</p>")
        self.transcript.setHtml("".join(rows))
        bar = self.transcript.verticalScrollBar()
        bar.setValue(bar.maximum())
