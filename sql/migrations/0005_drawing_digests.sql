-- SHA-256 and size of every drawing, kept by a trigger so that they are right
-- whoever writes part_drawings (this service, psql, the tutorial's Python).
-- A download announces both in its first message without reading the whole
-- value first.
CREATE TABLE drawing_digests (
    part_id integer PRIMARY KEY
        REFERENCES part_drawings (part_id) ON UPDATE CASCADE ON DELETE CASCADE,
    sha256 bytea NOT NULL,
    size_bytes bigint NOT NULL
);

CREATE FUNCTION record_drawing_digest() RETURNS trigger AS $$
BEGIN
    INSERT INTO drawing_digests (part_id, sha256, size_bytes)
    VALUES (NEW.part_id, sha256(NEW.drawing_data), octet_length(NEW.drawing_data))
    ON CONFLICT (part_id) DO UPDATE
        SET sha256 = EXCLUDED.sha256, size_bytes = EXCLUDED.size_bytes;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER part_drawings_digest
    AFTER INSERT OR UPDATE OF drawing_data ON part_drawings
    FOR EACH ROW EXECUTE FUNCTION record_drawing_digest();

INSERT INTO drawing_digests (part_id, sha256, size_bytes)
SELECT part_id, sha256(drawing_data), octet_length(drawing_data)
FROM part_drawings;
