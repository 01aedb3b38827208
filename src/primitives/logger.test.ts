import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { createLogger, defaultLogFormat } from './logger.js'

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough()
  let out = ''
  stream.on('data', (d) => (out += d))
  return { stream, text: () => out }
}

/** Invariant: JSON for machines (one object a line), readable lines for people, never both mixed. */
describe('log formats', () => {
  test('json: one JSON object per line, with module and fields', () => {
    const { stream, text } = capture()
    createLogger('info', stream, 'json').child({ module: 'l1-deploy' }).info({ n: 1 }, 'deployed')
    const line = JSON.parse(text().trim()) as Record<string, unknown>
    assert.equal(line.module, 'l1-deploy')
    assert.equal(line.msg, 'deployed')
    assert.equal(line.n, 1)
  })

  test('pretty: one readable line naming the module and chain, fields after the message', () => {
    const { stream, text } = capture()
    createLogger('info', stream, 'pretty').child({ chain: 901 }).child({ module: 'rpc' }).warn({ port: 9545 }, 'RPC server listening')
    const lines = text().trim().split('\n')
    assert.equal(lines.length, 1)
    assert.match(lines[0]!, /WARN.*\[rpc\] \(901\) RPC server listening.*"port":9545/)
    assert.throws(() => JSON.parse(lines[0]!))
  })

  test('the default: pretty on a terminal, json on anything else', () => {
    assert.equal(defaultLogFormat(Object.assign(new PassThrough(), { isTTY: true })), 'pretty')
    assert.equal(defaultLogFormat(new PassThrough()), 'json')
    const { stream, text } = capture()
    createLogger('info', stream).info('x')
    assert.equal((JSON.parse(text().trim()) as { msg: string }).msg, 'x')
  })
})
