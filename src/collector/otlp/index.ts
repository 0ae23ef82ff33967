// The OTLP protobuf wire codec: scan, count, split, concatenate, rewrite, decode and OTLP/JSON.
export { WireError } from './wire-error.ts';
export { parseRequest, countItems } from './scan.ts';
export { encodeRequest, encodeRequestChunks, encodeExportResponse } from './encode.ts';
export { mergePayloads, splitPayload } from './split.ts';
export { decodeRequest, type JsonObject, type JsonValue } from './decode.ts';
export { jsonToProtobuf, protobufToJson } from './json.ts';
export { rewriteItems, type ItemContext, type ItemVisitor, type RewriteResult } from './rewrite.ts';
export type { ItemKind } from './schema.ts';
