-- The change feed's outbox (WatchChanges). Triggers on the four tutorial
-- tables record every insert, update and delete in the same transaction as
-- the change, whoever makes it (this service, psql, the tutorial's Python),
-- so an event exists exactly when its change committed. NOTIFY only wakes
-- the servers; the tables are the truth, which is why a watcher that
-- reconnects, or a server that lost its LISTEN connection, misses nothing.
--
-- Sequences follow commit order. A sequence taken when a row changes would
-- not: a transaction holding 5 may commit after another holding 6, and a
-- watcher already past 6 would never see 5. So events are numbered inside
-- their transaction as they happen (change_events.ordinal), and the
-- transaction takes its range of sequences at COMMIT time, in a deferred
-- trigger that holds an advisory lock until the commit is done: from that
-- trigger to the end of the commit one transaction at a time. A watcher's
-- sequence of an event is change_transactions.first_seq + ordinal - 1.

-- One row per transaction that changed something.
CREATE TABLE change_transactions (
    txid xid8 PRIMARY KEY,
    -- Set at commit (change_feed_sequence_transaction); never NULL once
    -- visible to other sessions.
    first_seq bigint,
    last_seq bigint,
    committed_at timestamptz,
    -- Touched only to queue the sequencing trigger again (see
    -- change_feed_advance).
    rearmed_at_count bigint
);
CREATE UNIQUE INDEX change_transactions_last_seq_idx
    ON change_transactions (last_seq);
CREATE INDEX change_transactions_committed_at_idx
    ON change_transactions (committed_at);

-- One row per changed row. kind and operation are the numbers of
-- suppliers.v1.ResourceKind and ChangeOperation.
CREATE TABLE change_events (
    txid xid8 NOT NULL,
    ordinal bigint NOT NULL,
    kind smallint NOT NULL,        -- 1 vendor, 2 part, 3 vendor_part, 4 drawing
    operation smallint NOT NULL,   -- 1 insert, 2 update, 3 delete
    vendor_id integer,
    part_id integer,
    name text,                     -- vendor_name or part_name, after the change
    file_extension text,           -- drawings
    size_bytes bigint,             -- drawings
    PRIMARY KEY (txid, ordinal)
);

CREATE SEQUENCE change_sequence;

-- Retention: events up to pruned_through were deleted; a watcher resuming
-- from before it must resync (OUT_OF_RANGE).
CREATE TABLE change_feed_state (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO change_feed_state DEFAULT VALUES;

-- How many events this transaction recorded so far. A transaction-local
-- setting: a rolled-back savepoint rolls the count back with its events.
CREATE FUNCTION change_feed_count() RETURNS bigint AS $$
    SELECT COALESCE(NULLIF(current_setting('suppliers.change_count', true), ''),
                    '0')::bigint;
$$ LANGUAGE sql STABLE;

-- How many of them were given sequences already: 0 until the sequencing
-- trigger fired, which is at commit unless a client ran SET CONSTRAINTS
-- ... IMMEDIATE (then it fires after each statement).
CREATE FUNCTION change_feed_sequenced_count() RETURNS bigint AS $$
    SELECT COALESCE(NULLIF(current_setting('suppliers.change_sequenced', true), ''),
                    '0')::bigint;
$$ LANGUAGE sql STABLE;

-- Records that `added` more events follow `before`; the transaction's first
-- events register it for sequencing at commit. The count is set first, so
-- that a trigger fired at once (SET CONSTRAINTS ... IMMEDIATE) sees them.
-- Once the trigger has fired, new events queue it again (rearmed_at_count):
-- without that, events after an IMMEDIATE firing would never be sequenced.
CREATE FUNCTION change_feed_advance(before bigint, added bigint) RETURNS void AS $$
BEGIN
    PERFORM set_config('suppliers.change_count', (before + added)::text, true);
    IF before = 0 THEN
        INSERT INTO change_transactions (txid) VALUES (pg_current_xact_id())
        ON CONFLICT (txid) DO NOTHING;
    ELSIF change_feed_sequenced_count() > 0 THEN
        UPDATE change_transactions SET rearmed_at_count = before + added
        WHERE txid = pg_current_xact_id();
    END IF;
END;
$$ LANGUAGE plpgsql;

-- At commit: the transaction's range of sequences, in commit order (see the
-- top of this file), then a wake-up for the listening servers. Fired early
-- (SET CONSTRAINTS ... IMMEDIATE), it numbers the events so far and keeps
-- the lock to the end of the transaction; later firings extend the range,
-- which stays contiguous because nobody else can take sequences meanwhile.
-- SECURITY DEFINER: setval needs UPDATE on the sequence, which writers need
-- not hold.
CREATE FUNCTION change_feed_sequence_transaction() RETURNS trigger AS $$
DECLARE
    n bigint := change_feed_count();
    done bigint := change_feed_sequenced_count();
    first bigint;
BEGIN
    IF n <= done THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(7395001, 1);
    IF done = 0 THEN
        first := nextval('change_sequence');
        UPDATE change_transactions
        SET first_seq = first, last_seq = first + n - 1,
            committed_at = clock_timestamp()
        WHERE txid = NEW.txid;
    ELSE
        UPDATE change_transactions
        SET last_seq = first_seq + n - 1, committed_at = clock_timestamp()
        WHERE txid = NEW.txid
        RETURNING first_seq INTO first;
    END IF;
    IF n > 1 THEN
        PERFORM setval('change_sequence', first + n - 1);
    END IF;
    PERFORM set_config('suppliers.change_sequenced', n::text, true);
    PERFORM pg_notify('suppliers_changes', (first + n - 1)::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;

-- UPDATE OF rearmed_at_count only: the trigger's own UPDATE does not queue
-- it again.
CREATE CONSTRAINT TRIGGER change_transactions_sequence
    AFTER INSERT OR UPDATE OF rearmed_at_count ON change_transactions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION change_feed_sequence_transaction();

-- Statement-level triggers with transition tables: one INSERT ... SELECT per
-- statement, however many rows it changed (a COPY of a million vendors
-- records its events in one statement, not a million).
CREATE FUNCTION record_vendor_changes() RETURNS trigger AS $$
DECLARE
    tx xid8 := pg_current_xact_id();
    before bigint := change_feed_count();
    added bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_events (txid, ordinal, kind, operation, vendor_id)
        SELECT tx, before + row_number() OVER (), 1, 3, vendor_id FROM old_rows;
    ELSE
        INSERT INTO change_events (txid, ordinal, kind, operation, vendor_id, name)
        SELECT tx, before + row_number() OVER (), 1,
               CASE TG_OP WHEN 'INSERT' THEN 1 ELSE 2 END, vendor_id, vendor_name
        FROM new_rows;
    END IF;
    GET DIAGNOSTICS added = ROW_COUNT;
    IF added > 0 THEN
        PERFORM change_feed_advance(before, added);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION record_part_changes() RETURNS trigger AS $$
DECLARE
    tx xid8 := pg_current_xact_id();
    before bigint := change_feed_count();
    added bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_events (txid, ordinal, kind, operation, part_id)
        SELECT tx, before + row_number() OVER (), 2, 3, part_id FROM old_rows;
    ELSE
        INSERT INTO change_events (txid, ordinal, kind, operation, part_id, name)
        SELECT tx, before + row_number() OVER (), 2,
               CASE TG_OP WHEN 'INSERT' THEN 1 ELSE 2 END, part_id, part_name
        FROM new_rows;
    END IF;
    GET DIAGNOSTICS added = ROW_COUNT;
    IF added > 0 THEN
        PERFORM change_feed_advance(before, added);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION record_vendor_part_changes() RETURNS trigger AS $$
DECLARE
    tx xid8 := pg_current_xact_id();
    before bigint := change_feed_count();
    added bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_events (txid, ordinal, kind, operation, vendor_id, part_id)
        SELECT tx, before + row_number() OVER (), 3, 3, vendor_id, part_id
        FROM old_rows;
    ELSE
        INSERT INTO change_events (txid, ordinal, kind, operation, vendor_id, part_id)
        SELECT tx, before + row_number() OVER (), 3,
               CASE TG_OP WHEN 'INSERT' THEN 1 ELSE 2 END, vendor_id, part_id
        FROM new_rows;
    END IF;
    GET DIAGNOSTICS added = ROW_COUNT;
    IF added > 0 THEN
        PERFORM change_feed_advance(before, added);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Drawings change one row at a time, and a row trigger reads the new row
-- without copying its (large) drawing_data into a transition table.
CREATE FUNCTION record_drawing_change() RETURNS trigger AS $$
DECLARE
    before bigint := change_feed_count();
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_events (txid, ordinal, kind, operation, part_id)
        VALUES (pg_current_xact_id(), before + 1, 4, 3, OLD.part_id);
    ELSE
        INSERT INTO change_events (txid, ordinal, kind, operation, part_id,
                                   file_extension, size_bytes)
        VALUES (pg_current_xact_id(), before + 1, 4,
                CASE TG_OP WHEN 'INSERT' THEN 1 ELSE 2 END, NEW.part_id,
                NEW.file_extension, octet_length(NEW.drawing_data));
    END IF;
    PERFORM change_feed_advance(before, 1);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Transition tables allow one event per trigger, hence three per table.
CREATE TRIGGER vendors_change_insert AFTER INSERT ON vendors
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_vendor_changes();
CREATE TRIGGER vendors_change_update AFTER UPDATE ON vendors
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_vendor_changes();
CREATE TRIGGER vendors_change_delete AFTER DELETE ON vendors
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_vendor_changes();
CREATE TRIGGER parts_change_insert AFTER INSERT ON parts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_part_changes();
CREATE TRIGGER parts_change_update AFTER UPDATE ON parts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_part_changes();
CREATE TRIGGER parts_change_delete AFTER DELETE ON parts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_part_changes();
CREATE TRIGGER vendor_parts_change_insert AFTER INSERT ON vendor_parts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_vendor_part_changes();
CREATE TRIGGER vendor_parts_change_update AFTER UPDATE ON vendor_parts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_vendor_part_changes();
CREATE TRIGGER vendor_parts_change_delete AFTER DELETE ON vendor_parts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_vendor_part_changes();
CREATE TRIGGER part_drawings_change AFTER INSERT OR UPDATE OR DELETE
    ON part_drawings
    FOR EACH ROW EXECUTE FUNCTION record_drawing_change();
