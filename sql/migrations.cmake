# Schema migrations, applied in this order by `suppliers-server migrate` and
# embedded into the server binary. Append new files; never edit applied ones
# (the runner refuses a changed checksum).
set(SUPPLIERS_MIGRATIONS
  0001_create_tables.sql
  0002_get_parts_by_vendor.sql
  0003_add_new_part.sql
  0004_api_support.sql
  0005_drawing_digests.sql
  0006_change_feed.sql)
