/** zsets commands (family not implemented yet). */
import type { CommandSpec } from './command';

export const zsetCommands: CommandSpec[] = [];
