import type { SqlConnection } from '../../db/client';
import { LOCKS } from '../../db/locks';

// The only code that writes `subjects` and `subject_objections`: an institution's view of a
// youth, its tombstone, and the registry-wide objection. Everything runs inside the caller's
// transaction.
//
// How writes of one youth are serialised (issue #11). A push upserts the institution's row of the
// youth before anything else, which locks it until the push commits (ON CONFLICT DO UPDATE locks
// the row even when it changes nothing; an uncommitted insert makes a second insert of the same
// key wait). An erasure begins with the same upsert, so a push and an erasure of one youth at one
// institution run one after the other, never interleaved; the push then re-reads the row in a
// later statement (a fresh snapshot under READ COMMITTED) and finds the tombstone if an erasure
// committed first. A registry-wide objection takes that row at every institution, in one fixed
// order. Row locks live in the rows, not in PostgreSQL's shared lock table, so an atomic backfill
// of any number of youths cannot exhaust `max_locks_per_transaction` as advisory locks would.
// Pushes of one youth by two institutions touch different rows and never wait on each other.

export type Refusal = 'SUBJECT_ERASED' | 'SUBJECT_OBJECTED';

export interface SubjectView {
  registryKey: string;
  birthYear: number;
  gender: string;
  mildIntellectualDisability: string;
  priorYouthCare: string;
}

/** The institution's row of a youth after it was locked: its id, and whether pushes must now be refused. */
export interface LockedSubject {
  id: string;
  refusal: Refusal | undefined;
  /** The push changed the attributes the institution had recorded. */
  changed: boolean;
}

export interface ErasedAtInstitution {
  status: 'erased' | 'already_erased';
  trajectories: number;
}

