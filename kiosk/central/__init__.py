"""The clinic's central PostgreSQL: its schema and roles (``schema``), connections with a
deadline on every call (``db``), and enrolment of kiosk and station logins (``schema.enrol``).

Kiosks stay SQLite-first and send closed intakes here with ``kiosk.ship``; they can only call
the ingest functions. Nurse stations read intakes and record reviews. See ``docs/deploy.md``.
"""
