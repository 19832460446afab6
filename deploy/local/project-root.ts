// The repository's root folder: where the local stack keeps .data/ and .cache/, and where child
// processes (`node bin/crr.js …`, the OSS server's CLI) are started from.
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
