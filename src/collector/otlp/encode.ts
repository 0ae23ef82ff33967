// Writing a payload back as an Export*ServiceRequest: each entry gets its field-1 tag and length; the
// entry bodies are copied once (encodeRequest) or not at all (encodeRequestChunks, for streaming writes).
import type { Payload, Signal } from '../component.ts';
import { PARTIAL_SUCCESS_MESSAGE, PARTIAL_SUCCESS_REJECTED, REQUEST_RESOURCES, RESPONSE_PARTIAL_SUCCESS } from './schema.ts';
import { requestSize } from './scan.ts';
import { varintSize, VARINT, writeLenHeader, writeVarint } from './wire.ts';

/** The request as one buffer (gRPC needs one). */
export function encodeRequest(payload: Payload): Buffer {
  const out = Buffer.allocUnsafe(requestSize(payload.resources));
  let pos = 0;
  for (const resource of payload.resources) {
    pos = writeLenHeader(out, pos, REQUEST_RESOURCES, resource.length);
    out.set(resource, pos);
    pos += resource.length;
  }
  return out;
}

/**
 * The request as chunks to write in order: a tag/length header before each entry view. The headers share
 * one small buffer; entries are not copied.
 */
export function encodeRequestChunks(payload: Payload): Uint8Array[] {
  const resources = payload.resources;
  let headerBytes = 0;
  for (const resource of resources) headerBytes += 1 + varintSize(resource.length);
  const headers = new Uint8Array(headerBytes);
  const chunks: Uint8Array[] = [];
  let pos = 0;
  for (const resource of resources) {
    const end = writeLenHeader(headers, pos, REQUEST_RESOURCES, resource.length);
    chunks.push(headers.subarray(pos, end), resource);
    pos = end;
  }
  return chunks;
}

const EMPTY = new Uint8Array(0);

/**
 * Export*ServiceResponse: empty on full success, otherwise partial_success with the rejected item count
 * (rejected_spans / rejected_data_points / rejected_log_records) and the message.
 */
export function encodeExportResponse(_signal: Signal, rejectedItems = 0, errorMessage = ''): Uint8Array {
  if (rejectedItems === 0 && errorMessage === '') return EMPTY;
  const message = Buffer.from(errorMessage, 'utf8');
  let bodySize = 0;
  if (rejectedItems !== 0) bodySize += 1 + varintSize(rejectedItems);
  if (message.length > 0) bodySize += 1 + varintSize(message.length) + message.length;
  const out = new Uint8Array(1 + varintSize(bodySize) + bodySize);
  let pos = writeLenHeader(out, 0, RESPONSE_PARTIAL_SUCCESS, bodySize);
  if (rejectedItems !== 0) {
    out[pos++] = PARTIAL_SUCCESS_REJECTED * 8 + VARINT;
    pos = writeVarint(out, pos, rejectedItems);
  }
  if (message.length > 0) {
    pos = writeLenHeader(out, pos, PARTIAL_SUCCESS_MESSAGE, message.length);
    out.set(message, pos);
  }
  return out;
}
