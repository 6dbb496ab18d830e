import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { activityTypes, instrumentInformants, instruments, institutions, programmeOfferItems, programmes } from '../../db/schema';
import type { Informant } from '../../lib/vocabulary';

/** Read access to the reference data; the catalogues are the same for every caller. */
export function createCatalogueRepository(db: Executor) {
  return {
    listActivityTypes: () => db.select().from(activityTypes).orderBy(asc(activityTypes.code)),

    async listInstruments() {
      const [rows, informantRows] = await Promise.all([
        db.select().from(instruments).orderBy(asc(instruments.code)),
        db.select().from(instrumentInformants),
      ]);
      const informantsByInstrument = new Map<string, Informant[]>();
      for (const row of informantRows) {
        const list = informantsByInstrument.get(row.instrumentCode) ?? [];
        list.push(row.informant);
        informantsByInstrument.set(row.instrumentCode, list);
      }
      return rows.map((row) => ({ ...row, informants: (informantsByInstrument.get(row.code) ?? []).sort() }));
    },

    /** The id behind an institution's code; undefined for a code that names none. */
    async findInstitutionId(code: string): Promise<string | undefined> {
      const [row] = await db.select({ id: institutions.id }).from(institutions).where(eq(institutions.code, code));
      return row?.id;
    },

    /** Every institution's code with its id (internal: the public list carries no ids). */
    listInstitutionIds: () =>
      db.select({ code: institutions.code, id: institutions.id }).from(institutions).orderBy(asc(institutions.code)),

    /** Every programme's code with its id and institution's code (internal: the public list carries no ids). */
    listProgrammeIds: () =>
      db
        .select({ id: programmes.id, code: programmes.code, institutionCode: institutions.code })
        .from(programmes)
        .innerJoin(institutions, eq(institutions.id, programmes.institutionId))
        .orderBy(asc(programmes.code)),

    listInstitutions: () =>
      db
        .select({ code: institutions.code, name: institutions.name, synthetic: institutions.synthetic })
        .from(institutions)
        .orderBy(asc(institutions.code)),

    async listProgrammes() {
      const [rows, offerRows] = await Promise.all([
        db
          .select({
            id: programmes.id,
            code: programmes.code,
            name: programmes.name,
            settings: programmes.settings,
            description: programmes.description,
            institutionCode: institutions.code,
          })
          .from(programmes)
          .innerJoin(institutions, eq(institutions.id, programmes.institutionId))
          .orderBy(asc(programmes.code)),
        db.select().from(programmeOfferItems).orderBy(asc(programmeOfferItems.activityTypeCode)),
      ]);
      return rows.map(({ id, ...programme }) => ({
        ...programme,
        fixedOffer: offerRows.filter((offer) => offer.programmeId === id).map(({ programmeId: _programmeId, ...offer }) => offer),
      }));
    },
  };
}

export type CatalogueRepository = ReturnType<typeof createCatalogueRepository>;
