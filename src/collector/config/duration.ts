// The collector config's duration fields, parsed as upstream's decoder does.
import { z } from 'zod';
import { parseDuration } from '../../contract/duration.ts';

/** A config field holding a duration; parses to milliseconds. Numbers are nanoseconds, as upstream's decoder treats them. */
export const duration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value / 1e6;
    const ms = parseDuration(value);
    if (ms === undefined || ms < 0) {
      ctx.addIssue({ code: 'custom', message: `invalid duration "${value}" (expected e.g. "200ms", "5s", "1m30s")` });
      return z.NEVER;
    }
    return ms;
  });
