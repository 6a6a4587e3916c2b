// The reporting suite on embedded PGlite: always runs.
import { pgliteBackend } from './backends.ts';
import { reportingSuite } from './suite.ts';

reportingSuite('pglite', pgliteBackend);
