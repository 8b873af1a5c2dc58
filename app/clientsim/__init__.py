"""ClientSim: practise counselling on a simulated client, offline."""

import os as _os

# llama.cpp and CTranslate2 use OpenMP. With the default (spinning) wait policy,
# threads that wait for work burn the CPU; on 2 cores shared with the UI, audio
# and speech recognition this made generation 15x slower in our measurements
# (1.0 vs 18.6 tok/s for SmolLM2 under load). Passive waiting costs little when
# the machine is idle and keeps the app responsive when it is not. Must be set
# before the OpenMP runtime loads, hence here.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# numpy's OpenBLAS only ever sees small matrices here (the MI coder's linear
# models, report figures); in a trial of a numpy sentence encoder its worker
# threads made a 20x384 @ 384x1536 product 20x slower on 2 shared cores
# (15 ms vs 0.7 ms) than one thread.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
