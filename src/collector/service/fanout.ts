// One payload to several consumers (pipelines sharing a receiver, exporters sharing a pipeline), as
// upstream's fanout: accepted when every consumer accepted; otherwise the errors are combined and the
// result is permanent if any part is permanent, else retryable.
import type { Consumer, Payload } from '../component.ts';
import { ConsumerError } from '../errors.ts';

export function fanout(consumers: readonly Consumer[]): Consumer {
  if (consumers.length === 1) return consumers[0]!;
  return {
    consume(payload: Payload) {
      // Outcomes in consumer order: undefined (accepted), a pending promise, or a thrown error.
      const outcomes: unknown[] = [];
      let pending = false;
      for (const consumer of consumers) {
        try {
          const result = consumer.consume(payload);
          outcomes.push(result);
          if (result) pending = true;
        } catch (error) {
          outcomes.push(Promise.reject(error));
          pending = true;
        }
      }
      if (!pending) return undefined;
      return Promise.allSettled(outcomes).then((results) => {
        const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
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
