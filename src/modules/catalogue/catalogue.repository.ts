import { asc, eq, getTableColumns } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { queryBuilder, runOn, type SqlConnection } from '../../db/client';
import { type ColumnsRow, named } from '../../db/named-columns';
import { activityTypes, instrumentInformants, instruments, institutions, programmeOfferItems, programmes } from '../../db/schema';
import type { Informant } from '../../lib/vocabulary';

const activityTypeColumns = getTableColumns(activityTypes);
const instrumentColumns = getTableColumns(instruments);
const informantColumns = getTableColumns(instrumentInformants);
const offerColumns = getTableColumns(programmeOfferItems);
const programmeIdColumns = { id: programmes.id, code: programmes.code, institutionCode: institutions.code };
const institutionColumns = { code: institutions.code, name: institutions.name, synthetic: institutions.synthetic };
const programmeColumns = {
  id: programmes.id,
  code: programmes.code,
  name: programmes.name,
  settings: programmes.settings,
  description: programmes.description,
  institutionCode: institutions.code,
};

/**
 * Read access to the reference data; the catalogues are the same for every caller. Reads on
 * their own: `connection` is the Database (or a transaction's connection, to read in it).
 */
export function createCatalogueRepository(connection: SqlConnection) {
  /** Programmes with their institution's code, in code order: `columns` of the two. */
  const programmesWith = <Columns extends Record<string, PgColumn>>(columns: Columns) =>
    runOn<ColumnsRow<Columns>>(
      connection,
      queryBuilder
        .select(named(columns))
        .from(programmes)
        .innerJoin(institutions, eq(institutions.id, programmes.institutionId))
        .orderBy(asc(programmes.code)),
    );
  return {
    listActivityTypes: () =>
      runOn<ColumnsRow<typeof activityTypeColumns>>(
        connection,
        queryBuilder.select(named(activityTypeColumns)).from(activityTypes).orderBy(asc(activityTypes.code)),
      ),

    async listInstruments() {
      const [rows, informantRows] = await Promise.all([
        runOn<ColumnsRow<typeof instrumentColumns>>(
          connection,
          queryBuilder.select(named(instrumentColumns)).from(instruments).orderBy(asc(instruments.code)),
        ),
        runOn<ColumnsRow<typeof informantColumns>>(connection, queryBuilder.select(named(informantColumns)).from(instrumentInformants)),
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
      const [row] = await runOn<{ id: string }>(
        connection,
        queryBuilder.select({ id: institutions.id }).from(institutions).where(eq(institutions.code, code)),
      );
      return row?.id;
    },

    /** Every institution's code with its id (internal: the public list carries no ids). */
    listInstitutionIds: () =>
      runOn<{ code: string; id: string }>(
        connection,
        queryBuilder.select({ code: institutions.code, id: institutions.id }).from(institutions).orderBy(asc(institutions.code)),
      ),

    /** Every programme's code with its id and institution's code (internal: the public list carries no ids). */
    listProgrammeIds: () => programmesWith(programmeIdColumns),

    listInstitutions: () =>
      runOn<ColumnsRow<typeof institutionColumns>>(
        connection,
        queryBuilder.select(named(institutionColumns)).from(institutions).orderBy(asc(institutions.code)),
      ),

    async listProgrammes() {
      const [rows, offerRows] = await Promise.all([
        programmesWith(programmeColumns),
        runOn<ColumnsRow<typeof offerColumns>>(
          connection,
          queryBuilder.select(named(offerColumns)).from(programmeOfferItems).orderBy(asc(programmeOfferItems.activityTypeCode)),
        ),
      ]);
      return rows.map(({ id, ...programme }) => ({
        ...programme,
        fixedOffer: offerRows.filter((offer) => offer.programmeId === id).map(({ programmeId: _programmeId, ...offer }) => offer),
      }));
    },
  };
}

export type CatalogueRepository = ReturnType<typeof createCatalogueRepository>;
