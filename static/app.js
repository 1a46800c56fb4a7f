// techledger pages: shared helpers (filled in by the pages).
