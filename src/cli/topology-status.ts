/**
 * Status of a running topology, read from each node's INFO: role, link state, offsets, lag and sync progress. Used by
 * the launcher's console output and by the live status page (an HTML page polling /status.json).
 */
import http from 'node:http';
import { info } from './probe';

export interface NodeStatus {
  port: number;
  up: boolean;
  role: string;
  /** replicas: master_link_status; masters: '-' */
  link: string;
  offset: number;
  /** replicas: bytes behind their master's offset; masters: 0 */
  lagBytes: number;
  connectedReplicas: number;
  syncInProgress: boolean;
  syncPerc: string;
  keys: number;
  opsPerSec: number;
  masterPort: number | null;
}

export async function readStatus(ports: readonly number[]): Promise<NodeStatus[]> {
  const infos = await Promise.all(ports.map((p) => info(p).catch(() => null)));
  const offsets = new Map<number, number>();
  infos.forEach((i, k) => {
    if (i) offsets.set(ports[k], Number(i.get('master_repl_offset') ?? 0));
  });
  return infos.map((i, k) => {
    const port = ports[k];
    if (!i) {
      return {
        port,
        up: false,
        role: 'down',
        link: '-',
        offset: 0,
        lagBytes: 0,
        connectedReplicas: 0,
        syncInProgress: false,
        syncPerc: '',
        keys: 0,
        opsPerSec: 0,
        masterPort: null,
      };
    }
    const role = i.get('role') === 'slave' ? 'replica' : (i.get('role') ?? '?');
    const masterPort = role === 'replica' ? Number(i.get('master_port')) : null;
    const offset = Number(i.get('master_repl_offset') ?? 0);
    const masterOffset = masterPort !== null ? offsets.get(masterPort) : undefined;
    let keys = 0;
    for (const [f, v] of i) if (/^db\d+$/.test(f)) keys += Number(/keys=(\d+)/.exec(v)?.[1] ?? 0);
    return {
      port,
      up: true,
      role,
      link: role === 'replica' ? (i.get('master_link_status') ?? '?') : '-',
      offset,
      lagBytes: masterOffset !== undefined ? Math.max(0, masterOffset - offset) : 0,
      connectedReplicas: Number(i.get('connected_slaves') ?? 0),
      syncInProgress: i.get('master_sync_in_progress') === '1',
      syncPerc: i.get('master_sync_perc') ?? '',
      keys,
      opsPerSec: Number(i.get('instantaneous_ops_per_sec') ?? 0),
      masterPort,
    };
  });
}

export function formatStatusLine(s: NodeStatus): string {
  if (!s.up) return `127.0.0.1:${s.port}  down`;
  const parts = [`127.0.0.1:${s.port}`, s.role.padEnd(7)];
  if (s.role === 'replica') {
    parts.push(`of :${s.masterPort}`, `link ${s.link}`);
    if (s.syncInProgress) parts.push(`syncing ${s.syncPerc}%`);
    parts.push(`lag ${s.lagBytes} B`);
  } else {
    parts.push(`replicas ${s.connectedReplicas}`);
  }
  parts.push(`offset ${s.offset}`, `keys ${s.keys}`);
  return parts.join('  ');
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Tandem topology</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:.35em .8em;border-bottom:1px solid #ddd;text-align:left}
.up{color:#0a7d32}.down{color:#b00020}.bar{background:#eee;width:120px;height:8px}.bar>div{background:#3b82f6;height:8px}
</style></head><body>
<h1>Tandem topology</h1><p id="when"></p>
<table><thead><tr><th>node</th><th>role</th><th>master</th><th>link</th><th>offset</th><th>lag (bytes)</th>
<th>sync</th><th>replicas</th><th>keys</th><th>ops/s</th></tr></thead><tbody id="rows"></tbody></table>
<script>
async function tick(){
  try{
    const r=await fetch('status.json');const nodes=await r.json();
    document.getElementById('rows').innerHTML=nodes.map(n=>'<tr><td>127.0.0.1:'+n.port+'</td><td>'+n.role+'</td><td>'+
      (n.masterPort?':'+n.masterPort:'')+'</td><td class="'+(n.link==='up'||n.link==='-'?'up':'down')+'">'+n.link+
      '</td><td>'+n.offset+'</td><td>'+n.lagBytes+'</td><td>'+(n.syncInProgress?'<div class="bar"><div style="width:'+
      (parseFloat(n.syncPerc)||0)+'%"></div></div>':'')+'</td><td>'+n.connectedReplicas+'</td><td>'+n.keys+'</td><td>'+
      n.opsPerSec+'</td></tr>').join('');
    document.getElementById('when').textContent='updated '+new Date().toLocaleTimeString();
  }catch(e){document.getElementById('when').textContent='launcher unreachable';}
}
tick();setInterval(tick,1000);
</script></body></html>`;

/** Serves the status page on 127.0.0.1:port. */
export function serveStatusPage(port: number, ports: readonly number[]): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/status.json') {
      readStatus(ports)
        .then((s) => {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify(s));
        })
        .catch((e: Error) => {
          res.writeHead(500);
          res.end(e.message);
        });
      return;
    }
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
