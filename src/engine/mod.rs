//! The import engine: scheduling (bounded concurrency, one request at a time per customer, rate cap, AIMD on
//! 429/409), retries, the journal, results files and the `ImportReport` aggregate that both the headless
//! printer and the wizard's run screen consume. Knows nothing of terminals.
