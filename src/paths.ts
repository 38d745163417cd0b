import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root (where package.json, schemas/ and templates/ are), found from this module's place. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('lbgen: cannot find its package root');
    dir = up;
  }
  return dir;
}

export const packageRoot = findRoot();
export const schemaPath = join(packageRoot, 'schemas', 'topology.schema.json');
export const templatesDir = join(packageRoot, 'templates');
