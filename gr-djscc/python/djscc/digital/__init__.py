"""The digital baseline: separate source coding (AVIF / JPEG at small byte budgets), gr-fec
LDPC channel coding and Gray QAM, in the same k = H*W/4 symbols an image as DA-DJSCC at
1/12 (256 at 32x32: one codeword; whole codewords of 256 symbols for larger images).
One concept a module: source, ldpc, modulation, mcs, link; codec for djscc-eval."""
