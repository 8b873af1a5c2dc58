"""Voice: the student speaks to the simulated client and hears it answer, offline.

Qt-free. Hardware comes in through constructors (``AudioBackend``), so tests
feed real WAV files through a fake sound device. Pieces, a file per idea:

- ``audio``      AudioBackend protocol; ``SoundDeviceBackend`` wraps sounddevice (imported lazily)
- ``wavio``      WAV read/write and resampling to 16 kHz mono float32
- ``vad``        Silero VAD (ONNX, no torch) on 512-sample frames; energy VAD fallback
- ``endpoint``   turn end-pointing: pre-roll, start and end of speech
- ``microphone`` an open input stream delivering frames and levels; device loss
- ``stt``        faster-whisper recogniser (local model dirs only)
- ``tts``        piper voices in-process; ``voices`` finds .onnx voices in models folders
- ``chunker``    splits a streaming reply into speakable pieces (short first piece)
- ``player``     plays pieces, stops at once for barge-in, knows how much was spoken
- ``speaker``    speaks a reply while it is still being written
- ``threads``    the CPU thread budget for recognition, generation and synthesis
- ``pipeline``   ``VoiceTurnPipeline`` ties them together; job functions take a JobState
- ``warmup``     loads and warms every model at session start
"""
