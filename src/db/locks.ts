// Advisory lock keys (arbitrary constants), one per purpose, taken across service instances.

export const LOCKS = {
  /** One statistics release at a time (tried, not waited for: a second instance skips). */
  statisticsRelease: 1_708_117_317,
  /**
   * The released statistics rows: a release's comparison holds it exclusively, an erasure (whose
   * cascade deletes released rows) shares it, taken first by both. One lock order, so the two never
   * deadlock (a release rewriting a youth's released row while her erasure holds her trajectory).
   */
  releasedRows: 1_708_117_318,
} as const;
