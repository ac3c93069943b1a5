import { fileURLToPath } from 'node:url';

// Resolved from this file so the paths hold under tsx (src/) and the build (dist/).
const root = fileURLToPath(new URL('../../', import.meta.url));

export const projectRoot = root;

export const projectPaths = {
  schemaPath: `${root}prisma/schema.prisma`,
  migrationsDir: `${root}prisma/migrations`,
};
