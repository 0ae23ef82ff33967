// One payload to several consumers (pipelines sharing a receiver, exporters sharing a pipeline), as
// upstream's fanout: accepted when every consumer accepted; otherwise the errors are combined and the
// result is permanent if any part is permanent, else retryable.
import type { Consumer, Payload } from '../component.ts';
import { ConsumerError } from '../errors.ts';

export function fanout(consumers: readonly Consumer[]): Consumer {
  if (consumers.length === 1) return consumers[0]!;
  return {
    consume(payload: Payload) {
      const errors: unknown[] = [];
      let pending: Promise<void>[] | undefined;
      for (const consumer of consumers) {
        try {
          const result = consumer.consume(payload);
          if (result) (pending ??= []).push(result);
        } catch (error) {
          errors.push(error);
        }
      }
      if (!pending) return errors.length === 0 ? undefined : Promise.reject(combine(errors));
      return Promise.allSettled(pending).then((results) => {
        for (const result of results) if (result.status === 'rejected') errors.push(result.reason);
        if (errors.length > 0) throw combine(errors);
      });
    },
  };
}

export function combine(errors: readonly unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  const permanent = errors.some((error) => error instanceof ConsumerError && !error.retryable);
  const message = errors.map((error) => (error instanceof Error ? error.message : String(error))).join('; ');
  return new ConsumerError(message, !permanent, { cause: errors });
}
