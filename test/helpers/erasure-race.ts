import type { FastifyInstance } from 'fastify';
import { registryKeyFor } from '../../src/lib/pseudonym';
import type { Database } from '../../src/db/client';
import { measurementBody, ndjson, randomPseudonym, trajectoryBody, uniqueReference } from './records';

// One round of the erasure race (issue #11): an erasure sent while pushes of the same youth are in
// flight — a bulk stream (atomic or per record) and single-record writes, from one institution or
// two — and what must hold afterwards, whatever order things happened in. Used by the test suite
// (a bounded number of rounds) and by `npm run bench:erasure-race` (as many as asked).

export interface RaceParties {
  app: FastifyInstance;
  database: Database;
  registryPseudonymKey: Buffer;
  /** Authorization headers: two institutions and the data protection officer. */
  a: { authorization: string; code: string; programme: string };
  b: { authorization: string; code: string; programme: string };
  privacyOfficer: string;
}

export interface RaceRound {
  mode: 'atomic' | 'per_record';
  scope: 'institution' | 'registry';
  /** Whether the second institution pushes the same youth at the same time. */
  twoInstitutions: boolean;
  /** Whether the youth already had a trajectory at each pushing institution before the race. */
  existsBefore: boolean;
  /** Measurements in each bulk stream. */
  measurements: number;
}

