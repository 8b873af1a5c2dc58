"""ClientSim: practise counselling on a simulated client, offline."""

__version__ = "0.1.0"
