#!/usr/bin/env node
'use strict';
// Replays the suppliers tutorial against a fresh server through the Node
// client, checking every result: vendors, parts and their links, pages,
// etags, a streamed drawing checked by SHA-256, errors with their
// google.rpc details, deletes. Expects an empty database (ids start at 1);
// exits 1 at the first result that differs.
// Usage: node examples/tutorial.js [HOST:PORT] [DRAWING_BYTES]
const assert = require('assert');
const crypto = require('crypto');
const { connect, call, errorDetails, uploadDrawing, downloadDrawing, ERROR_DOMAIN } = require('..');

const target = process.argv[2] || '127.0.0.1:50051';
const drawingBytes = Number(process.argv[3] || 3 * 1024 * 1024 + 12345);

function expect(what, got, want) {
  assert.deepStrictEqual(got, want, what);
  console.log(`ok - ${what}`);
}
// Awaits a call that must fail; returns errorDetails of its error.
async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    return errorDetails(err);
  }
  throw new Error('the call succeeded');
}
const ids = (list, key) => list.map((x) => x[key]);

async function main() {
  const c = connect(target);
  try {
    // --- Vendors -------------------------------------------------------------
    let r = await call(c.vendors, 'createVendor', { vendor: { vendorName: '3M Co.' } });
    expect('CreateVendor 3M Co. -> vendor 1', [r.vendor.vendorId, r.vendor.vendorName], [1, '3M Co.']);
    const etag1 = r.vendor.etag;
    expect('CreateVendor returns an etag', etag1 !== '', true);

    const six = ['AKM Semiconductor Inc.', 'Asahi Glass Co Ltd.', 'Daikin Industries Ltd.',
      'Dynacast International Inc.', 'Foster Electric Co. Ltd.', 'Murata Manufacturing Co. Ltd.'];
    r = await call(c.vendors, 'batchCreateVendors', { vendors: six.map((vendorName) => ({ vendorName })) });
    expect('BatchCreateVendors: ids 2..7', ids(r.vendors, 'vendorId'), [2, 3, 4, 5, 6, 7]);
    expect('BatchCreateVendors: names in request order', ids(r.vendors, 'vendorName'), six);

    r = await call(c.vendors, 'getVendor', { vendorId: 4 });
    expect('GetVendor 4', r.vendor.vendorName, 'Daikin Industries Ltd.');

    // Pagination: follow nextPageToken until it is empty ('' by defaults: true).
    const pages = [];
    let pageToken = '';
    do {
      r = await call(c.vendors, 'listVendors', { pageSize: 3, orderBy: 'VENDOR_ORDER_NAME_DESC', pageToken });
      pages.push(ids(r.vendors, 'vendorId'));
      pageToken = r.nextPageToken;
    } while (pageToken !== '');
    expect('ListVendors: 3 pages of 3, name descending', pages, [[7, 6, 5], [4, 3, 2], [1]]);
    r = await call(c.vendors, 'listVendors', { orderBy: 'VENDOR_ORDER_ID_DESC', nameContains: 'co.' });
    expect('ListVendors nameContains co., id descending', ids(r.vendors, 'vendorId'), [7, 6, 1]);

    r = await call(c.vendors, 'batchGetVendors', { vendorIds: [7, 1, 7] });
    expect('BatchGetVendors: request order, duplicates kept', ids(r.vendors, 'vendorId'), [7, 1, 7]);

    // Update with the etag read at creation; FieldMask paths are proto names.
    const updateMask = { paths: ['vendor_name'] };
    r = await call(c.vendors, 'updateVendor', { vendor: { vendorId: 1, vendorName: '3M Corp', etag: etag1 }, updateMask });
    expect('UpdateVendor 1 -> 3M Corp, updatedRows 1', [r.vendor.vendorName, r.updatedRows], ['3M Corp', 1]);
    expect('UpdateVendor moves the etag', r.vendor.etag !== etag1, true);
    let d = await failure(call(c.vendors, 'updateVendor', { vendor: { vendorId: 1, vendorName: '3M Stale', etag: etag1 }, updateMask }));
    expect('UpdateVendor with a stale etag: ABORTED ETAG_MISMATCH', [d.codeName, d.errorInfo.reason], ['ABORTED', 'ETAG_MISMATCH']);

    // --- Parts ---------------------------------------------------------------
    const p1 = await call(c.parts, 'createPart', { part: { partName: 'SIM Tray', vendorIds: [1, 2] } });
    expect('CreatePart SIM Tray -> part 1, vendors 1, 2', [p1.part.partId, p1.part.vendorIds], [1, [1, 2]]);
    r = await call(c.parts, 'createPart', { part: { partName: 'Speaker', vendorIds: [4, 3] } });
    expect('CreatePart Speaker -> part 2, vendor ids ascending', [r.part.partId, r.part.vendorIds], [2, [3, 4]]);

    r = await call(c.parts, 'updatePart', { part: { partId: 1, partName: 'Nano SIM Tray', etag: p1.part.etag }, updateMask: { paths: ['part_name'] } });
    expect('UpdatePart 1 -> Nano SIM Tray (etag), links unchanged', [r.part.partName, r.part.vendorIds], ['Nano SIM Tray', [1, 2]]);

    r = await call(c.parts, 'addPartVendors', { partId: 1, vendorIds: [2, 5] });
    expect('AddPartVendors: one new link (2 was linked)', [r.part.vendorIds, r.addedLinks], [[1, 2, 5], 1]);
    r = await call(c.parts, 'removePartVendors', { partId: 1, vendorIds: [1, 6] });
    expect('RemovePartVendors: one link removed', [r.part.vendorIds, r.removedLinks], [[2, 5], 1]);

    r = await call(c.parts, 'listParts', { orderBy: 'PART_ORDER_ID_DESC', pageSize: 1 });
    expect('ListParts id descending, page 1 of 2', [ids(r.parts, 'partId'), r.nextPageToken !== ''], [[2], true]);
    r = await call(c.parts, 'listParts', { orderBy: 'PART_ORDER_ID_DESC', pageSize: 1, pageToken: r.nextPageToken });
    expect('ListParts page 2 is the last', [ids(r.parts, 'partId'), r.nextPageToken], [[1], '']);

    r = await call(c.parts, 'listPartsByVendor', { vendorId: 2 });
    expect('ListPartsByVendor 2', ids(r.parts, 'partName'), ['Nano SIM Tray']);
    r = await call(c.parts, 'addPartWithNewVendor', { partName: 'OLED', vendorName: 'LG' });
    expect('AddPartWithNewVendor OLED/LG -> part 3, vendor 8', [r.partId, r.vendorId], [3, 8]);
    r = await call(c.parts, 'listPartVendorPairs', {});
    expect("ListPartVendorPairs: the tutorial's join", r.pairs.map((p) => [p.partName, p.vendorName]), [
      ['Nano SIM Tray', 'AKM Semiconductor Inc.'], ['Nano SIM Tray', 'Dynacast International Inc.'],
      ['OLED', 'LG'], ['Speaker', 'Asahi Glass Co Ltd.'], ['Speaker', 'Daikin Industries Ltd.']]);

    // --- Drawings: a few MiB of pseudo-random bytes, up and down -------------
    // Pseudo-random but reproducible: a SHA-256 chain from a fixed seed.
    const drawing = Buffer.alloc(drawingBytes);
    for (let i = 0, block = Buffer.from('seed'); i < drawingBytes; i += 32) {
      block = crypto.createHash('sha256').update(block).digest();
      block.copy(drawing, i, 0, Math.min(32, drawingBytes - i));
    }
    const sha = crypto.createHash('sha256').update(drawing).digest('hex');
    let started = Date.now();
    r = await uploadDrawing(c.drawings, { partId: 1, fileExtension: 'png', data: drawing });
    expect(`UploadDrawing: ${drawingBytes} bytes for part 1 (${Date.now() - started} ms)`,
      [r.metadata.sizeBytes, r.metadata.fileName, r.metadata.sha256, r.replaced],
      [String(drawingBytes), 'Nano SIM Tray.png', sha, false]);
    r = await call(c.drawings, 'getDrawingMetadata', { partId: 1 });
    expect('GetDrawingMetadata (int64 as string)', [r.metadata.fileExtension, r.metadata.sizeBytes, r.metadata.sha256], ['png', String(drawingBytes), sha]);
    started = Date.now();
    const down = await downloadDrawing(c.drawings, { partId: 1 });
    expect(`DownloadDrawing streams the same bytes back, SHA-256 checked (${Date.now() - started} ms)`,
      [down.metadata.rangeLength, crypto.createHash('sha256').update(down.data).digest('hex')], [String(drawingBytes), sha]);
    const range = await downloadDrawing(c.drawings, { partId: 1, readOffset: '1000', readLimit: '70000' });
    expect('DownloadDrawing range 1000+70000', [range.metadata.rangeOffset, range.data.equals(drawing.subarray(1000, 71000))], ['1000', true]);

    // --- Errors with their google.rpc details ---------------------------------
    d = await failure(call(c.vendors, 'createVendor', { vendor: { vendorName: '' } }));
    expect('CreateVendor with an empty name: INVALID_ARGUMENT, BadRequest names vendor.vendor_name',
      [d.codeName, d.badRequest.fieldViolations[0].field, d.errorInfo.reason, d.errorInfo.domain],
      ['INVALID_ARGUMENT', 'vendor.vendor_name', 'INVALID_FIELD', ERROR_DOMAIN]);
    console.log(`     message: ${JSON.stringify(d.message)}; violation: ${JSON.stringify(d.badRequest.fieldViolations[0].description)}`);
    d = await failure(call(c.vendors, 'getVendor', { vendorId: 999 }));
    expect('GetVendor 999: NOT_FOUND VENDOR_NOT_FOUND, metadata vendor_id',
      [d.codeName, d.errorInfo.reason, d.errorInfo.metadata.vendor_id], ['NOT_FOUND', 'VENDOR_NOT_FOUND', '999']);
    d = await failure(uploadDrawing(c.drawings, { partId: 1, fileExtension: 'p.n.g', data: Buffer.from('x') }));
    expect('UploadDrawing with a bad extension: INVALID_ARGUMENT naming the extension',
      [d.codeName, d.badRequest.fieldViolations[0].field], ['INVALID_ARGUMENT', 'header.file_extension']);
    // A snake_case key is refused by the client before anything is sent.
    d = await failure(call(c.vendors, 'createVendor', { vendor: { vendor_name: 'dropped?' } }));
    expect('a snake_case key is refused, not silently dropped', [d.codeName, /has no field "vendor_name".*vendorName/.test(d.message)], ['INTERNAL', true]);

    // --- Deletes -------------------------------------------------------------
    r = await call(c.drawings, 'deleteDrawing', { partId: 1 });
    expect('DeleteDrawing: one row', r.deletedRows, 1);
    r = await call(c.parts, 'deletePart', { partId: 2 });
    expect('DeletePart 2: one row, two links, no drawing', [r.deletedRows, r.deletedLinks, r.deletedDrawing], [1, 2, false]);
    r = await call(c.vendors, 'deleteVendor', { vendorId: 5 });
    expect('DeleteVendor 5: one row, its link to part 1', [r.deletedRows, r.deletedLinks], [1, 1]);
    r = await call(c.vendors, 'listVendors', { orderBy: 'VENDOR_ORDER_ID_ASC' });
    expect('after the deletes: vendor 5 is gone', ids(r.vendors, 'vendorId'), [1, 2, 3, 4, 6, 7, 8]);
    console.log('tutorial: all steps passed');
  } finally {
    c.close();
  }
}

main().catch((err) => {
  console.error(`FAIL: ${err.message}`);
  process.exit(1);
});
