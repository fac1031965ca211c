"""The kiosk's storage, a package of focused parts (``../shared/design/redesign.md`` section 1):

- ``db``: the connection, pragmas, transactions, the replaced-file checks; ``errors``;
- ``schema``: the migrations;
- ``intakes``, ``queue`` (with the pure ``queue_columns``), ``outbox``, ``accounts``,
  ``reviews``, ``settings``, ``audit``, ``maintenance`` (backup, check, retention);
- ``sqlite.Store`` composes them; ``api.StaffStore`` is the Protocol a staff station needs,
  which the central PostgreSQL store (``kiosk.central.store``) implements too.
"""

from kiosk.store.api import DeliveryStore, StaffStore
from kiosk.store.audit import GENESIS, chain_hash
from kiosk.store.db import APP_NAME, DB_FILENAME, default_db_path, now_iso
from kiosk.store.errors import (
    AlreadyExists,
    Busy,
    Closed,
    Corrupt,
    DiskFull,
    Incomplete,
    NewerSchema,
    NotADatabase,
    NotFound,
    ReadOnly,
    Replaced,
    StoreError,
)
from kiosk.store.queue import QUEUE_COLUMNS, QueueFilter, QueueRow, fold, queue_columns, queue_position
from kiosk.store.records import STATUSES, AuditCheck, Delivery, Intake, StaffAccount
from kiosk.store.schema import MIGRATIONS, statements
from kiosk.store.sqlite import Store

__all__ = [
    "APP_NAME",
    "DB_FILENAME",
    "GENESIS",
    "MIGRATIONS",
    "QUEUE_COLUMNS",
    "STATUSES",
    "AlreadyExists",
    "AuditCheck",
    "Busy",
    "Closed",
    "Corrupt",
    "Delivery",
    "DeliveryStore",
    "DiskFull",
    "Incomplete",
    "Intake",
    "NewerSchema",
    "NotADatabase",
    "NotFound",
    "QueueFilter",
    "QueueRow",
    "ReadOnly",
    "Replaced",
    "StaffAccount",
    "StaffStore",
    "Store",
    "StoreError",
    "chain_hash",
    "default_db_path",
    "fold",
    "now_iso",
    "queue_columns",
    "queue_position",
    "statements",
]
