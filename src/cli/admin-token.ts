// The admin token: from the environment, or generated on first start and kept (mode 0600) in the data
// directory so it survives restarts.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function resolveAdminToken(dataDir: string, fromEnv: string | undefined): Promise<{ token: string; source: string }> {
  if (fromEnv) return { token: fromEnv, source: 'EXCHANGE_ADMIN_TOKEN' };
  const path = join(dataDir, 'admin-token');
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 16) return { token, source: path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  await writeFile(path, token + '\n', { mode: 0o600 });
  return { token, source: path };
}
