-- The tutorial's function (page "Calling a PostgreSQL function"): the parts a
-- vendor supplies, joined through vendor_parts.
CREATE OR REPLACE FUNCTION get_parts_by_vendor(id integer)
    RETURNS TABLE(part_id integer, part_name varchar)
AS $$
BEGIN
    RETURN QUERY
    SELECT parts.part_id, parts.part_name
    FROM parts
    INNER JOIN vendor_parts ON vendor_parts.part_id = parts.part_id
    WHERE vendor_parts.vendor_id = id;
END;
$$ LANGUAGE plpgsql;
