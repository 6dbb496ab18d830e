import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { institutions, programmeOfferItems, programmes } from '../../src/db/schema';
import { INSTITUTIONS } from '../../src/modules/catalogue/reference-data';
import { trajectoryBody } from './records';
import type { TestApp } from './test-app';

// A fresh institution per test (like Medplum's tenant per test): its own programmes, its own API
// key and so its own records, so no test reads what another test wrote, whatever the order. The
// six seeded institutions stay for the tests that are about them (the catalogue, the demo data).

/** Letters only: digits in a code could look like a phone number or a date to the PII guard. */
const letters = (bytes: number) =>
  randomBytes(bytes)
    .toString('hex')
    .replace(/\d/g, (digit) => 'ghijklmnop'[Number(digit)]!);

/** The handbook programmes a fresh institution copies: Vuurtorenhuis' residential and ambulatory ones. */
const [RESIDENTIAL, AMBULATORY] = INSTITUTIONS.find((institution) => institution.code === 'vuurtorenhuis')!.programmes as [
  (typeof INSTITUTIONS)[number]['programmes'][number],
  (typeof INSTITUTIONS)[number]['programmes'][number],
];

export interface InstitutionFixture {
  id: string;
  code: string;
  /** Programme codes: a residential one (the default of `trajectoryBody`) and an ambulatory one. */
  programmes: { residential: string; ambulatory: string };
  /** The Authorization header of an institution key for it. */
  authorization: string;
  keyId: string;
  /** A valid trajectory body under this institution's residential programme. */
  trajectoryBody(overrides?: Record<string, unknown>): ReturnType<typeof trajectoryBody>;
  put(path: string, payload: unknown): Promise<LightMyRequestResponse>;
  get(path: string): Promise<LightMyRequestResponse>;
}

/** Needs only the app, its database and a key maker: a file that builds its own app can pass those. */
export async function createInstitution(
  t: Pick<TestApp, 'app' | 'database' | 'authorization'>,
  options: { name?: string } = {},
): Promise<InstitutionFixture> {
  const code = `tst-${letters(6)}`;
  const [row] = await t.database.orm
    .insert(institutions)
    .values({ code, name: options.name ?? `Test institution ${code} (fictional)`, synthetic: true })
    .returning({ id: institutions.id });
  const id = row!.id;
  const codes = { residential: `${code}-res`, ambulatory: `${code}-amb` };
  for (const [programme, programmeCode] of [
    [RESIDENTIAL, codes.residential],
    [AMBULATORY, codes.ambulatory],
  ] as const) {
    const [inserted] = await t.database.orm
      .insert(programmes)
      .values({
        institutionId: id,
        code: programmeCode,
        name: programme.name,
        settings: programme.settings,
        description: programme.description,
      })
      .returning({ id: programmes.id });
    await t.database.orm.insert(programmeOfferItems).values(programme.offer.map((item) => ({ ...item, programmeId: inserted!.id })));
  }
  const { authorization, keyId } = await t.authorization('institution', code);
  return {
    id,
    code,
    programmes: codes,
    authorization,
    keyId,
    trajectoryBody: (overrides = {}) => trajectoryBody({ programmeCode: codes.residential, ...overrides }),
    put: (path, payload) => t.app.inject({ method: 'PUT', url: path, headers: { authorization }, payload: payload as object }),
    get: (path) => t.app.inject({ method: 'GET', url: path, headers: { authorization } }),
  };
}
