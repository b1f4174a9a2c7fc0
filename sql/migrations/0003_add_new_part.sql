-- The tutorial's stored procedure (page "Calling a stored procedure"): inserts
-- a part and a vendor and links them, in the caller's transaction.
CREATE OR REPLACE PROCEDURE add_new_part(
    new_part_name varchar,
    new_vendor_name varchar
)
AS $$
DECLARE
    v_part_id integer;
    v_vendor_id integer;
BEGIN
    INSERT INTO parts(part_name)
    VALUES (new_part_name)
    RETURNING part_id INTO v_part_id;

    INSERT INTO vendors(vendor_name)
    VALUES (new_vendor_name)
    RETURNING vendor_id INTO v_vendor_id;

    INSERT INTO vendor_parts(part_id, vendor_id)
    VALUES (v_part_id, v_vendor_id);
END;
$$ LANGUAGE plpgsql;
