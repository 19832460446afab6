#!/usr/bin/env node
// The `crr` command: registers the TypeScript loader, then runs bin/crr.ts.
import { register } from 'tsx/esm/api';

register();
await import('./crr.ts');
