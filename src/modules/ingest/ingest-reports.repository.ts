import { createHash } from 'node:crypto';
import type { SqlConnection } from '../../db/client';
import type { InstitutionScope } from '../../plugins/request-scope';
import type { IngestReport } from './ingest-report';

// Stored ingest reports and idempotency keys (one table: a key's answer is its report).
// A key is stored as its SHA-256 only: a retry is recognised by the same hash, and whatever a
// client put in its key never sits in the database (migrations/0008 checks the stored form).
const keyHash = (idempotencyKey: string) => createHash('sha256').update(idempotencyKey, 'utf8').digest('hex');

export interface StoredReport {
  id: string;
  outcome: 'in_progress' | 'committed' | 'rolled_back';
  requestHash: string | null;
  httpStatus: number | null;
  report: IngestReport | null;
  ageSeconds: number;
}

interface StoredRow {
  id: string;
  outcome: StoredReport['outcome'];
  request_hash: string | null;
  http_status: number | null;
  report: IngestReport | null;
  age_seconds: number;
}

const toStored = (row: StoredRow): StoredReport => ({
  id: row.id,
  outcome: row.outcome,
  requestHash: row.request_hash,
  httpStatus: row.http_status,
  report: row.report,
  ageSeconds: Number(row.age_seconds),
});

const COLUMNS = 'id, outcome, request_hash, http_status, report, extract(epoch from now() - created_at)::int as age_seconds';

export function createIngestReportsRepository(connection: SqlConnection) {
  return {
    /** Claims an idempotency key for a new request; returns the existing row if already claimed. */
    async claim(
      institutionId: string,
      idempotencyKey: string,
      id: string,
    ): Promise<{ claimed: true } | { claimed: false; existing: StoredReport }> {
      const inserted = await connection.query(
        `insert into ingest_reports (id, institution_id, idempotency_key, outcome) values ($1, $2, $3, 'in_progress')
         on conflict (institution_id, idempotency_key) do nothing returning id`,
        [id, institutionId, keyHash(idempotencyKey)],
      );
      if (inserted.rows.length > 0) return { claimed: true };
      const { rows } = await connection.query<StoredRow>(
        `select ${COLUMNS} from ingest_reports where institution_id = $1 and idempotency_key = $2`,
        [institutionId, keyHash(idempotencyKey)],
      );
      return { claimed: false, existing: toStored(rows[0]!) };
    },

    /** Takes over a claim abandoned by a request that died. */
    async reclaim(id: string): Promise<void> {
      await connection.query(`update ingest_reports set created_at = now() where id = $1 and outcome = 'in_progress'`, [id]);
    },

    /** Stores a finished report: completes a claimed key, or inserts a report without one. */
    async save(
      institutionId: string,
      report: IngestReport,
      httpStatus: number,
      requestHash: string,
      idempotencyKey?: string,
    ): Promise<void> {
      const outcome = report.outcome === 'committed' ? 'committed' : 'rolled_back';
      if (idempotencyKey) {
        await connection.query(
          `update ingest_reports set outcome = $2, http_status = $3, report = $4, request_hash = $5, completed_at = now() where id = $1`,
          [report.id, outcome, httpStatus, JSON.stringify(report), requestHash],
        );
        return;
      }
      await connection.query(
        `insert into ingest_reports (id, institution_id, outcome, http_status, report, request_hash, completed_at)
         values ($1, $2, $3, $4, $5, $6, now())`,
        [report.id, institutionId, outcome, httpStatus, JSON.stringify(report), requestHash],
      );
    },

    /** Lets a key be used again after its request failed without an answer (a 5xx). */
    async releaseClaims(ids: readonly string[]): Promise<void> {
      await connection.query(`delete from ingest_reports where id = any($1::uuid[]) and outcome = 'in_progress'`, [ids]);
    },

    /** A report of the scope's institution; another institution's is not found. */
    async find(scope: InstitutionScope, id: string): Promise<StoredReport | undefined> {
      const { rows } = await connection.query<StoredRow>(`select ${COLUMNS} from ingest_reports where institution_id = $1 and id = $2`, [
        scope.institution.id,
        id,
      ]);
      return rows[0] ? toStored(rows[0]) : undefined;
    },
  };
}
