/** The project's root folder, in a module of its own: suites that need only the path load nothing else with it. */
import { resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..')
