"""Multi-reader multi-case (MRMC) reader-study statistics. Pure numpy/scipy, no Django."""
