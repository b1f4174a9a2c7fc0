#!/usr/bin/env node
'use strict';
// Follows the change feed (ChangeFeedService.WatchChanges): one line per
// committed change of vendors, parts, their links and drawings, made by
// anyone (the API, psql). Runs until interrupted, or until COUNT events.
// On an error it prints the checkpoint to resume from (AFTER).
// Usage: node examples/watch.js [HOST:PORT] [COUNT] [AFTER]
const { connect, errorDetails, status } = require('..');

const target = process.argv[2] || '127.0.0.1:50051';
const count = Number(process.argv[3] || 0);
// int64 fields are strings (longs: String). Without AFTER the watch starts
// from now on (afterSequence absent); AFTER=0 is from the first event.
const after = process.argv[4];

const c = connect(target);
// No deadline: a watch lasts until it is cancelled. kinds [] is every kind.
const stream = c.changes.watchChanges(
  after === undefined ? { kinds: [] } : { afterSequence: after, kinds: [] });
let seen = 0;
let checkpoint = after;

function describe(e) {
  const op = e.operation.replace('CHANGE_OPERATION_', '').toLowerCase();
  const kind = e.kind.replace('RESOURCE_KIND_', '').toLowerCase();
  let line = `${e.sequence} ${op} ${kind}`;
  if (e.partId) line += ` part_id=${e.partId}`;
  if (e.vendorId) line += ` vendor_id=${e.vendorId}`;
  // oneofs: true names the member of `resource` that is set.
  if (e.resource === 'vendor') line += ` ${JSON.stringify(e.vendor.vendorName)}`;
  if (e.resource === 'part') line += ` ${JSON.stringify(e.part.partName)}`;
  if (e.resource === 'drawing') line += ` ${e.drawing.fileExtension} ${e.drawing.sizeBytes} bytes`;
  return line;
}

stream.on('data', (message) => {
  // A message without events is a heartbeat: only the checkpoint moves.
  for (const e of message.events) {
    if (count && seen >= count) break;
    console.log(describe(e));
    seen += 1;
    checkpoint = e.sequence;
  }
  if (!count || seen < count) checkpoint = message.checkpointSequence;
  else stream.cancel();
});
stream.on('error', (err) => {
  c.close();
  if (err.code === status.CANCELLED && count && seen >= count) return;
  const d = errorDetails(err);
  console.error(`error: ${d.codeName}: ${d.message}` +
    (d.errorInfo ? ` (${d.errorInfo.reason})` : '') + `; resume with AFTER=${checkpoint}`);
  process.exitCode = 1;
});
stream.on('end', () => c.close());
