'use strict';
// Node.js client of the suppliers gRPC API: the four services (vendors,
// parts, drawings, the change feed) loaded with @grpc/proto-loader from the
// protos bundled by generate.sh, a promise
// helper for unary calls, decoding of the google.rpc error details, and
// streamed drawing upload / download checked by SHA-256.
//
// Field names are camelCase (proto-loader keepCase: false), as in the
// protos' JSON mapping: {vendorName: 'x'}, not {vendor_name: 'x'}. Because
// protobufjs drops unknown keys without a word, every request is checked
// first: a key that is not a field of the message (a snake_case name, a
// typo) throws a TypeError naming it. FieldMask paths stay proto field
// names: updateMask: {paths: ['vendor_name']}.
// int64 fields are strings (longs: String), enums are their names
// (enums: String), unset fields read as their defaults (defaults: true) and
// a oneof's virtual field names the member that is set (oneofs: true), e.g.
// DownloadDrawingResponse.payload === 'metadata' | 'chunk'.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const PROTO_DIR = path.join(__dirname, 'proto');
const SERVICE_FILES = [
  'suppliers/v1/vendor.proto',
  'suppliers/v1/part.proto',
  'suppliers/v1/drawing.proto',
  'suppliers/v1/change_feed.proto',
  'suppliers/v1/bulk.proto',
];
const SERVICE_NAMES = ['VendorService', 'PartService', 'DrawingService', 'ChangeFeedService'];
const RPC_FILES = ['google/rpc/status.proto', 'google/rpc/error_details.proto'];
// Keep in step with the options of proto-loader-gen-types in generate.sh.
const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};
// Chunk size of uploadDrawing (the server takes at most 4 MiB a message).
const UPLOAD_CHUNK_BYTES = 1 << 20;
const ERROR_DOMAIN = 'suppliers.v1';

// The default service config of connect() (client-side load balancing): the
// same as ../service_config.json and the C++ client's
// client/cpp/service_config.h (tests/e2e/load_balancing_test.sh checks this
// copy against that file). round_robin spreads calls over every address
// the target resolves to ('dns:///name:port') and skips a replica that
// stopped; reads (Get*, List*, BatchGet*, Export*, DownloadDrawing,
// GetDrawingMetadata, Health/Check) are retried on UNAVAILABLE, up to 4
// attempts with 0.1 s backoff doubling up to 1 s, each on the next replica
// (a stream only until its first response); writes never; unary calls are
// capped at 30 s (a shorter deadline wins), streams not at all.
const RETRY_POLICY = {
  maxAttempts: 4,
  initialBackoff: '0.1s',
  maxBackoff: '1s',
  backoffMultiplier: 2,
  retryableStatusCodes: ['UNAVAILABLE'],
};
const SERVICE_CONFIG = {
  loadBalancingConfig: [{ round_robin: {} }],
  methodConfig: [
    {
      name: [
      { service: 'grpc.health.v1.Health', method: 'Check' },
      { service: 'suppliers.v1.VendorService', method: 'GetVendor' },
      { service: 'suppliers.v1.VendorService', method: 'ListVendors' },
      { service: 'suppliers.v1.VendorService', method: 'BatchGetVendors' },
      { service: 'suppliers.v1.PartService', method: 'GetPart' },
      { service: 'suppliers.v1.PartService', method: 'ListParts' },
      { service: 'suppliers.v1.PartService', method: 'BatchGetParts' },
      { service: 'suppliers.v1.PartService', method: 'ListPartsByVendor' },
      { service: 'suppliers.v1.PartService', method: 'ListPartVendorPairs' },
      { service: 'suppliers.v1.DrawingService', method: 'GetDrawingMetadata' },
      ],
      timeout: '30s',
      retryPolicy: RETRY_POLICY,
    },
    {
      name: [
      { service: 'suppliers.v1.VendorService', method: 'ExportVendors' },
      { service: 'suppliers.v1.PartService', method: 'ExportParts' },
      { service: 'suppliers.v1.PartService', method: 'ExportPartVendorPairs' },
      { service: 'suppliers.v1.DrawingService', method: 'DownloadDrawing' },
      ],
      retryPolicy: RETRY_POLICY,
    },
    {
      name: [
      { service: 'suppliers.v1.VendorService', method: 'CreateVendor' },
      { service: 'suppliers.v1.VendorService', method: 'BatchCreateVendors' },
      { service: 'suppliers.v1.VendorService', method: 'UpdateVendor' },
      { service: 'suppliers.v1.VendorService', method: 'DeleteVendor' },
      { service: 'suppliers.v1.PartService', method: 'CreatePart' },
      { service: 'suppliers.v1.PartService', method: 'UpdatePart' },
      { service: 'suppliers.v1.PartService', method: 'DeletePart' },
      { service: 'suppliers.v1.PartService', method: 'AddPartVendors' },
      { service: 'suppliers.v1.PartService', method: 'RemovePartVendors' },
      { service: 'suppliers.v1.PartService', method: 'AddPartWithNewVendor' },
      { service: 'suppliers.v1.DrawingService', method: 'DeleteDrawing' },
      ],
      timeout: '30s',
    },
  ],
};
const LOAD_BALANCING_POLICIES = ['round_robin', 'pick_first'];

