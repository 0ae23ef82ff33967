// Load traces (spans/s as a function of time in seconds), deterministic: the noisy plateau uses a
// seeded generator so every run replays the same load.

export interface Trace {
  name: string;
  durationSeconds: number;
  load(t: number): number;
  /** Times at which the load steps up sharply: time-to-capacity is measured from each. */
  stepUps: number[];
  /** Replicas running at the start (default: minReplicas). */
  initialReplicas?: number;
}

/** mulberry32: a small seeded PRNG, enough for reproducible noise. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clampTime = (t: number) => Math.max(0, t);

/**
 * The traces, in spans/s for replicas that carry 10,000 spans/s (the guide's figure) times `scale`: a fleet whose
 * replicas carry more goes through the same replica counts.
 */
export function traces(scale = 1): Trace[] {
  return unscaled().map((trace) => ({ ...trace, load: (t: number) => trace.load(t) * scale }));
}

function unscaled(): Trace[] {
  const noise = noiseBlocks(1800, 5, 0.08, 42);
  return [
    {
      // x7 at t=307, off the evaluation ticks; back down at 907.
      name: 'step',
      durationSeconds: 1800,
      load: (t) => (t >= 307 && t < 907 ? 98_000 : 14_000),
      stepUps: [307],
    },
    {
      name: 'ramp',
      durationSeconds: 2400,
      load: (t) => {
        const x = clampTime(t);
        if (x < 60) return 7_000;
        if (x < 960) return 7_000 + ((x - 60) / 900) * 133_000;
        if (x < 1260) return 140_000;
        if (x < 1860) return 140_000 - ((x - 1260) / 600) * 133_000;
        return 7_000;
      },
      stepUps: [],
    },
    {
      name: 'sine',
      durationSeconds: 2700,
      load: (t) => 60_000 + 45_000 * Math.sin((2 * Math.PI * clampTime(t)) / 900),
      stepUps: [],
    },
    {
      name: 'spike',
      durationSeconds: 2100,
      load: (t) => {
        if (t >= 300 && t < 360) return 105_000;
        if (t >= 1200 && t < 1230) return 120_000;
        return 21_000;
      },
      stepUps: [300, 1200],
    },
    {
      // 8 replicas' worth at 70 %, with +-8 % noise in 5 s blocks: inside the 10 % tolerance.
      name: 'noisy-plateau',
      durationSeconds: 1800,
      load: (t) => 56_000 * (1 + (noise[Math.floor(clampTime(t) / 5)] ?? 0)),
      stepUps: [],
      initialReplicas: 8,
    },
  ];
}

function noiseBlocks(seconds: number, block: number, amplitude: number, seed: number): number[] {
  const random = seeded(seed);
  return Array.from({ length: Math.ceil(seconds / block) + 1 }, () => (random() * 2 - 1) * amplitude);
}
