"""The persona editor: write a new client, edit or duplicate one, without touching JSON.

- ``schema_nodes``: the persona JSON Schema read as form fields
- ``fields``: the editor each kind of field gets (line, paragraph, number, choice, list, group)
- ``schema_form``: the form generated from the schema, each problem beside its field
- ``controller``: checks (debounced, real validator), autosaves the draft, saves for use
- ``editor_view``: the page (form, trainee-brief preview, buttons)
- ``try_dialog``: "Try this client", a short test chat that is never stored

The Qt-free part lives in ``clientsim.personas.authoring`` (PersonaEdit),
``personas.drafts`` and ``personas.sources``; the test chat in ``sessions.tryout``.
"""
