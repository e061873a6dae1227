import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIRECTIVES } from '../../src/config/directives';

describe('docs/CONFIG.md', () => {
  it('lists every directive with its current mutability and status (regenerate with scripts/gen-config-doc.js)', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'CONFIG.md'), 'utf8');
    for (const d of DIRECTIVES) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${d.name}\` |`));
      expect(row, d.name).toBeDefined();
      const cells = row!.split(' | ');
      expect(cells[4], `${d.name} mutable`).toBe(d.mutable ? 'yes' : 'no');
      expect(cells[5], `${d.name} status`).toBe(d.status);
    }
  });
});
