// Which code a benchmark measured: git HEAD, whether src/ differs from it, and a hash of every file under
// src/ (so two runs on the same uncommitted tree can be told apart from runs on different ones).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './children.ts';

export interface CodeVersion {
  head: string;
  srcDirty: boolean;
  srcHash: string;
}

export function codeVersion(): CodeVersion {
  const git = (...a: string[]): string => {
    try {
      return execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path.slice(root.length)).update(readFileSync(path));
    }
  };
  walk(join(root, 'src'));
  return { head: git('rev-parse', '--short', 'HEAD') || 'none', srcDirty: git('status', '--porcelain', '--', 'src') !== '', srcHash: hash.digest('hex').slice(0, 12) };
}
