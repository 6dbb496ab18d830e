import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../src/db/migrate';
import { seedReferenceData } from '../src/modules/catalogue/reference-data.service';
import { createEmptyDatabase, type TestDatabase } from './helpers/test-database';

// Data migrations, tried on data written under the schema before them.

/** A copy of the migrations folder holding only the first `count` migrations. */
function migrationsUpTo(count: number): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-migrations-'));
  fs.mkdirSync(path.join(folder, 'meta'));
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
  journal.entries = journal.entries.slice(0, count);
  fs.writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const entry of journal.entries)
    fs.copyFileSync(path.join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), path.join(folder, `${entry.tag}.sql`));
  return folder;
}

describe('0006: each institution keeps its own view of a youth', () => {
  let db: TestDatabase;
  let before: string;
  const key = (n: number) => n.toString(16).padStart(64, '0');

  beforeAll(async () => {
    db = await createEmptyDatabase();
    before = migrationsUpTo(6);
    await migrateDatabase(db.database, before);
    await seedReferenceData(db.database);
    // Under the old schema: one shared row per youth. Youth 1 is in care at two institutions,
    // youth 2 twice at one, youth 3 once; youth 4 was erased (the old tombstone).
    const q = db.database.query.bind(db.database);
    const programmes = (
      await q<{ id: string; institution_id: string; code: string }>('select id, institution_id, code from programmes order by code')
    ).rows;
    const at = (code: string) => programmes.find((programme) => programme.code === code)!;
    const subject = async (n: number, birthYear: number, gender: string) =>
      (
        await q<{ id: string }>(
          `insert into subjects (registry_key, birth_year, gender, mild_intellectual_disability, prior_youth_care) values ($1, $2, $3, 'no', 'yes') returning id`,
          [key(n), birthYear, gender],
        )
      ).rows[0]!.id;
    const trajectory = (subjectId: string, programme: { id: string; institution_id: string }, reference: string) =>
      q(
        `insert into trajectories (institution_id, reference, subject_id, programme_id, start_date, exploitation_at_intake, research_consent)
         values ($1, $2, $3, $4, '2024-01-15', 'confirmed', 'granted')`,
        [programme.institution_id, reference, subjectId, programme.id],
      );
    const one = await subject(1, 2008, 'girl');
    const two = await subject(2, 2009, 'non_binary');
    const three = await subject(3, 2010, 'boy');
    await trajectory(one, at('vuurtorenhuis-baken'), 'T-one-a');
    await trajectory(one, at('lindehof-beschermd'), 'T-one-b');
    await trajectory(two, at('vuurtorenhuis-baken'), 'T-two-a');
    await trajectory(two, at('vuurtorenhuis-baken'), 'T-two-b');
    await trajectory(three, at('lindehof-beschermd'), 'T-three');
    const institution = programmes[0]!.institution_id;
    await q('insert into erased_subjects (registry_key, institution_id) values ($1, $2)', [key(4), institution]);
    await migrateDatabase(db.database);
  });
  afterAll(async () => {
    await db?.destroy();
    if (before) fs.rmSync(before, { recursive: true, force: true });
  });

  it('gives every institution that held a youth a row of its own, with the attributes she had, and loses no trajectory', async () => {
    const { rows } = await db.database.query<{
      reference: string;
      registry_key: string;
      birth_year: number;
      gender: string;
      same_institution: boolean;
    }>(
      `select t.reference, s.registry_key, s.birth_year, s.gender, s.institution_id = t.institution_id as same_institution
         from trajectories t join subjects s on s.id = t.subject_id order by t.reference`,
    );
    expect(rows).toEqual([
      { reference: 'T-one-a', registry_key: key(1), birth_year: 2008, gender: 'girl', same_institution: true },
      { reference: 'T-one-b', registry_key: key(1), birth_year: 2008, gender: 'girl', same_institution: true },
      { reference: 'T-three', registry_key: key(3), birth_year: 2010, gender: 'boy', same_institution: true },
      { reference: 'T-two-a', registry_key: key(2), birth_year: 2009, gender: 'non_binary', same_institution: true },
      { reference: 'T-two-b', registry_key: key(2), birth_year: 2009, gender: 'non_binary', same_institution: true },
    ]);
    // One row per (institution, youth): youth 1 has two, the others one; no shared row is left.
    const { rows: views } = await db.database.query<{ registry_key: string; n: number }>(
      'select registry_key, count(*)::int as n from subjects group by registry_key order by registry_key',
    );
    expect(views).toEqual([
      { registry_key: key(1), n: 2 },
      { registry_key: key(2), n: 1 },
      { registry_key: key(3), n: 1 },
    ]);
  });

  it('keeps an earlier erasure as a registry-wide objection, so nothing refused before is accepted now', async () => {
    const { rows } = await db.database.query<{ registry_key: string }>('select registry_key from subject_objections');
    expect(rows).toEqual([{ registry_key: key(4) }]);
    const { rows: tables } = await db.database.query<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_name = 'erased_subjects'",
    );
    expect(tables[0]!.n).toBe(0);
  });
});

describe('0016: a released trajectory keeps its page as text', () => {
  let db: TestDatabase;
  let before: string;
  const document = {
    row: { id: 'the row', gender: 'girl' },
    measurements: [['sdq_total', 'youth', 12, 17, null]],
    others: ['another trajectory'],
    placements: [{ setting: 'residential' }],
    activities: [{ day: 3 }],
  };

  beforeAll(async () => {
    db = await createEmptyDatabase();
    before = migrationsUpTo(16);
    await migrateDatabase(db.database, before);
    await seedReferenceData(db.database);
    const q = db.database.query.bind(db.database);
    const programme = (await q<{ id: string; institution_id: string }>('select id, institution_id from programmes order by code limit 1'))
      .rows[0]!;
    const subject = (
      await q<{ id: string }>(
        `insert into subjects (institution_id, registry_key, birth_year, gender, mild_intellectual_disability, prior_youth_care)
         values ($1, $2, 2008, 'girl', 'no', 'yes') returning id`,
        [programme.institution_id, '1'.padStart(64, '0')],
      )
    ).rows[0]!.id;
    const trajectory = (
      await q<{ id: string }>(
        `insert into trajectories (institution_id, reference, subject_id, programme_id, start_date, end_date, end_reason, exploitation_at_intake, research_consent)
         values ($1, 'T-released', $2, $3, '2024-01-15', '2024-09-30', 'completed', 'confirmed', 'granted') returning id`,
        [programme.institution_id, subject, programme.id],
      )
    ).rows[0]!.id;
    await q(
      `insert into research_releases (id, cutoff, trajectories, content_digest, manifest) values ('2026-Q4.1', '2026-10-01', 1, 'digest', '{}')`,
    );
    await q(
      `insert into research_release_trajectories
         (release_id, trajectory_id, registry_key, institution_code, programme_code, gender, age_at_start, start_month, settings, document)
       values ('2026-Q4.1', $1, $2, 'i', 'p', 'girl', 16, '2024-01', '{}', $3::jsonb)`,
      [trajectory, '1'.padStart(64, '0'), JSON.stringify(document)],
    );
    await migrateDatabase(db.database);
  });
  afterAll(async () => {
    await db?.destroy();
    if (before) fs.rmSync(before, { recursive: true, force: true });
  });

  it('fills the page of a release made before: its row, measurements and other trajectories', async () => {
    const { rows } = await db.database.query<{ page: string }>('select page from research_release_trajectories');
    expect(rows.map((row) => JSON.parse(row.page))).toEqual([
      { row: document.row, measurements: document.measurements, others: document.others },
    ]);
  });
});
