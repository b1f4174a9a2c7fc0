-- What the gRPC API needs beyond the tutorial's schema; the tutorial's tables
-- are unchanged.

-- Keyset pagination by name (ListVendors/ListParts, order_by name) and the
-- lookup of a part's vendors (the vendor_parts key starts with vendor_id).
CREATE INDEX vendors_name_id_idx ON vendors (vendor_name, vendor_id);
CREATE INDEX parts_name_id_idx ON parts (part_name, part_id);
CREATE INDEX vendor_parts_part_id_idx ON vendor_parts (part_id, vendor_id);

-- Idempotency keys of create calls (AIP-155): a retry with the same
-- request_id returns the stored response instead of inserting again. Kept
-- 24 hours.
CREATE TABLE request_ids (
    request_id uuid PRIMARY KEY,
    method text NOT NULL,
    request_fingerprint text NOT NULL,
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_ids_created_at_idx ON request_ids (created_at);
