// The reporting suite on a PostgreSQL server: runs when DATABASE_URL is set, in a database of its own
// that it creates and drops.
import { postgresBackend } from './backends.ts';
import { reportingSuite } from './suite.ts';

const url = process.env.DATABASE_URL;
reportingSuite('postgres', url ? () => postgresBackend(url) : 'DATABASE_URL is not set: set it to a PostgreSQL URL to run this suite');