/** SERVICE_CONFIG as JSON with `policy` ('round_robin' or 'pick_first'). */
function serviceConfigJson(policy = 'round_robin') {
  if (!LOAD_BALANCING_POLICIES.includes(policy)) {
    throw new TypeError(`loadBalancing must be one of ${LOAD_BALANCING_POLICIES.join(', ')} or null, not ${policy}`);
  }
  return JSON.stringify({ ...SERVICE_CONFIG, loadBalancingConfig: [{ [policy]: {} }] });
}

// A bundle from before a proto was added lacks its file: say so, not
// protobufjs' ENOENT.
const missingProto = SERVICE_FILES.find((f) => !fs.existsSync(path.join(PROTO_DIR, f)));
if (missingProto) {
  throw new Error(`@suppliers/client: ${path.join(PROTO_DIR, missingProto)} is missing; run ${path.join(__dirname, 'generate.sh')}`);
}

// protobufjs view of the same files (for request checks and error details).
function loadRoot(files) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    const local = path.join(PROTO_DIR, target);
    return fs.existsSync(local) ? local : target; // google/protobuf/*: protobufjs' own
  };
  root.loadSync(files, { keepCase: false });
  root.resolveAll();
  return root;
}
const root = loadRoot([...SERVICE_FILES, ...RPC_FILES]);

// Throws a TypeError for a key of `value` that is not a field (or oneof) of
// `type`, recursively: protobufjs would drop it silently.
function checkKeys(type, value, where) {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Uint8Array) return;
  for (const key of Object.keys(value)) {
    if (value[key] === undefined) continue;
    const field = type.fields[key];
    if (!field) {
      if (type.oneofs && type.oneofs[key]) continue;
      const hint = Object.keys(type.fields).find((f) => f.toLowerCase() === key.replace(/_/g, '').toLowerCase());
      throw new TypeError(`${where}: ${type.fullName.slice(1)} has no field "${key}"` +
        (hint ? ` (did you mean "${hint}"? keys are camelCase)` : ''));
    }
    if (field.resolvedType instanceof protobuf.Type) {
      const sub = field.resolvedType;
      const v = value[key];
      if (field.map) Object.values(v).forEach((x) => checkKeys(sub, x, `${where}.${key}`));
      else if (field.repeated && Array.isArray(v)) v.forEach((x, i) => checkKeys(sub, x, `${where}.${key}[${i}]`));
      else checkKeys(sub, v, `${where}.${key}`);
    }
  }
}

function loadServices() {
  const definition = protoLoader.loadSync(SERVICE_FILES, LOADER_OPTIONS);
  for (const serviceName of SERVICE_NAMES) {
    const full = `suppliers.v1.${serviceName}`;
    const service = root.lookupService(full);
    for (const [methodName, method] of Object.entries(definition[full])) {
      const requestType = service.methods[methodName].resolvedRequestType;
      const serialize = method.requestSerialize;
      method.requestSerialize = (request) => {
        checkKeys(requestType, request, `${serviceName}.${methodName} request`);
        return serialize(request);
      };
    }
  }
  return grpc.loadPackageDefinition(definition).suppliers.v1;
}
const v1 = loadServices();

