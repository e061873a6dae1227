import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RespClient, plain } from '../helpers/resp-client';
import { type ServerHandle, startTandem } from '../helpers/servers';

describe('pub/sub', () => {
  let srv: ServerHandle;
  const open: RespClient[] = [];
  const client = async () => {
    const c = await srv.client();
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    srv = await startTandem();
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await srv?.stop();
  });

  it('fans a message out to every subscriber of the channel', async () => {
    const subs = await Promise.all([client(), client(), client()]);
    for (const s of subs) expect(await s.cmd('SUBSCRIBE', 'fan')).toEqual(['subscribe', 'fan', 1]);
    const pub = await client();
    expect(await pub.cmd('PUBLISH', 'fan', 'hello')).toBe(3);
    for (const s of subs) {
      expect(await s.next()).toEqual({
        t: 'array',
        v: [
          { t: 'bulk', v: 'message' },
          { t: 'bulk', v: 'fan' },
          { t: 'bulk', v: 'hello' },
        ],
      });
    }
    expect(await pub.cmd('PUBSUB', 'NUMSUB', 'fan')).toEqual(['fan', 3]);
    // messages keep their order per subscriber
    for (let i = 0; i < 50; i++) pub.send('PUBLISH', 'fan', `m${i}`);
    for (let i = 0; i < 50; i++) expect(await pub.next()).toEqual({ t: 'int', v: 3n });
    for (const s of subs) {
      for (let i = 0; i < 50; i++) expect(((await s.next()) as { v: { v: string }[] }).v[2].v).toBe(`m${i}`);
    }
  });

  it('delivers twice to a client subscribed to the channel and a matching pattern', async () => {
    const s = await client();
    expect(await s.cmd('SUBSCRIBE', 'news.tech')).toEqual(['subscribe', 'news.tech', 1]);
    expect(await s.cmd('PSUBSCRIBE', 'news.*')).toEqual(['psubscribe', 'news.*', 2]);
    expect(await s.cmd('PSUBSCRIBE', 'other.*')).toEqual(['psubscribe', 'other.*', 3]);
    const pub = await client();
    expect(await pub.cmd('PUBLISH', 'news.tech', 'x')).toBe(2);
    expect(plain(await s.next())).toEqual(['message', 'news.tech', 'x']);
    expect(plain(await s.next())).toEqual(['pmessage', 'news.*', 'news.tech', 'x']);
    expect(await pub.cmd('PUBLISH', 'news.art', 'y')).toBe(1);
    expect(plain(await s.next())).toEqual(['pmessage', 'news.*', 'news.art', 'y']);
    expect(await pub.cmd('PUBLISH', 'sports', 'z')).toBe(0);
    expect(await pub.cmd('PUBSUB', 'NUMPAT')).toBe(2);
    // counts go down across kinds
    expect(await s.cmd('UNSUBSCRIBE', 'news.tech')).toEqual(['unsubscribe', 'news.tech', 2]);
    expect(await s.cmd('PUNSUBSCRIBE', 'news.*')).toEqual(['punsubscribe', 'news.*', 1]);
    expect(await s.cmd('PUNSUBSCRIBE')).toEqual(['punsubscribe', 'other.*', 0]);
    expect(await pub.cmd('PUBSUB', 'NUMPAT')).toBe(0);
    // out of the subscribed context again
    expect(await s.cmd('ECHO', 'back')).toBe('back');
  });

  it('RESP3: messages arrive as push frames interleaved with ordinary replies', async () => {
    const s = await client();
    expect((await s.call('HELLO', '3')).t).toBe('map');
    expect(await s.call('SUBSCRIBE', 'r3')).toEqual({
      t: 'push',
      v: [
        { t: 'bulk', v: 'subscribe' },
        { t: 'bulk', v: 'r3' },
        { t: 'int', v: 1n },
      ],
    });
    // RESP3 has no subscribed-context restriction
    expect(await s.call('ECHO', 'e1')).toEqual({ t: 'bulk', v: 'e1' });
    expect(await s.call('PING')).toEqual({ t: 'status', v: 'PONG' });
    const pub = await client();
    expect(await pub.cmd('PUBLISH', 'r3', 'm1')).toBe(1);
    s.send('ECHO', 'e2');
    expect(await s.call('PING')).toEqual({
      t: 'push',
      v: [
        { t: 'bulk', v: 'message' },
        { t: 'bulk', v: 'r3' },
        { t: 'bulk', v: 'm1' },
      ],
    });
    expect(await s.next()).toEqual({ t: 'bulk', v: 'e2' });
    expect(await s.next()).toEqual({ t: 'status', v: 'PONG' });
    // publishing to ourselves: the push comes before our PUBLISH reply
    s.send('PUBLISH', 'r3', 'self');
    expect((await s.next()).t).toBe('push');
    expect(await s.next()).toEqual({ t: 'int', v: 1n });
    expect(await s.call('UNSUBSCRIBE')).toEqual({
      t: 'push',
      v: [
        { t: 'bulk', v: 'unsubscribe' },
        { t: 'bulk', v: 'r3' },
        { t: 'int', v: 0n },
      ],
    });
    expect(await s.call('UNSUBSCRIBE')).toEqual({
      t: 'push',
      v: [{ t: 'bulk', v: 'unsubscribe' }, { t: 'null' }, { t: 'int', v: 0n }],
    });
  });

  it('RESP2: only (un)subscribe, PING, QUIT and RESET are allowed while subscribed', async () => {
    const s = await client();
    await s.cmd('SUBSCRIBE', 'ctx');
    expect(await s.cmd('ECHO', 'x')).toEqual({
      error:
        "ERR Can't execute 'echo': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    });
    expect(await s.cmd('CLIENT', 'ID')).toEqual({
      error:
        "ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    });
    expect(await s.cmd('PING')).toEqual(['pong', '']);
    expect(await s.cmd('PING', 'p')).toEqual(['pong', 'p']);
    expect(await s.cmd('QUIT')).toBe('OK');
    await s.waitClose();
    const pub = await client();
    expect(await pub.cmd('PUBSUB', 'NUMSUB', 'ctx')).toEqual(['ctx', 0]);
  });

  it('binary channel names, patterns and payloads', async () => {
    const ch = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x20]);
    const msg = Buffer.from([0xc3, 0x28, 0, 0x0a]);
    const s = await client();
    expect(await s.cmd('SUBSCRIBE', ch)).toEqual(['subscribe', ch.toString('latin1'), 1]);
    expect(await s.cmd('PSUBSCRIBE', Buffer.from([0, 0x2a]))).toEqual(['psubscribe', '\x00*', 2]);
    const pub = await client();
    expect(await pub.cmd('PUBLISH', ch, msg)).toBe(2);
    expect(plain(await s.next())).toEqual(['message', ch.toString('latin1'), msg.toString('latin1')]);
    expect(plain(await s.next())).toEqual(['pmessage', '\x00*', ch.toString('latin1'), msg.toString('latin1')]);
    expect(await pub.cmd('PUBSUB', 'CHANNELS', Buffer.from([0, 0x2a]))).toEqual([ch.toString('latin1')]);
  });

  it('RESET and disconnect drop every kind of subscription', async () => {
    const pub = await client();
    const patternsBefore = await pub.cmd('PUBSUB', 'NUMPAT'); // other tests' subscribers may still be around
    const s = await client();
    await s.cmd('SUBSCRIBE', 'z1');
    await s.cmd('PSUBSCRIBE', 'z*');
    await s.cmd('SSUBSCRIBE', 'zs');
    expect(await pub.cmd('PUBSUB', 'NUMSUB', 'z1')).toEqual(['z1', 1]);
    expect(await pub.cmd('PUBSUB', 'SHARDNUMSUB', 'zs')).toEqual(['zs', 1]);
    expect(await s.cmd('RESET')).toBe('RESET');
    expect(await pub.cmd('PUBSUB', 'NUMSUB', 'z1')).toEqual(['z1', 0]);
    expect(await pub.cmd('PUBSUB', 'SHARDNUMSUB', 'zs')).toEqual(['zs', 0]);
    expect(await pub.cmd('PUBSUB', 'NUMPAT')).toBe(patternsBefore);
    expect(await pub.cmd('PUBLISH', 'z1', 'm')).toBe(0);
    expect(await s.cmd('ECHO', 'free')).toBe('free');

    await s.cmd('SUBSCRIBE', 'z2');
    await s.cmd('SSUBSCRIBE', 'zs2');
    s.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(await pub.cmd('PUBSUB', 'NUMSUB', 'z2')).toEqual(['z2', 0]);
    expect(await pub.cmd('PUBSUB', 'SHARDCHANNELS')).toEqual([]);
  });

  it('CLIENT LIST reports the subscription counts', async () => {
    const s = await client();
    await s.cmd('SUBSCRIBE', 'l1', 'l2');
    await s.cmd('PSUBSCRIBE', 'l*');
    await s.cmd('SSUBSCRIBE', 'ls');
    const pub = await client();
    const list = (await pub.cmd('CLIENT', 'LIST')) as string;
    const line = list.split('\n').find((l) => / sub=2 /.test(l));
    expect(line).toMatch(/ flags=P .* sub=2 psub=1 ssub=1 /);
    expect(await pub.cmd('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBeGreaterThanOrEqual(1);
  });

  it('SPUBLISH reaches shard subscribers only, PUBLISH never does', async () => {
    const shard = await client();
    const classic = await client();
    expect(await shard.cmd('SSUBSCRIBE', 'orders')).toEqual(['ssubscribe', 'orders', 1]);
    expect(await classic.cmd('PSUBSCRIBE', '*')).toEqual(['psubscribe', '*', 1]);
    const pub = await client();
    expect(await pub.cmd('SPUBLISH', 'orders', 'o1')).toBe(1);
    expect(plain(await shard.next())).toEqual(['smessage', 'orders', 'o1']);
    expect(await pub.cmd('PUBLISH', 'orders', 'o2')).toBe(1);
    expect(plain(await classic.next())).toEqual(['pmessage', '*', 'orders', 'o2']);
    // the shard subscriber got nothing from PUBLISH: its next frame is the reply to this PING
    expect(await shard.cmd('PING')).toEqual(['pong', '']);
    expect(await shard.cmd('SUNSUBSCRIBE')).toEqual(['sunsubscribe', 'orders', 0]);
  });
});

describe('pub/sub output buffer limit', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startTandem({ args: ['--client-output-buffer-limit', 'pubsub 262144 0 0'] });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('disconnects a subscriber that does not read, and the server carries on', async () => {
    const slow = await srv.client();
    expect(await slow.cmd('SUBSCRIBE', 'flood')).toEqual(['subscribe', 'flood', 1]);
    const fast = await srv.client();
    expect(await fast.cmd('SUBSCRIBE', 'flood')).toEqual(['subscribe', 'flood', 1]);
    let fastGot = 0;
    const fastDone = (async () => {
      for (;;) {
        const r = await fast.next(10_000).catch(() => null);
        if (r === null) return;
        fastGot++;
      }
    })();
    slow.socket.pause(); // stop reading: the server-side buffer grows

    const pub = await srv.client();
    const payload = 'x'.repeat(64 * 1024);
    let receivers = 2;
    for (let i = 0; i < 2000 && receivers === 2; i++) {
      receivers = Number(await pub.cmd('PUBLISH', 'flood', payload));
    }
    // once the slow subscriber is gone only the reading one remains
    expect(receivers).toBe(1);
    expect(await pub.cmd('PUBSUB', 'NUMSUB', 'flood')).toEqual(['flood', 1]);
    expect(await pub.cmd('PING')).toBe('PONG');
    slow.socket.resume();
    await slow.waitClose(10_000);
    expect(srv.output()).toMatch(/scheduled to be closed ASAP for overcoming of output buffer limits/);
    expect(await pub.cmd('PUBLISH', 'flood', 'last')).toBe(1);
    fast.close();
    await fastDone;
    expect(fastGot).toBeGreaterThan(0);
    pub.close();
  });
});
