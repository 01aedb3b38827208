// Measures writeAnvilState time vs state size as the L1 grows with 120 KB batch-like calldata txs.
import { startAnvil } from './dist/test/helpers/anvil.js'
import { anvilRpc, writeAnvilState } from './dist/src/settlement/l1/anvilState.js'
import { statSync, mkdtempSync } from 'node:fs'
import path from 'node:path'
import os from 'node:os'
const dir = mkdtempSync(path.join(os.tmpdir(), 'dumpcost-'))
const anvil = await startAnvil(['--block-time', '1', '--gas-limit', '300000000'])
const from = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const file = path.join(dir, 'state.json')
const data = '0x' + Buffer.alloc(120_000, 0x5a).toString('hex')
let sent = 0
let nonce = 0
for (const target of [0, 10, 40, 100, 200, 400]) {
  while (sent < target) {
    const batch = []
    for (let i = 0; i < 10 && sent < target; i++, sent++) batch.push(anvilRpc(anvil.url, 'eth_sendTransaction', [{ from, to: from, data, gas: '0x1c9c380', nonce: '0x' + (nonce++).toString(16) }], 30_000))
    await Promise.all(batch)
  }
  for (;;) {
    const mined = Number(BigInt(await anvilRpc(anvil.url, 'eth_getTransactionCount', [from, 'latest'], 5000)))
    if (mined >= nonce) break
    await new Promise((r) => setTimeout(r, 500))
  }
  const times = []
  let written
  for (let i = 0; i < 3; i++) { const t = performance.now(); written = await writeAnvilState(anvil.url, file, 120_000); times.push(performance.now() - t) }
  times.sort((a, b) => a - b)
  console.log(JSON.stringify({ txs120k: sent, calldataMB: (sent * 0.12).toFixed(1), fileMB: (statSync(file).size / 1e6).toFixed(1), block: String(written?.block), medianMs: Math.round(times[1]), minMs: Math.round(times[0]) }))
}
await anvil.stop()