/**
 * Connects to `target` ("host:port", or "dns:///name:port" to spread calls
 * over every address of the name). Plaintext unless `credentials` (from
 * grpc.credentials) is given. `options` are grpc-js channel options, plus
 * `loadBalancing`: 'round_robin' (default) or 'pick_first' picks the policy
 * of the default service config (SERVICE_CONFIG), null leaves the config
 * out, as does a 'grpc.service_config' of your own. Returns the grpc-js
 * clients `vendors`, `parts`, `drawings` and `changes` (ChangeFeedService),
 * which share one channel, and close().
 */
function connect(target, credentials = grpc.credentials.createInsecure(), connectOptions = {}) {
  const { loadBalancing = 'round_robin', ...options } = connectOptions;
  if (loadBalancing !== null && options['grpc.service_config'] === undefined) {
    options['grpc.service_config'] = serviceConfigJson(loadBalancing);
    // Ours, not one a DNS TXT record might carry.
    options['grpc.service_config_disable_resolution'] = 1;
  }
  const vendors = new v1.VendorService(target, credentials, options);
  const channelOverride = vendors.getChannel();
  const parts = new v1.PartService(target, credentials, { ...options, channelOverride });
  const drawings = new v1.DrawingService(target, credentials, { ...options, channelOverride });
  const changes = new v1.ChangeFeedService(target, credentials, { ...options, channelOverride });
  return { vendors, parts, drawings, changes, close: () => vendors.close() };
}

/**
 * Calls a unary method and returns a promise of the response:
 * `await call(c.vendors, 'createVendor', {vendor: {vendorName: 'LG'}})`.
 * `options` are grpc-js call options (e.g. {deadline: Date}); default
 * deadline 30 s.
 */
