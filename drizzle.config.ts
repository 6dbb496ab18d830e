import { defineConfig } from 'drizzle-kit';

// Used only by `npm run db:generate` to turn src/db/schema into SQL migrations.
// The service applies migrations itself at start-up (src/db/migrate.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './migrations',
  strict: true,
});
