/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) as text: self time per function and inclusive (top-down) time per
 * function, both as percentages of the samples, so profiles can be compared in commit messages and docs.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 30]
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^.*\/(dist|node_modules)\//, '').replace(/^node:/, '');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
}

export function summarise(p: Profile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) total += n.hitCount;
  // inclusive time counted once per label on each root-to-leaf path (recursion does not double count)
  const walk = (id: number, onPath: Set<string>): number => {
    const n = byId.get(id)!;
    let sum = n.hitCount;
    const l = label(n);
    self.set(l, (self.get(l) ?? 0) + n.hitCount);
    const fresh = !onPath.has(l);
    if (fresh) onPath.add(l);
    for (const c of n.children ?? []) sum += walk(c, onPath);
    if (fresh) {
      onPath.delete(l);
      incl.set(l, (incl.get(l) ?? 0) + sum);
    }
    return sum;
  };
  walk(p.nodes[0].id, new Set());
  const pct = (x: number) => `${((100 * x) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, x]) => `${pct(x)}  ${l}`)
      .join('\n');
  return `samples: ${total}\n\nself time:\n${list(self)}\n\ninclusive time:\n${list(incl)}\n`;
}

if (require.main === module) {
  const file = process.argv[2];
  const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 30;
  process.stdout.write(summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, top));
}
