-- A dead letter keeps at most 64 KiB of its message (schemas/deadletter.py MAX_RAW_BYTES): the table
-- says how large the whole message was and whether raw_b64 holds only its start (such a dead letter
-- cannot be replayed; `sociallisten deadletter replay` leaves it out). Rows written before this
-- migration read 0 for both (they were kept whole up to 512 KiB).
ALTER TABLE dead_letters ADD COLUMN raw_size UInt32;
ALTER TABLE dead_letters ADD COLUMN raw_truncated UInt8;
