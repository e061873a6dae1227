/**
 * Turning a user back into rule words (ACL LIST, ACL SAVE, CONFIG REWRITE, ACL GETUSER's "commands"), with Redis
 * 7.0's algorithm so the same permissions print the same way: start from +@all or -@all, greedily add the
 * categories that fit best, then fix the remaining differences command by command.
 *
 * Only the order of the single-command words can differ from Redis: it walks a hash table whose order is random per
 * process, Tandem walks its commands alphabetically.
 */
import {
  ACL_CATEGORIES,
  type AclCmd,
  type AclUser,
  type KeyPattern,
  PERM_ALL,
  PERM_READ,
  SEL_ALLCHANNELS,
  SEL_ALLKEYS,
  SEL_ROOT,
  Selector,
  USER_FLAG_WORDS,
} from './acl';

export function keyPatternText(k: KeyPattern): string {
  const prefix = k.perm === PERM_ALL ? '~' : k.perm === PERM_READ ? '%R~' : '%W~';
  return prefix + k.pattern;
}

/** Commands on / off in `bits` among the commands of a category. */
function countCategory(sel: Selector, bit: number): [on: number, off: number] {
  let on = 0;
  let off = 0;
  for (const cmd of sel.catalog.cmds) {
    if (cmd.cats & bit) {
      if (sel.bits[cmd.id]) on++;
      else off++;
    }
  }
  return [on, off];
}

/** The command part of a selector: "+@all -@dangerous +flushdb", "-@all +get". */
export function describeCommandRules(sel: Selector): string {
  const catalog = sel.catalog;
  const additive = !sel.future;
  const words: string[] = [additive ? '-@all' : '+@all'];
  // `fake` replays the words emitted so far; `temp` holds what is still unexplained once a category is used.
  const fake = new Selector(catalog, 0);
  fake.apply(words[0]);
  const temp = new Selector(catalog, 0);
  temp.bits.set(sel.bits);
  const applied = new Array<boolean>(ACL_CATEGORIES.length).fill(false);
  for (;;) {
    let best = -1;
    let minDiff = Number.MAX_SAFE_INTEGER;
    let maxSame = 0;
    for (let j = 0; j < ACL_CATEGORIES.length; j++) {
      if (applied[j]) continue;
      const [on, off] = countCategory(temp, 1 << j);
      const diff = additive ? off : on;
      const same = additive ? on : off;
      if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
        best = j;
        minDiff = diff;
        maxSame = same;
      }
    }
    if (best === -1) break;
    fake.applyCategory(1 << best, additive);
    temp.applyCategory(1 << best, !additive);
    words.push(`${additive ? '+@' : '-@'}${ACL_CATEGORIES[best]}`);
    applied[best] = true;
  }
  for (const cmd of catalog.top) singleCommandWords(sel, fake, cmd, words);
  return words.join(' ');
}

function singleCommandWords(sel: Selector, fake: Selector, cmd: AclCmd, words: string[]): void {
  const bit = sel.bits[cmd.id];
  if (bit !== fake.bits[cmd.id]) {
    words.push(`${bit ? '+' : '-'}${cmd.name}`);
    fake.changePerm(cmd, bit === 1);
  }
  if (cmd.subs) for (const s of cmd.subs) singleCommandWords(sel, fake, s, words);
  const args = bit === 0 ? sel.firstArgs?.get(cmd.id) : undefined;
  if (args) for (const a of args) words.push(`+${cmd.name}|${a}`);
}

export function describeSelector(sel: Selector): string {
  let out = '';
  if (sel.flags & SEL_ALLKEYS) out += '~* ';
  else for (const k of sel.keys) out += `${keyPatternText(k)} `;
  if (sel.flags & SEL_ALLCHANNELS) out += '&* ';
  else {
    out += 'resetchannels ';
    for (const ch of sel.channels) out += `&${ch} `;
  }
  return out + describeCommandRules(sel);
}

/** The rules after "user <name> " in ACL LIST, ACL files and config `user` lines. */
export function describeUser(u: AclUser): string {
  if (u.description !== null) return u.description;
  let out = '';
  for (const [flag, word] of USER_FLAG_WORDS) if (u.flags & flag) out += `${word} `;
  for (const p of u.passwords) out += `#${p} `;
  for (const sel of u.selectors) {
    out += sel.flags & SEL_ROOT ? describeSelector(sel) : ` (${describeSelector(sel)})`;
  }
  u.description = out;
  return out;
}

/** ACL GETUSER's "keys" field: "~*" or the patterns with their access prefixes. */
export function keysField(sel: Selector): string {
  if (sel.flags & SEL_ALLKEYS) return '~*';
  return sel.keys.map(keyPatternText).join(' ');
}

/** ACL GETUSER's "channels" field. */
export function channelsField(sel: Selector): string {
  if (sel.flags & SEL_ALLCHANNELS) return '&*';
  return sel.channels.map((c) => `&${c}`).join(' ');
}
