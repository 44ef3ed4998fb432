"""Sealed pile records: the PostgreSQL-backed ledger, its sealer, checkpoints, witness,
bundles and verifiers. The pure cryptography lives in :mod:`ledger`; this package adds the
storage, the services and the file formats around it (see ``docs/ledger.md``)."""
