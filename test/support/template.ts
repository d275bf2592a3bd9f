/** cloudformation/twitter-stats.yaml read as CloudFormation reads it, for tests of its parts. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { ROOT } from './root.mjs'

export const TEMPLATE = join(ROOT, 'cloudformation', 'twitter-stats.yaml')

export interface Parameter {
  Type: string
  Default?: string | number
  MinValue?: number
  MaxLength?: number
  NoEcho?: boolean
  AllowedPattern?: string
  ConstraintDescription?: string
  Description?: string
}

export interface Template {
  Parameters: Record<string, Parameter>
  Rules: Record<string, { Assertions: { Assert: unknown; AssertDescription: string }[] }>
  Conditions: Record<string, unknown>
  Resources: Record<string, { Type: string; Condition?: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties: Record<string, unknown> }>
  Outputs: Record<string, unknown>
}

/** The template with CloudFormation's short tags (!Ref, !Sub…) read as their long forms ({ Ref }, { 'Fn::Sub' }…). */
export function loadTemplate(): Template {
  const tags = ['Ref', 'Sub', 'GetAtt', 'Not', 'Equals', 'If', 'And', 'Or', 'Select', 'Split'].map((name) => ({
    tag: `!${name}`,
    resolve: (value: unknown) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }),
    collection: undefined
  }))
  const scalar = tags.map((t) => ({ ...t, collection: undefined }))
  const sequence = tags.map((t) => ({ ...t, collection: 'seq' as const, resolve: (value: { toJSON(): unknown }) => t.resolve(value.toJSON()) }))
  return parseDocument(readFileSync(TEMPLATE, 'utf8'), { customTags: [...scalar, ...sequence] }).toJS() as Template
}