export interface RaceOutcome {
  /** Every invariant that did not hold; empty when the round passed. */
  violations: string[];
  /** HTTP statuses of the pushes in the race, for the record. */
  statuses: number[];
  erasure: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function count(database: Database, text: string, params: unknown[]): Promise<number> {
  const { rows } = await database.query<{ n: number }>(text, params);
  return Number(rows[0]!.n);
}

export async function raceRound(parties: RaceParties, round: RaceRound): Promise<RaceOutcome> {
  const { app, database } = parties;
  const pseudonym = randomPseudonym();
  const registryKey = registryKeyFor(pseudonym, parties.registryPseudonymKey);
  const institutions = round.twoInstitutions ? [parties.a, parties.b] : [parties.a];
  const subject = { ...trajectoryBody().subject, pseudonym };
  const put = (who: RaceParties['a'], path: string, payload: object) =>
    app.inject({ method: 'PUT', url: `/api/v1/${path}`, headers: { authorization: who.authorization }, payload });

  // Before the race: a trajectory of hers at each institution, so the erasure has something to remove.
  const existing = new Map<string, string>();
  if (round.existsBefore) {
    for (const who of institutions) {
      const reference = uniqueReference('RACE');
      const response = await put(who, `trajectories/${reference}`, trajectoryBody({ subject, programmeCode: who.programme }));
      if (response.statusCode !== 201)
        return { violations: [`setup push answered ${response.statusCode}: ${response.body}`], statuses: [], erasure: undefined };
      existing.set(who.code, reference);
    }
  }

  const pushes: Array<Promise<{ statusCode: number; body: string }>> = [];
  for (const who of institutions) {
    const streamed = uniqueReference('RACE');
    const lines = [
      { type: 'trajectory', reference: streamed, ...trajectoryBody({ subject, programmeCode: who.programme }) },
      ...Array.from({ length: round.measurements }, (_, index) => ({
        type: 'measurement',
        reference: uniqueReference('RACEM'),
        ...measurementBody(streamed, { date: `2024-0${1 + (index % 9)}-1${index % 10}`, value: index % 50 }),
      })),
    ];
    pushes.push(
      app.inject({
        method: 'POST',
        url: `/api/v1/ingest?mode=${round.mode}`,
        headers: { authorization: who.authorization, 'content-type': 'application/x-ndjson' },
        payload: ndjson(lines),
      }),
    );
    pushes.push(put(who, `trajectories/${uniqueReference('RACE')}`, trajectoryBody({ subject, programmeCode: who.programme })));
    const before = existing.get(who.code);
    if (before) {
      pushes.push(put(who, `measurements/${uniqueReference('RACEM')}`, measurementBody(before, { value: 7 })));
      pushes.push(put(who, `trajectories/${before}/research-consent`, { researchConsent: 'withdrawn' }));
    }
  }
  const erasure = (async () => {
    await sleep(Math.floor(Math.random() * 25));
    return round.scope === 'institution'
      ? app.inject({ method: 'POST', url: '/api/v1/erasures', headers: { authorization: parties.a.authorization }, payload: { pseudonym } })
      : app.inject({
          method: 'POST',
          url: '/api/v1/registry-erasures',
          headers: { authorization: parties.privacyOfficer },
          payload: { pseudonym, reason: 'youth_request' },
        });
  })();
  const [erased, ...settled] = await Promise.all([erasure, ...pushes]);

  const violations: string[] = [];
  const statuses = settled.map((response) => response.statusCode);
  for (const response of settled) {
    // A push either went in before the erasure (and was erased with her) or came after and was refused.
    if (response.statusCode >= 500) violations.push(`a push answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
  }
  if (erased.statusCode !== 200) violations.push(`the erasure answered ${erased.statusCode}: ${erased.body}`);

  const institutionIds = new Map<string, string>();
  for (const who of [parties.a, parties.b]) {
    const { rows } = await database.query<{ id: string }>('select id from institutions where code = $1', [who.code]);
    institutionIds.set(who.code, rows[0]!.id);
  }
  const rowsAt = (institutionId: string | null) =>
    count(
      database,
      `select count(*) as n from trajectories t join subjects s on s.id = t.subject_id
        where s.registry_key = $1 and ($2::uuid is null or t.institution_id = $2)`,
      [registryKey, institutionId],
    );
  const afterwards = async (who: RaceParties['a']) =>
    put(who, `trajectories/${uniqueReference('RACE')}`, trajectoryBody({ subject, programmeCode: who.programme }));

  if (round.scope === 'institution') {
    const a = institutionIds.get(parties.a.code)!;
    const left = await rowsAt(a);
    if (left > 0) violations.push(`${left} trajectories of the erased youth remain at the erasing institution`);
    const live = await count(
      database,
      'select count(*) as n from subjects where institution_id = $1 and registry_key = $2 and erased_at is null',
      [a, registryKey],
    );
    if (live > 0) violations.push('the erasing institution still holds a live view of her');
    const later = await afterwards(parties.a);
    if (later.statusCode !== 409 || later.json().code !== 'SUBJECT_ERASED')
      violations.push(`a later push by the erasing institution answered ${later.statusCode} ${later.body.slice(0, 120)}`);
    if (round.twoInstitutions) {
      // The other institution's records are its own: whatever it pushed successfully is still there.
      const b = institutionIds.get(parties.b.code)!;
      const kept = await rowsAt(b);
      if (kept === 0) violations.push("the other institution's records of her were erased");
      const again = await afterwards(parties.b);
      if (again.statusCode !== 201)
        violations.push(`the other institution's later push answered ${again.statusCode} ${again.body.slice(0, 120)}`);
    }
  } else {
    const left = await rowsAt(null);
    if (left > 0) violations.push(`${left} trajectories of the youth remain after the registry-wide erasure`);
    const views = await count(database, 'select count(*) as n from subjects where registry_key = $1', [registryKey]);
    if (views > 0) violations.push(`${views} institution rows of the youth remain after the registry-wide erasure`);
    const objections = await count(database, 'select count(*) as n from subject_objections where registry_key = $1', [registryKey]);
    if (objections !== 1) violations.push('no objection tombstone');
    for (const who of [parties.a, parties.b]) {
      const later = await afterwards(who);
      if (later.statusCode !== 409 || later.json().code !== 'SUBJECT_OBJECTED')
        violations.push(`a later push by ${who.code} answered ${later.statusCode} ${later.body.slice(0, 120)}`);
    }
  }
  return { violations, statuses, erasure: erased.json() };
}

/** The rounds to run: every combination of mode, scope and one or two institutions, repeated. */
export function raceRounds(total: number, measurements: number): RaceRound[] {
  const shapes: RaceRound[] = [];
  for (const mode of ['atomic', 'per_record'] as const)
    for (const scope of ['institution', 'registry'] as const)
      for (const twoInstitutions of [false, true])
        for (const existsBefore of [true, false]) shapes.push({ mode, scope, twoInstitutions, existsBefore, measurements });
  return Array.from({ length: total }, (_, index) => shapes[index % shapes.length]!);
}
