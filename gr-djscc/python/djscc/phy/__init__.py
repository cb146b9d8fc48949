"""The physical layer in numpy (no GNU Radio import): framing, pulse shaping, burst
synchronization, pilot-based channel and SNR estimation, equalization."""
