#!/usr/bin/env node
// Writes schema/plexus.schema.json (the config file's JSON Schema, for editors) from the
// compiled zod schema. Run by scripts/build.mjs after TypeScript.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { JSON_SCHEMA_FILE, plexusJsonSchemaText } from '../dist/src/cli/config/jsonSchema.js'

const text = plexusJsonSchemaText()
let current
try { current = readFileSync(JSON_SCHEMA_FILE, 'utf8') } catch { current = undefined }
if (current !== text) {
  mkdirSync(path.dirname(JSON_SCHEMA_FILE), { recursive: true })
  writeFileSync(JSON_SCHEMA_FILE, text)
  console.log(`config schema: wrote ${path.relative(process.cwd(), JSON_SCHEMA_FILE)}`)
}
