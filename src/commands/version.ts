/** The Redis version Tandem is compatible with (reported where clients gate features on it) and our own version. */
export const COMPAT_VERSION = '7.0.15';
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const TANDEM_VERSION: string = require('../../package.json').version;
