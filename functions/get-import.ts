import * as z from 'zod';
import { getImport } from '../src/core/import-jobs.ts';
import { importJobDeps } from './commons/imports.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const ImportIdParams = z.object({ importId: z.uuid() });

/** An import job's progress: its status, rows done of the file's, what was created, and each row's problems. */
export const handler = staffRoute(events, { params: ImportIdParams }, async ({ params, principal }) => ({
  status: 200,
  json: await getImport(importJobDeps, principal, params.importId),
}));
