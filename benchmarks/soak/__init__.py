"""The soak and chaos harness (`make soak`, `make soak CHAOS=1`): simulated engines and readers
against gunicorn on PostgreSQL, a record of every acknowledged write, and a checker that compares
the record with the database afterwards. `run.py` says how a run goes."""