export interface ObjectionResult {
  status: 'erased' | 'already_erased';
  trajectories: number;
  institutions: number;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function createSubjectsRepository(connection: SqlConnection) {
  /** Locks the institution's row of each youth, creating a tombstone where it has none. */
  async function lockAsTombstones(institutionIds: string[], registryKey: string) {
    const { rows } = await connection.query<{ id: string; institution_id: string; erased: boolean; inserted: boolean }>(
      `insert into subjects as s (institution_id, registry_key, erased_at)
       select institution_id, $2, now() from unnest($1::uuid[]) as i(institution_id) order by institution_id
       on conflict (institution_id, registry_key) do update set erased_at = s.erased_at
       returning s.id, s.institution_id, s.erased_at is not null as erased, (s.xmax = 0) as inserted`,
      [institutionIds, registryKey],
    );
    return rows;
  }

  return {
    /** Youths whose pushes by this institution are refused, and why (an objection outranks a tombstone). */
    async refusals(institutionId: string, registryKeys: string[]): Promise<Map<string, Refusal>> {
      if (registryKeys.length === 0) return new Map();
      const { rows } = await connection.query<{ registry_key: string; refusal: Refusal }>(
        `select registry_key, 'SUBJECT_OBJECTED' as refusal from subject_objections where registry_key = any($2::text[])
         union all
         select registry_key, 'SUBJECT_ERASED' from subjects
          where institution_id = $1 and registry_key = any($2::text[]) and erased_at is not null`,
        [institutionId, registryKeys],
      );
      const refusals = new Map<string, Refusal>();
      for (const row of rows) if (refusals.get(row.registry_key) !== 'SUBJECT_OBJECTED') refusals.set(row.registry_key, row.refusal);
      return refusals;
    },

    /**
     * Writes the institution's view of each youth and locks its row until commit, in registry-key
     * order (two pushes of the same youths lock them in the same order). Then reads the rows back
     * in a new statement: a youth erased or objected to while this push waited comes back refused.
     */
    async lockAndWrite(institutionId: string, views: SubjectView[]): Promise<Map<string, LockedSubject>> {
      if (views.length === 0) return new Map();
      const sorted = [...views].sort((a, b) => byKey(a.registryKey, b.registryKey));
      const keys = sorted.map((view) => view.registryKey);
      const changed = await connection.query<{ registry_key: string }>(
        `insert into subjects as s (institution_id, registry_key, birth_year, gender, mild_intellectual_disability, prior_youth_care)
         select $1::uuid, r.* from unnest($2::text[], $3::int2[], $4::text[], $5::text[], $6::text[])
                as r(registry_key, birth_year, gender, mild_intellectual_disability, prior_youth_care)
          order by r.registry_key
         on conflict (institution_id, registry_key) do update
            set birth_year = excluded.birth_year, gender = excluded.gender,
                mild_intellectual_disability = excluded.mild_intellectual_disability,
                prior_youth_care = excluded.prior_youth_care, updated_at = now()
          where s.erased_at is null
            and (s.birth_year, s.gender, s.mild_intellectual_disability, s.prior_youth_care)
                is distinct from (excluded.birth_year, excluded.gender, excluded.mild_intellectual_disability, excluded.prior_youth_care)
         returning s.registry_key`,
        [
          institutionId,
          keys,
          sorted.map((view) => view.birthYear),
          sorted.map((view) => view.gender),
          sorted.map((view) => view.mildIntellectualDisability),
          sorted.map((view) => view.priorYouthCare),
        ],
      );
      const changedKeys = new Set(changed.rows.map((row) => row.registry_key));
      const { rows } = await connection.query<{ registry_key: string; id: string; erased: boolean; objected: boolean }>(
        `select s.registry_key, s.id, s.erased_at is not null as erased,
                exists (select 1 from subject_objections o where o.registry_key = s.registry_key) as objected
           from subjects s
          where s.institution_id = $1 and s.registry_key = any($2::text[])`,
        [institutionId, keys],
      );
      return new Map(
        rows.map((row) => [
          row.registry_key,
          {
            id: row.id,
            refusal: row.objected ? 'SUBJECT_OBJECTED' : row.erased ? 'SUBJECT_ERASED' : undefined,
            changed: changedKeys.has(row.registry_key),
          },
        ]),
      );
    },

    /**
     * The institution erases its own records of a youth: its trajectories (their placements,
     * activities, measurements and indicators go with them) and its view of her, leaving a
     * tombstone that refuses its later pushes. Nothing at another institution is read or changed.
     */
    async eraseAtInstitution(institutionId: string, registryKey: string): Promise<ErasedAtInstitution> {
      await connection.query('select pg_advisory_xact_lock_shared($1)', [LOCKS.releasedRows]);
      const [row] = await lockAsTombstones([institutionId], registryKey);
      if (!row) throw new Error('the subject row was not locked');
      if (row.erased && !row.inserted) return { status: 'already_erased', trajectories: 0 };
      const removed = await connection.query<{ id: string }>(
        'delete from trajectories where institution_id = $1 and subject_id = $2 returning id',
        [institutionId, row.id],
      );
      await connection.query(
        `update subjects set birth_year = null, gender = null, mild_intellectual_disability = null, prior_youth_care = null,
                erased_at = coalesce(erased_at, now()), updated_at = now()
          where id = $1`,
        [row.id],
      );
      return { status: 'erased', trajectories: removed.rows.length };
    },

    /**
     * A registry-wide objection: every record of the youth at every institution goes, and so do
     * the institutions' views and tombstones; one objection row with the registry key remains.
     */
    async objectRegistryWide(registryKey: string): Promise<ObjectionResult> {
      await connection.query('select pg_advisory_xact_lock_shared($1)', [LOCKS.releasedRows]);
      const institutions = await connection.query<{ id: string }>('select id from institutions order by id');
      const locked = await lockAsTombstones(
        institutions.rows.map((row) => row.id),
        registryKey,
      );
      const removed = await connection.query<{ institution_id: string }>(
        'delete from trajectories where subject_id = any($1::uuid[]) returning institution_id',
        [locked.map((row) => row.id)],
      );
      await connection.query('delete from subjects where registry_key = $1', [registryKey]);
      const objection = await connection.query(
        'insert into subject_objections (registry_key) values ($1) on conflict (registry_key) do nothing returning registry_key',
        [registryKey],
      );
      return {
        status: objection.rows.length > 0 ? 'erased' : 'already_erased',
        trajectories: removed.rows.length,
        institutions: new Set(removed.rows.map((row) => row.institution_id)).size,
      };
    },
  };
}

export type SubjectsRepository = ReturnType<typeof createSubjectsRepository>;