function call(client, method, request, options = {}, metadata = new grpc.Metadata()) {
  if (typeof client[method] !== 'function') throw new TypeError(`no method ${method}`);
  const callOptions = { deadline: Date.now() + 30000, ...options };
  return new Promise((resolve, reject) => {
    client[method](request, metadata, callOptions, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

const DECODE = { longs: String, enums: String, defaults: true, oneofs: true };
const StatusType = root.lookupType('google.rpc.Status');

/**
 * Decodes a failed call's grpc-status-details-bin trailer into
 * google.rpc.Status. Returns {code, codeName, message, errorInfo,
 * badRequest, details} (errorInfo: {reason, domain, metadata}; badRequest:
 * {fieldViolations: [{field, description}]} or null), or null when `err` is
 * not a gRPC error.
 */
function errorDetails(err) {
  if (!err || typeof err.code !== 'number') return null;
  const result = {
    code: err.code,
    codeName: Object.keys(grpc.status).find((k) => grpc.status[k] === err.code),
    message: err.details,
    errorInfo: null,
    badRequest: null,
    details: [],
  };
  const raw = err.metadata && err.metadata.get('grpc-status-details-bin')[0];
  if (!raw) return result;
  const status = StatusType.decode(raw);
  result.message = status.message || result.message;
  for (const any of status.details) {
    // google.protobuf.Any comes from protobufjs' bundled JSON, which keeps
    // the proto field name type_url whatever keepCase says.
    const typeUrl = any.typeUrl !== undefined ? any.typeUrl : any.type_url;
    const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    let type;
    try {
      type = root.lookupType(name);
    } catch (_) {
      result.details.push({ typeUrl, value: any.value });
      continue;
    }
    const detail = type.toObject(type.decode(any.value), DECODE);
    result.details.push({ typeUrl, ...detail });
    if (name === 'google.rpc.ErrorInfo') result.errorInfo = detail;
    if (name === 'google.rpc.BadRequest') result.badRequest = detail;
  }
  return result;
}

function sha256Hex(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Uploads a drawing. `data` is a Buffer (total_size and sha256 are declared
 * in the header, so the server itself refuses bytes that arrive different)
 * or any async iterable of Buffers, e.g. fs.createReadStream(file). The last
 * message sets finishWrite; the SHA-256 the server reports is checked
 * against the bytes sent. Resolves to the UploadDrawingResponse.
 */
async function uploadDrawing(drawings, { partId, fileExtension, data, deadline }) {
  const header = { partId, fileExtension };
  if (Buffer.isBuffer(data)) {
    header.totalSize = String(data.length);
    header.sha256 = sha256Hex(data);
  }
  const hash = crypto.createHash('sha256');
  let stream;
  const response = new Promise((resolve, reject) => {
    stream = drawings.uploadDrawing({ deadline: deadline || Date.now() + 600000 },
      (err, r) => (err ? reject(err) : resolve(r)));
  });
  let failed = null;
  response.catch((err) => { failed = err; });
  const write = (message) => new Promise((resolve) => {
    if (stream.write(message)) resolve();
    else stream.once('drain', resolve);
  });
  async function* chunks() {
    if (Buffer.isBuffer(data)) {
      for (let i = 0; i < data.length; i += UPLOAD_CHUNK_BYTES) yield data.subarray(i, i + UPLOAD_CHUNK_BYTES);
    } else {
      for await (const piece of data) {
        const b = Buffer.from(piece);
        for (let i = 0; i < b.length; i += UPLOAD_CHUNK_BYTES) yield b.subarray(i, i + UPLOAD_CHUNK_BYTES);
      }
    }
  }
  try {
    await write({ header });
    for await (const chunk of chunks()) {
      if (failed) break; // the server ended the call; its status says why
      hash.update(chunk);
      await write({ chunk });
    }
    if (!failed) await write({ finishWrite: true });
    stream.end();
  } catch (err) {
    stream.cancel();
    throw err;
  }
  const result = await response;
  const sent = hash.digest('hex');
  if (result.metadata.sha256 !== sent) {
    throw new Error(`upload: server stored SHA-256 ${result.metadata.sha256}, sent ${sent}`);
  }
  return result;
}

/**
 * Streams a drawing (or the range readOffset/readLimit) from the server.
 * Resolves to {metadata, data} with the bytes in one Buffer, or, when
 * `sink` (a writable stream) is given, writes them there and resolves to
 * {metadata, bytes}. The byte count must equal metadata.rangeLength and,
 * for the whole drawing, the SHA-256 must equal metadata.sha256.
 */
async function downloadDrawing(drawings, request, { sink, deadline } = {}) {
  const stream = drawings.downloadDrawing(request, { deadline: deadline || Date.now() + 600000 });
  const hash = crypto.createHash('sha256');
  const parts = [];
  let metadata = null;
  let bytes = 0;
  try {
    for await (const message of stream) {
      if (message.payload === 'metadata') {
        metadata = message.metadata;
        continue;
      }
      if (!metadata) throw new Error('download: a chunk came before the metadata');
      hash.update(message.chunk);
      bytes += message.chunk.length;
      if (!sink) parts.push(message.chunk);
      else if (!sink.write(message.chunk)) await new Promise((resolve) => sink.once('drain', resolve));
    }
  } catch (err) {
    stream.cancel();
    throw err;
  }
  if (!metadata) throw new Error('download: no metadata');
  if (String(bytes) !== metadata.rangeLength) {
    throw new Error(`download: ${bytes} bytes, range_length ${metadata.rangeLength}`);
  }
  if (metadata.rangeOffset === '0' && metadata.rangeLength === metadata.sizeBytes) {
    const got = hash.digest('hex');
    if (got !== metadata.sha256) throw new Error(`download: SHA-256 ${got}, metadata ${metadata.sha256}`);
  }
  return sink ? { metadata, bytes } : { metadata, data: Buffer.concat(parts) };
}

module.exports = {
  connect,
  call,
  errorDetails,
  uploadDrawing,
  downloadDrawing,
  grpc,
  status: grpc.status,
  ERROR_DOMAIN,
  LOADER_OPTIONS,
  SERVICE_CONFIG,
  serviceConfigJson,
  UPLOAD_CHUNK_BYTES,
};
