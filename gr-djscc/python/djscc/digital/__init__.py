"""The digital baseline: separate source coding (AVIF / JPEG at tiny byte budgets), gr-fec
LDPC channel coding and Gray QAM, in the same k = 256 symbols per 32x32 image as DA-DJSCC
at 1/12. One concept a module: source, ldpc, modulation, mcs, link."""
