-- The tutorial's four tables ("Create tables" page), exactly: names, types,
-- keys and ON UPDATE/ON DELETE CASCADE foreign keys.

CREATE TABLE vendors (
    vendor_id SERIAL PRIMARY KEY,
    vendor_name VARCHAR(255) NOT NULL
);

CREATE TABLE parts (
    part_id SERIAL PRIMARY KEY,
    part_name VARCHAR(255) NOT NULL
);

CREATE TABLE part_drawings (
    part_id INTEGER PRIMARY KEY,
    file_extension VARCHAR(5) NOT NULL,
    drawing_data BYTEA NOT NULL,
    FOREIGN KEY (part_id)
        REFERENCES parts (part_id)
        ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE vendor_parts (
    vendor_id INTEGER NOT NULL,
    part_id INTEGER NOT NULL,
    PRIMARY KEY (vendor_id, part_id),
    FOREIGN KEY (vendor_id)
        REFERENCES vendors (vendor_id)
        ON UPDATE CASCADE ON DELETE CASCADE,
    FOREIGN KEY (part_id)
        REFERENCES parts (part_id)
        ON UPDATE CASCADE ON DELETE CASCADE
);

-- Drawings are stored out of line and uncompressed (STORAGE EXTERNAL). With
-- the default EXTENDED storage a large bytea is compressed, so reading any
-- byte range (substring(drawing_data FROM x FOR n)) must fetch and
-- decompress the whole value first. EXTERNAL keeps the TOAST chunks raw, so
-- PostgreSQL fetches only the ~2 KB chunks that cover the requested range:
-- ranged and chunked downloads cost what they read, not the drawing's size.
-- Drawings (PNG, PDF, CAD exports) are mostly compressed already, so little
-- space is lost.
ALTER TABLE part_drawings ALTER COLUMN drawing_data SET STORAGE EXTERNAL;
