// Where a sending queue keeps its requests: one queue logic (sending-queue.ts), two stores. The memory
// store holds the payload itself; the file store (file-queue-store.ts) writes it to disk when the queue
// accepts it and reads it back when a consumer takes it, so it survives the process.
import type { Payload } from '../component.ts';

/** A request held by a store; only the store that made it knows what else it carries. */
export interface Stored {
  readonly items: number;
  readonly bytes: number;
}

export interface QueueStore {
  /** Requests a previous process left, oldest first (none for memory). */
  open(): Promise<readonly Stored[]>;
  /** Keeps the request; resolves once it would survive the process (at once for memory). */
  put(payload: Payload): Stored | Promise<Stored>;
  /** The request again, for sending. */
  load(stored: Stored): Payload | Promise<Payload>;
  /** Delivered or given up for good: it must not be sent again. */
  remove(stored: Stored): void;
  /** Finishes pending bookkeeping; what was not removed stays for the next process. */
  close(): Promise<void>;
  /** Where the requests live, for logs (undefined: in memory, lost with the process). */
  readonly location?: string;
}

interface InMemory extends Stored {
  readonly payload: Payload;
}

export const memoryStore: QueueStore = {
  open: async () => [],
  put: (payload): InMemory => ({ payload, items: payload.items, bytes: payload.bytes }),
  load: (stored) => (stored as InMemory).payload,
  remove: () => undefined,
  close: async () => undefined,
};
