import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { tempDir } from '../../../test/helpers/tmp.js'
import { ConfigError } from '../../primitives/errors.js'
import { loadConfig, parseConfig } from './load.js'

describe('config: abiDirs (the dashboard decodes these contracts, as --abi-dir)', { timeout: 10_000 }, () => {
  it('resolves the directories against the config file', () => {
    const tmp = tempDir()
    try {
      const file = path.join(tmp.dir, 'plexus.yaml')
      writeFileSync(file, 'abiDirs:\n  - ./out\n  - /abs/artifacts\n')
      assert.deepEqual(loadConfig(file, {}).abiDirs, [path.join(tmp.dir, 'out'), '/abs/artifacts'])
    } finally {
      tmp.cleanup()
    }
  })

  it('refuses a wrong shape with an error naming the field', () => {
    for (const bad of [5, 'out', [7], Array.from({ length: 33 }, () => './out')]) {
      assert.throws(
        () => parseConfig({ abiDirs: bad }, {}),
        (err: unknown) => err instanceof ConfigError && /abiDirs/.test(err.message),
        JSON.stringify(bad).slice(0, 40),
      )
    }
  })
})
