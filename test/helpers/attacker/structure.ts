import { type Count, countId } from './published';

// What is true of the counts whatever the perturbation, as an outsider knows it from the answers'
// layout and the public catalogue (GET /api/v1/programmes: each programme's institution). These
// are the "structural relations" a table's attacker exploits (Hundepool et al., Statistical
// Disclosure Control, Wiley 2012, §4.3 and §5.4), stated over the true counts:
// - the groups of a grouping partition the total (youths excepted: a youth with trajectories in
//   two groups is counted in both, so the groups only cover the total);
// - the programmes of an institution partition it;
// - in a line, started = ended + active, ended = its four end reasons, trajectories = their four
//   outcome classes, a domain's known count = its four statuses (read off its shares, published.ts);
//   every other count is of some of the line's trajectories; a line has at most
//   as many youths as trajectories, and at least one if it has any.

/** The whole's contributors are exactly the parts' together, the parts disjoint (count and key sums add up). */
export interface Partition {
  whole: string;
  parts: string[];
}

export interface Structure {
  partitions: Partition[];
  /** Youths: every part at most the whole, the parts together at least the whole. */
  covers: Partition[];
  /** A count of some of the whole's contributors. */
  atMost: Array<{ part: string; whole: string }>;
  /** A line's youths and trajectories. */
  youths: Array<{ youths: string; trajectories: string }>;
}

export function structureOf(counts: ReadonlyMap<string, Count>, programmesOf: ReadonlyMap<string, readonly string[]>): Structure {
  const structure: Structure = { partitions: [], covers: [], atMost: [], youths: [] };
  const has = (id: string) => counts.has(id);
  const relate = (kind: string, whole: string, parts: string[]) =>
    (kind === 'youths' ? structure.covers : structure.partitions).push({ whole, parts });

  // Groups of a grouping, and programmes of an institution.
  const families = new Map<string, string[]>();
  for (const count of counts.values()) {
    if (count.grouping === null) continue;
    const family = `${count.kind}\u0000${count.grouping}`;
    families.set(family, [...(families.get(family) ?? []), count.id]);
    if (count.grouping === 'institution') {
      const parts = (programmesOf.get(count.group!) ?? []).map((programme) => countId(count.kind, 'programme', programme));
      if (parts.length > 0 && parts.every(has)) relate(count.kind, count.id, parts);
    }
  }
  for (const [family, parts] of families) {
    const [kind, grouping] = family.split('\u0000') as [string, string];
    const total = countId(kind, null, null);
    // Status counts are read off shares, which not every line gives: only a whole family partitions.
    const complete = parts.length === (families.get(`trajectories\u0000${grouping}`)?.length ?? 0);
    if (has(total) && (complete || !kind.startsWith('status:'))) relate(kind, total, parts);
  }

  // Within a line.
  const lines = new Map<string, Count[]>();
  for (const count of counts.values()) {
    const line = `${count.grouping}\u0000${count.group}`;
    lines.set(line, [...(lines.get(line) ?? []), count]);
  }
  const endReasons = new Set([...counts.values()].filter((count) => count.kind.startsWith('endReason:')).map((count) => count.kind));
  const outcomes = new Set([...counts.values()].filter((count) => count.kind.startsWith('outcome:')).map((count) => count.kind));
  for (const members of lines.values()) {
    const { grouping, group } = members[0]!;
    const id = (kind: string) => countId(kind, grouping, group);
    const of = (prefix: string) => members.filter((count) => count.kind.startsWith(prefix)).map((count) => count.id);
    const trajectories = id('trajectories');
    if (!has(trajectories)) continue;
    if (has(id('ended')) && has(id('active'))) structure.partitions.push({ whole: trajectories, parts: [id('ended'), id('active')] });
    // Only where the line publishes every end reason (every outcome class): then they are all of them.
    if (has(id('ended')) && endReasons.size > 0 && of('endReason:').length === endReasons.size)
      structure.partitions.push({ whole: id('ended'), parts: of('endReason:') });
    if (outcomes.size > 0 && of('outcome:').length === outcomes.size)
      structure.partitions.push({ whole: trajectories, parts: of('outcome:') });
    // A domain's known count is its four statuses, where its shares gave all four.
    for (const known of members.filter((count) => count.kind.startsWith('known:'))) {
      const statuses = of(`status:${known.kind.slice('known:'.length)}:`);
      if (statuses.length === 4) structure.partitions.push({ whole: known.id, parts: statuses });
    }
    if (has(id('youths'))) structure.youths.push({ youths: id('youths'), trajectories });
    for (const count of members) {
      const [base] = count.kind.split(':') as [string];
      if (['known', 'respondents', 'scored', 'received', 'ended', 'active', 'endReason', 'outcome'].includes(base))
        structure.atMost.push({ part: count.id, whole: trajectories });
    }
  }
  return structure;
}
