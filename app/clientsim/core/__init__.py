"""Qt-free building blocks shared by every capability."""
