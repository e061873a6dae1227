import { differential } from '../helpers/differential';

differential('connection', {
  ping: [['PING'], ['PING', 'hello'], ['PING', 'a', 'b'], ['ECHO', 'x'], ['ECHO'], ['ECHO', Buffer.from([0, 1, 255])]],
  select: [
    ['SELECT', '1'],
    ['SELECT', '16'],
    ['SELECT', '-1'],
    ['SELECT', 'abc'],
    ['SELECT', '0'],
  ],
  unknown: [['NOSUCHCMD'], ['NOSUCHCMD', 'a', 'b'], ['nosuchcmd', 'x'.repeat(200)], ['CLIENT', 'NOSUCH'], ['CLIENT']],
  client: [
    ['CLIENT', 'SETNAME', 'bad name'],
    ['CLIENT', 'SETNAME', 'good'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', ''],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'KILL', '1.2.3.4:5'],
    ['CLIENT', 'KILL', 'ID', 'abc'],
    ['CLIENT', 'KILL', 'ID', '999999'],
    ['CLIENT', 'NO-EVICT', 'on'],
    ['CLIENT', 'NO-EVICT', 'maybe'],
    ['CLIENT', 'UNBLOCK', '999999'],
    ['CLIENT', 'UNBLOCK', 'x'],
    ['CLIENT', 'SETINFO', 'lib-name', 'x'],
  ],
  auth: [
    ['AUTH', 'x'],
    ['AUTH', 'default', 'x'],
    ['AUTH', 'u', 'p'],
    ['HELLO', '4'],
    ['HELLO', 'x'],
    ['HELLO', '2', 'FOO'],
  ],
});
