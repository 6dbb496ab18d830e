import { inArray } from 'drizzle-orm';
import { queryBuilder, runOn, type SqlConnection } from '../../db/client';
import { activityTypes, instrumentInformants, instruments, institutions, programmeOfferItems, programmes } from '../../db/schema';
import { ACTIVITY_TYPES, INSTITUTIONS, INSTRUMENTS } from './reference-data';

/**
 * Loads the catalogues, institutions and programmes, in the caller's transaction. Idempotent:
 * rows that exist are left as they are, so a deployment may adjust them (for example with real
 * psychometric values). Drizzle builds the statements, the transaction's connection runs them.
 */
export async function writeReferenceData(connection: SqlConnection): Promise<void> {
  await runOn(connection, queryBuilder.insert(activityTypes).values(ACTIVITY_TYPES).onConflictDoNothing());
  await runOn(
    connection,
    queryBuilder
      .insert(instruments)
      .values(INSTRUMENTS.map(({ informants: _informants, ...instrument }) => instrument))
      .onConflictDoNothing(),
  );
  await runOn(
    connection,
    queryBuilder
      .insert(instrumentInformants)
      .values(
        INSTRUMENTS.flatMap((instrument) => instrument.informants.map((informant) => ({ instrumentCode: instrument.code, informant }))),
      )
      .onConflictDoNothing(),
  );

  await runOn(
    connection,
    queryBuilder
      .insert(institutions)
      .values(INSTITUTIONS.map(({ code, name }) => ({ code, name, synthetic: true })))
      .onConflictDoNothing(),
  );
  const institutionRows = await runOn<{ id: string; code: string }>(
    connection,
    queryBuilder
      .select({ id: institutions.id, code: institutions.code })
      .from(institutions)
      .where(
        inArray(
          institutions.code,
          INSTITUTIONS.map((institution) => institution.code),
        ),
      ),
  );
  const institutionIds = new Map(institutionRows.map((row) => [row.code, row.id]));

  for (const institution of INSTITUTIONS) {
    for (const programme of institution.programmes) {
      const inserted = await runOn<{ id: string }>(
        connection,
        queryBuilder
          .insert(programmes)
          .values({
            institutionId: institutionIds.get(institution.code)!,
            code: programme.code,
            name: programme.name,
            settings: programme.settings,
            description: programme.description,
          })
          .onConflictDoNothing()
          .returning({ id: programmes.id }),
      );
      // Only a programme created now gets its handbook's offer; an existing one keeps its own.
      const programmeId = inserted[0]?.id;
      if (!programmeId) continue;
      await runOn(connection, queryBuilder.insert(programmeOfferItems).values(programme.offer.map((item) => ({ ...item, programmeId }))));
    }
  }
}
